// The scheduler's due-time logic as a pure function: the first picture at once, then refreshes
// spread over the interval by group, with pipelines of one cluster (or repository) kept together
// so their batched fetch is still shared.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "engine/refresh_plan.hpp"

using namespace shipwatch;
using namespace std::chrono_literals;

namespace {

// `clusters` clusters of `per_cluster` pipelines each; every cluster's pipelines share a repo.
std::vector<RefreshGroups> fleet(int clusters, int per_cluster) {
    std::vector<RefreshGroups> out;
    for (int c = 0; c < clusters; ++c)
        for (int p = 0; p < per_cluster; ++p)
            out.push_back({"ecs eu-west-1/cluster-" + std::to_string(c), "repo acme/app-" + std::to_string(c)});
    return out;
}

// Runs the plan for `until`, each refresh taking `took`, with as many workers as slots (the
// plan alone decides when things happen). Returns the start times of live refreshes.
std::vector<std::pair<Duration, size_t>> run(RefreshPlan& plan, size_t slots, Duration until, Duration took) {
    std::vector<std::pair<Duration, size_t>> live_starts;
    std::multimap<Duration, std::pair<size_t, RefreshParts>> finishing;
    std::vector<bool> busy(slots, false);
    Duration now{0};
    while (now < until) {
        for (size_t i = 0; i < slots; ++i) {
            if (busy[i] || plan.due(i) > now) continue;
            RefreshParts parts = plan.parts_due(i, now);
            if (parts.live) live_starts.push_back({now, i});
            busy[i] = true;
            finishing.insert({now + took, {i, parts}});
        }
        // Advance to the next event: a refresh finishing or one falling due.
        Duration next = until;
        if (!finishing.empty()) next = std::min(next, finishing.begin()->first);
        for (size_t i = 0; i < slots; ++i)
            if (!busy[i]) next = std::min(next, plan.due(i));
        now = std::max(now, next);
        while (!finishing.empty() && finishing.begin()->first <= now) {
            auto [i, parts] = finishing.begin()->second;
            plan.finished(i, parts, finishing.begin()->first);
            busy[i] = false;
            finishing.erase(finishing.begin());
        }
    }
    return live_starts;
}

}  // namespace

TEST(RefreshPlan, NextInPhase) {
    EXPECT_EQ(next_in_phase(3s, 10s, 0s), 3s);
    EXPECT_EQ(next_in_phase(3s, 10s, 3s), 3s);
    EXPECT_EQ(next_in_phase(3s, 10s, 3001ms), 13s);
    EXPECT_EQ(next_in_phase(3s, 10s, 13s), 13s);
    EXPECT_EQ(next_in_phase(0s, 10s, 25s), 30s);
}

TEST(RefreshPlan, EverythingDueAtOnceForTheFirstPicture) {
    RefreshPlan plan(fleet(10, 20), 10s, 30s);
    for (size_t i = 0; i < 200; ++i) {
        EXPECT_EQ(plan.due(i), 0s);
        RefreshParts parts = plan.parts_due(i, 0s);
        EXPECT_TRUE(parts.live && parts.slow);
    }
}

TEST(RefreshPlan, GroupsGetEvenPhasesAndClustersShareOne) {
    RefreshPlan plan(fleet(10, 20), 10s, 30s);
    for (size_t i = 0; i < 200; ++i) {
        EXPECT_EQ(plan.live_phase(i), std::chrono::seconds(i / 20)) << i;  // cluster c at c seconds
        EXPECT_EQ(plan.slow_phase(i), std::chrono::seconds(3 * (i / 20))) << i;  // repo r at 3r seconds
    }
    // Pipelines that are not ECS have their own group each.
    RefreshPlan ec2({{"pipeline a", "pipeline a"}, {"pipeline b", "pipeline b"}}, 10s, 30s);
    EXPECT_EQ(ec2.live_phase(0), 0s);
    EXPECT_EQ(ec2.live_phase(1), 5s);
}

TEST(RefreshPlan, AfterTheFirstPictureRefreshesFollowThePhase) {
    RefreshPlan plan(fleet(10, 1), 10s, 30s);
    for (size_t i = 0; i < 10; ++i) plan.finished(i, RefreshParts::all(), 3200ms);
    // At least half an interval after the first picture, then on the phase.
    EXPECT_EQ(plan.next_live(0), 10s);
    EXPECT_EQ(plan.next_live(5), 15s);
    EXPECT_EQ(plan.next_live(9), 9s);
    EXPECT_EQ(plan.next_slow(0), 30s);
    EXPECT_EQ(plan.next_slow(9), 27s);
    EXPECT_EQ(plan.next_slow(5), 45s);  // its phase (15 s) is too soon after the first picture
    // A live-only refresh leaves the slow schedule alone.
    plan.finished(5, RefreshParts{true, false}, 15300ms);
    EXPECT_EQ(plan.next_live(5), 25s);
    EXPECT_EQ(plan.next_slow(5), 45s);
    EXPECT_TRUE(plan.parts_due(5, 25s).live);
    EXPECT_FALSE(plan.parts_due(5, 25s).slow);
    EXPECT_TRUE(plan.parts_due(5, 45s).slow);
}

TEST(RefreshPlan, ASlowRefreshSkipsToItsNextSlotInsteadOfDrifting) {
    RefreshPlan plan(fleet(4, 1), 10s, 30s);  // phases 0, 2.5, 5, 7.5 s
    plan.finished(1, RefreshParts::all(), 2500ms + 6s);  // the budget held it up for 6 s
    EXPECT_EQ(plan.next_live(1), 22500ms);  // not 12.5 s (too soon), not 18.5 s (drifted)
}

TEST(RefreshPlan, RefreshNowMakesEverythingDue) {
    RefreshPlan plan(fleet(3, 2), 10s, 30s);
    for (size_t i = 0; i < 6; ++i) plan.finished(i, RefreshParts::all(), 1s);
    plan.all_due(4s);
    for (size_t i = 0; i < 6; ++i) EXPECT_EQ(plan.due(i), 4s);
}

// The steady state of 200 pipelines in 10 clusters: every second of the interval sees one
// cluster's live refreshes, and a cluster's 20 pipelines start together (one batched fetch).
TEST(RefreshPlan, SteadyStateIsSpreadOverTheIntervalAndBatchesStayTogether) {
    auto groups = fleet(10, 20);
    RefreshPlan plan(groups, 10s, 30s);
    auto starts = run(plan, groups.size(), 60s, 400ms);
    std::map<long long, int> per_second;  // second within the interval -> live refreshes
    std::map<std::pair<long long, std::string>, std::set<Duration>> cluster_starts;  // (interval, cluster) -> start times
    for (auto [t, i] : starts) {
        if (t < 20s) continue;  // past the first picture
        per_second[(t % 10s) / 1s]++;
        cluster_starts[{t / 10s, groups[i].live}].insert(t);
    }
    ASSERT_EQ(per_second.size(), 10u);
    for (auto [second, n] : per_second) EXPECT_EQ(n, 4 * 20) << "second " << second;  // 4 intervals x 20 pipelines
    for (const auto& [key, times] : cluster_starts) EXPECT_EQ(times.size(), 1u) << key.second << " split its batch";
}

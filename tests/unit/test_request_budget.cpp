// The request budget and the spread schedule end to end, in virtual time: 200 pipelines of the
// generated fleet, refreshed by the scheduler's RefreshPlan through the real collectors and a
// RetryTransport whose pacing sleeps move a virtual clock; a counting Transport under it records
// when every request really went out. No request rate ever exceeds the budget (any sliding
// second holds at most rate + burst requests per source), a steady-state interval's requests are
// spread over it, and each cluster's batched ECS fetch still happens once per interval.
//
// One refresh at a time (the Scheduler runs four): the budget is enforced in the transport, so
// the number of workers changes how long refreshes wait, not how fast requests go out.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "engine/collector.hpp"
#include "engine/refresh_plan.hpp"
#include "http/retry_transport.hpp"
#include "sim/fleet.hpp"
#include "sim/simulator.hpp"
#include "model/analysis.hpp"

using namespace shipwatch;
using namespace std::chrono_literals;

namespace {

// Moves only forward, and only when told: pacing sleeps advance it, possibly from several
// threads at once (a refresh's chains run in parallel), so it keeps the latest of their ends.
class VirtualClock final : public ClockSource {
public:
    explicit VirtualClock(TimePoint t) : ms_(t.time_since_epoch().count()) {}
    TimePoint now() const override { return TimePoint{Duration{ms_.load()}}; }
    void advance_to(TimePoint t) {
        long long target = t.time_since_epoch().count(), cur = ms_.load();
        while (cur < target && !ms_.compare_exchange_weak(cur, target)) {
        }
    }

private:
    std::atomic<long long> ms_;
};

// Records when each request went out, per source, and which ECS operation it was.
class CountingTransport final : public Transport {
public:
    CountingTransport(Transport& inner, const ClockSource& clock) : inner_(inner), clock_(clock) {}
    HttpResponse send(const HttpRequest& request) override {
        {
            std::lock_guard lock(mutex_);
            TimePoint now = clock_.now();
            sent_[request.budget + "|" + source_name(request)].push_back(now);
            if (auto it = request.headers.find("X-Amz-Target"); it != request.headers.end()) operations_[it->second].push_back(now);
            urls_.push_back(request.url);
        }
        return inner_.send(request);
    }
    std::map<std::string, std::vector<TimePoint>> sent_;  // "service|source" -> times
    std::map<std::string, std::vector<TimePoint>> operations_;  // X-Amz-Target -> times
    std::vector<std::string> urls_;

private:
    Transport& inner_;
    const ClockSource& clock_;
    std::mutex mutex_;
};

constexpr Duration kLive = 10s, kSlow = 30s;

struct Fleet {
    explicit Fleet(RetryOptions budget)
        : scenario(make()),
          clock(scenario.start),
          world(std::make_shared<sim::World>(scenario, clock)),
          sim(world),
          counting(sim, clock),
          retry(counting, clock, budget, [this](Duration d) { clock.advance_to(clock.now() + d); }),
          options(std::move(budget)) {
        auto gh = std::make_shared<github::GithubClient>(github::GithubContext{&retry, "https://api.github.com", ""});
        auto slow_cache = std::make_shared<SlowSourceCache>(clock, kSlow / 2);  // as make_live does
        std::map<std::string, std::shared_ptr<EcsClusterFetch>> clusters;
        std::vector<RefreshGroups> groups;
        for (const auto& spec : scenario.pipelines) {
            CollectorSources src;
            src.aws = aws::AwsContext{&retry, spec.region, aws::Endpoints(spec.region)};
            src.github = gh;
            src.http = &retry;
            src.slow_cache = slow_cache;
            if (spec.kind == PipelineKind::ecs) {
                auto& c = clusters[spec.region + "/" + spec.cluster];
                if (!c) c = std::make_shared<EcsClusterFetch>(src.aws, spec.cluster, clock, kLive / 2);
                c->watch(spec.service);
                src.ecs_cluster = c;
                ++services_per_cluster[spec.region + "/" + spec.cluster];
            }
            groups.push_back(refresh_groups(spec));
            collectors.push_back(std::make_unique<PipelineCollector>(spec, std::move(src), clock));
        }
        plan.emplace(groups, kLive, kSlow);
        verdicts.resize(collectors.size());
    }

    static sim::Scenario make() {
        sim::FleetOptions o;
        o.pipelines = 200;
        auto fleet = sim::make_fleet(o);
        if (!fleet) throw std::runtime_error(fleet.error().message);
        return std::move(fleet).value().scenario;
    }

    Duration elapsed() const { return clock.now() - scenario.start; }

    // Refreshes whatever the plan says is due, in due order, until `until` (plan time).
    void run(Duration until) {
        for (;;) {
            size_t pick = 0;
            for (size_t i = 1; i < collectors.size(); ++i)
                if (plan->due(i) < plan->due(pick)) pick = i;
            if (plan->due(pick) >= until) return;
            clock.advance_to(scenario.start + plan->due(pick));
            RefreshParts parts = plan->parts_due(pick, elapsed());
            verdicts[pick] = to_string(analyze(collectors[pick]->collect(parts)).diagnosis.verdict.code);
            plan->finished(pick, parts, elapsed());
        }
    }

    double rate_of(const std::string& service) const {
        auto it = options.service_rates.find(service);
        return it != options.service_rates.end() ? it->second : options.requests_per_second;
    }

    // The most requests any one source sent in a sliding second, and how many it may.
    void expect_within_budget() const {
        for (const auto& [key, times] : counting.sent_) {
            std::string service = key.substr(0, key.find('|'));
            double allowed = rate_of(service) + options.burst;
            std::vector<TimePoint> sorted = times;
            std::sort(sorted.begin(), sorted.end());
            size_t most = 0;
            for (size_t i = 0, j = 0; i < sorted.size(); ++i) {
                while (sorted[i] - sorted[j] >= 1s) ++j;  // window (t - 1s, t]
                most = std::max(most, i - j + 1);
            }
            EXPECT_LE(static_cast<double>(most), allowed) << key << ": " << most << " requests in one second";
        }
    }

    sim::Scenario scenario;
    VirtualClock clock;
    std::shared_ptr<sim::World> world;
    sim::SimTransport sim;
    CountingTransport counting;
    RetryTransport retry;
    RetryOptions options;
    std::vector<std::unique_ptr<PipelineCollector>> collectors;
    std::optional<RefreshPlan> plan;
    std::vector<std::string> verdicts;
    std::map<std::string, int> services_per_cluster;
};

RetryOptions budget(double rps, double burst, std::map<std::string, double> services) {
    RetryOptions o;
    o.requests_per_second = rps;
    o.burst = burst;
    o.service_rates = std::move(services);
    o.random = [] { return 0.5; };
    return o;
}

}  // namespace

// A budget that covers the fleet's steady demand: requests stay inside it, the steady state is
// spread over the interval, and every cluster is asked once per interval.
TEST(RequestBudget, SpreadAndWithinBudgetAt200Pipelines) {
    Fleet f(budget(40, 10, {{"github", 4}, {"logs", 1}}));
    f.run(70s);
    f.expect_within_budget();

    // The first picture: every pipeline has the verdict the fleet declares.
    for (size_t i = 0; i < f.collectors.size(); ++i) {
        const std::string& name = f.collectors[i]->spec().name;
        if (auto it = f.scenario.expect.find(name); it != f.scenario.expect.end()) EXPECT_EQ(f.verdicts[i], it->second) << name;
    }

    // Steady state, three live intervals [30 s, 60 s): each quarter of the interval carries a
    // fair share of the requests, not the first part all of them.
    std::array<int, 4> quarters{};
    int total = 0;
    for (const auto& [key, times] : f.counting.sent_)
        for (TimePoint t : times) {
            Duration at = t - f.scenario.start;
            if (at < 30s || at >= 60s) continue;
            ++quarters[static_cast<size_t>((at % kLive) * 4 / kLive)];
            ++total;
        }
    ASSERT_GT(total, 0);
    for (size_t q = 0; q < 4; ++q) {
        double share = static_cast<double>(quarters[q]) / total;
        EXPECT_GT(share, 0.12) << "quarter " << q << " of the interval: " << quarters[q] << " of " << total;
        EXPECT_LT(share, 0.40) << "quarter " << q << " of the interval: " << quarters[q] << " of " << total;
    }

    // Batching survives the spread: DescribeServices per cluster (10 services a call), not per pipeline.
    int expected = 0;
    for (const auto& [cluster, n] : f.services_per_cluster) expected += 3 * ((n + 9) / 10);
    int described = 0;
    for (TimePoint t : f.counting.operations_["AmazonEC2ContainerServiceV20141113.DescribeServices"])
        if (t - f.scenario.start >= 30s && t - f.scenario.start < 60s) ++described;
    // At most one batched call per cluster per interval (the cluster fetch may serve a refresh
    // from the answer it just got), and never none: the spread must not stop the batching.
    EXPECT_LE(described, expected);
    EXPECT_GE(described, expected / 3);
}

// A budget far below the demand (the default 5 a second for 200 pipelines): refreshes take
// longer, requests never go faster.
TEST(RequestBudget, TightBudgetIsNeverExceeded) {
    Fleet f(budget(5, 10, {{"github", 1}, {"logs", 1}}));
    f.run(40s);
    f.expect_within_budget();
    for (size_t i = 0; i < f.collectors.size(); ++i) EXPECT_FALSE(f.verdicts[i].empty()) << f.collectors[i]->spec().name;
}

// Pipelines of one repository in different AWS profiles (prod, staging, canary of one service)
// share its GitHub answers: GitHub's token is the same whatever the AWS account, so one refresh
// of the fleet asks for a repository's commits once, not once per profile.
TEST(RequestBudget, GithubAnswersAreSharedAcrossAwsProfiles) {
    sim::Scenario scenario = Fleet::make();
    VirtualClock clock(scenario.start);
    auto world = std::make_shared<sim::World>(scenario, clock);
    sim::SimTransport sim(world);
    CountingTransport counting(sim, clock);
    RetryOptions none = budget(0, 10, {});
    std::vector<std::unique_ptr<RetryTransport>> profiles;
    for (int i = 0; i < 3; ++i) profiles.push_back(std::make_unique<RetryTransport>(counting, clock, none, [](Duration) {}));
    RetryTransport unsigned_http(counting, clock, none, [](Duration) {});
    auto gh = std::make_shared<github::GithubClient>(github::GithubContext{&unsigned_http, "https://api.github.com", ""});
    auto slow_cache = std::make_shared<SlowSourceCache>(clock, kSlow / 2);
    std::set<std::string> repos;
    std::map<std::string, std::set<size_t>> profiles_of_repo;
    for (size_t i = 0; i < scenario.pipelines.size(); ++i) {
        const auto& spec = scenario.pipelines[i];
        CollectorSources src;
        src.aws = aws::AwsContext{profiles[i % 3].get(), spec.region, aws::Endpoints(spec.region)};
        src.github = spec.repo.empty() ? nullptr : gh;
        src.http = &unsigned_http;
        src.slow_cache = slow_cache;
        if (!spec.repo.empty()) {
            repos.insert(spec.repo + "|" + spec.branch);
            profiles_of_repo[spec.repo].insert(i % 3);
        }
        PipelineCollector(spec, std::move(src), clock).collect();
    }
    size_t several = std::count_if(profiles_of_repo.begin(), profiles_of_repo.end(), [](const auto& kv) { return kv.second.size() > 1; });
    ASSERT_GT(several, 10u) << "the fleet should spread a repository's pipelines over profiles";
    std::map<std::string, int> commit_calls;
    for (const auto& url : counting.urls_)
        if (auto at = url.find("/commits?"); at != std::string::npos && url.find("/repos/") != std::string::npos) ++commit_calls[url.substr(0, at)];
    EXPECT_EQ(commit_calls.size(), repos.size());
    for (const auto& [repo, calls] : commit_calls) EXPECT_EQ(calls, 1) << repo;
}

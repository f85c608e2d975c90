// Stale is never green: a part older than its max_age turns the stages resting on it unknown with
// its age, and in the dashboard's engine a call that hangs freezes only its own part (the rest of
// the pipeline keeps refreshing) and is asked once, not once per refresh. The deadlines of the
// one-shot commands hold inside a refresh. Times here are correctness bounds with wide margins.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "engine/collector.hpp"
#include "engine/scheduler.hpp"
#include "model/analysis.hpp"
#include "sim/demo_sources.hpp"
#include "sim/faults.hpp"
#include "sim/simulator.hpp"
#include "snapshot_builder.hpp"

namespace shipwatch {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using testing::healthy_snapshot;

const StageReport& stage(const PipelineAnalysis& a, Stage id) {
    for (const auto& s : a.diagnosis.stages)
        if (s.id == id) return s;
    throw std::runtime_error("no such stage");
}

// Every part trusted for 30 s; `part` last fetched `age` before now.
PipelineSnapshot aged(Duration age, Fetched<std::vector<TargetGroup>> PipelineSnapshot::*part) {
    PipelineSnapshot s = healthy_snapshot();
    for_each_part(s, [](Part, auto& fetched) { fetched.max_age = 30s; });
    (s.*part).fetched_at = s.now - age;
    return s;
}

TEST(Freshness, APartPastItsMaxAgeTurnsItsStageUnknownWithTheAge) {
    PipelineAnalysis fresh = analyze(aged(29s, &PipelineSnapshot::target_groups));
    EXPECT_EQ(fresh.diagnosis.verdict.code, VerdictCode::live);

    PipelineAnalysis old = analyze(aged(42s, &PipelineSnapshot::target_groups));
    const StageReport& alb = stage(old, Stage::alb);
    EXPECT_EQ(alb.health, Health::unknown);
    EXPECT_EQ(alb.summary, "load balancer data 42s old (trusted up to 30s)");
    EXPECT_EQ(old.diagnosis.verdict.code, VerdictCode::unknown);
    EXPECT_EQ(stage(old, Stage::tasks).health, Health::ok);  // the other stages stand on fresh data
}

TEST(Freshness, WithoutAMaxAgeAnyAgeIsTrusted) {
    PipelineSnapshot s = healthy_snapshot();  // a one-shot check sets none
    s.target_groups.fetched_at = s.now - 24h;
    EXPECT_EQ(analyze(s).diagnosis.verdict.code, VerdictCode::live);
}

TEST(Freshness, AnOldEndpointAnswerIsNoEvidenceOfWhatIsServed) {
    PipelineSnapshot s = healthy_snapshot();
    s.spec.target_groups.clear();
    s.target_groups.configured = false;
    s.target_groups.value.reset();
    s.versions.max_age = 30s;
    s.versions.fetched_at = s.now - 50s;
    PipelineAnalysis a = analyze(s);
    const StageReport& alb = stage(a, Stage::alb);
    EXPECT_EQ(alb.health, Health::unknown);
    EXPECT_NE(alb.summary.find("version endpoint data 50s old (trusted up to 30s)"), std::string::npos) << alb.summary;
}

TEST(Freshness, AnOldTasksListingIsNoEvidenceOfWhatRuns) {
    PipelineSnapshot s = healthy_snapshot();
    s.tasks.max_age = 30s;
    s.tasks.fetched_at = s.now - 31s;
    PipelineAnalysis a = analyze(s);
    EXPECT_EQ(stage(a, Stage::tasks).health, Health::unknown);
    EXPECT_EQ(stage(a, Stage::tasks).summary, "ECS tasks data 31s old (trusted up to 30s)");
}

// The `healthy` scenario in real time, its world clock following the real one.
struct RealTimeDemo {
    std::unique_ptr<DemoSources> demo;
    RealTimeDemo() {
        auto made = make_demo({"healthy"}, DemoClock{});
        if (!made) throw std::runtime_error(made.error().message);
        demo = std::move(made).value();
    }
    sim::World& world() { return *demo->worlds.front(); }
    int calls(const std::string& op) {
        auto counts = world().call_counts();
        auto it = counts.find(op);
        return it == counts.end() ? 0 : it->second;
    }
};

template <typename F>
bool eventually(Duration within, F done) {
    auto until = steady::now() + within;
    while (!done() && steady::now() < until) std::this_thread::sleep_for(20ms);
    return done();
}

TEST(Freshness, AHungCallFreezesOnlyItsPartAndTurnsItsStageUnknownInTheDashboard) {
    RealTimeDemo d;
    SchedulerOptions options;
    options.live_interval = 500ms;
    options.slow_interval = 500ms;
    options.patience = 300ms;
    // The dashboard's floor is 30 s; the rule is the same. Above the demo's 4 s cluster cache.
    options.trusted_at_least = 6s;
    options.stop = d.demo->stop;
    Scheduler scheduler(std::move(d.demo->collectors), options);
    scheduler.start();
    auto shown = [&] { return scheduler.latest()->pipelines[0].analysis; };
    ASSERT_TRUE(eventually(10s, [&] { return shown() && shown()->diagnosis.verdict.code == VerdictCode::live; }));

    const std::string health = "elasticloadbalancing:DescribeTargetHealth";
    d.world().faults().add(sim::parse_fault(health + "=slow,delay=60s").value());
    auto hung_at = steady::now();
    int health_calls = d.calls(health);
    int service_calls = d.calls("ecs:DescribeServices");

    ASSERT_TRUE(eventually(15s, [&] { return stage(*shown(), Stage::alb).health == Health::unknown; }))
        << stage(*shown(), Stage::alb).summary;
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - hung_at).count();
    std::printf("the ALB stage turned unknown %lld ms after its call hung (trusted for 6 s)\n", took);
    EXPECT_LE(took, 6500);
    auto a = shown();
    EXPECT_NE(stage(*a, Stage::alb).summary.find("load balancer data"), std::string::npos)
        << stage(*a, Stage::alb).summary;
    // The rest of the pipeline kept refreshing around the hung call, which was asked once.
    EXPECT_EQ(stage(*a, Stage::tasks).health, Health::ok) << stage(*a, Stage::tasks).summary;
    EXPECT_LT(a->snapshot.now - *a->snapshot.tasks.fetched_at, 6s);
    EXPECT_GT(d.calls("ecs:DescribeServices"), service_calls);
    EXPECT_LE(d.calls(health), health_calls + 1);
    scheduler.stop();
}

TEST(Freshness, ACheckDeadlineEndsARefreshThatWaitsForAHungCall) {
    RealTimeDemo d;
    d.world().faults().add(sim::parse_fault("elasticloadbalancing:DescribeTargetHealth=slow,delay=60s").value());
    CollectDeadline cut{steady::now() + 500ms, "500ms", d.demo->stop};
    auto started = steady::now();
    auto snaps = collect_all({d.demo->collectors.front().get()}, RefreshParts::all(), kFetchThreads, &cut);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started).count();
    std::printf("collect_all returned %lld ms after its start with a 60 s call and a 500 ms deadline\n", took);
    EXPECT_LT(took, 5000);
    ASSERT_TRUE(snaps.front().target_groups.error.has_value());
    EXPECT_EQ(snaps.front().target_groups.error->message, "no answer within 500ms");
    EXPECT_TRUE(snaps.front().service.ok());  // what answered is there
    PipelineAnalysis a = analyze(snaps.front());
    EXPECT_EQ(stage(a, Stage::alb).health, Health::unknown);
    EXPECT_EQ(a.diagnosis.verdict.code, VerdictCode::unknown);
}

}  // namespace
}  // namespace shipwatch

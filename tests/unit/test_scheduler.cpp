// The Scheduler in virtual time (Scheduler::run_virtual): the real engine — plan, collectors,
// merges, publishing — on the test's thread, every request sent one by one, and a ManualClock
// moved to the next due refresh whenever nothing is left to merge. A minute of refreshes costs
// milliseconds and no real sleep; the schedule it produces is checked request by request.
#include <gtest/gtest.h>

#include <chrono>

#include "engine/scheduler.hpp"
#include "sim/demo_sources.hpp"

namespace shipwatch {
namespace {

using namespace std::chrono_literals;

struct VirtualRun {
    std::unique_ptr<DemoSources> demo;
    ManualClock* clock = nullptr;
    std::unique_ptr<Scheduler> scheduler;
    std::vector<TimePoint> published;  // when each new picture came, in virtual time

    explicit VirtualRun(const std::string& scenario) {
        DemoClock frozen;
        frozen.frozen = true;  // a ManualClock per scenario: it moves only when the test says
        auto d = make_demo({scenario}, frozen);
        if (!d) throw std::runtime_error(d.error().message);
        demo = std::move(d).value();
        clock = static_cast<ManualClock*>(demo->clocks.front().get());
        SchedulerOptions so;
        so.live_interval = 10s;
        so.slow_interval = 30s;
        so.fetch_threads = 0;
        so.clock = clock;
        scheduler = std::make_unique<Scheduler>(std::move(demo->collectors), so);
    }
    int calls(const std::string& operation) const {
        int n = 0;
        for (const auto& [op, count] : demo->worlds.front()->call_counts())
            if (op.find(operation) != std::string::npos) n += count;
        return n;
    }
    void run(Duration until) {
        scheduler->run_virtual(until, [this](TimePoint t) { clock->set(t); });
    }
};

TEST(SchedulerVirtualTime, RefreshesOnTheIntervalsWithoutRealSleeps) {
    VirtualRun v("healthy");
    TimePoint start = v.clock->now();
    auto real = std::chrono::steady_clock::now();
    v.run(65s);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - real);
    std::printf("65 s of refreshes in virtual time took %lld ms\n", static_cast<long long>(took.count()));

    // Live parts at 0, 10, ..., 60 s; slow parts at 0, 30, 60 s.
    EXPECT_EQ(v.calls("DescribeServices"), 7);
    EXPECT_EQ(v.calls("ListTasks"), 14);  // RUNNING and STOPPED each time
    EXPECT_EQ(v.calls("DescribeImages"), 3);
    // The clock ended at the last due refresh, not later: nothing waited in real time.
    EXPECT_EQ(v.clock->now() - start, 60s);

    auto picture = v.scheduler->latest();
    ASSERT_EQ(picture->pipelines.size(), 1u);
    ASSERT_TRUE(picture->pipelines[0].ready());
    EXPECT_EQ(picture->pipelines[0].analysis->diagnosis.verdict.code, VerdictCode::live);
    EXPECT_FALSE(picture->pipelines[0].refreshing);
}

// refresh_now() travels through the engine's queue: the next run refreshes every pipeline at
// once, ahead of the plan.
TEST(SchedulerVirtualTime, RefreshNowIsServedAheadOfThePlan) {
    VirtualRun v("healthy");
    v.run(5s);  // the first picture at 0 s; the next refresh is due at 10 s
    int before = v.calls("DescribeServices");
    EXPECT_EQ(before, 1);
    v.clock->set(v.clock->now() + 5s);  // past the demo cluster answer's 4 s life
    v.scheduler->refresh_now();
    v.run(6s);  // the `r` key at 5 s; nothing else is due before 10 s
    EXPECT_EQ(v.calls("DescribeServices"), before + 1);
}

}  // namespace
}  // namespace shipwatch

// `wait` in-process on the demo, on an injected clock: each sleep moves the clock to where the
// wait asked to wake, and the scenarios follow it, so minutes of a rollout take milliseconds.
#include <gtest/gtest.h>

#include "app_fixture.hpp"

namespace shipwatch {
namespace {

using app::Command;
using test::CapturedIo;
using test::demo_options;

const TimePoint kStart = TimePoint{} + std::chrono::hours(1000);

// An Io whose time is a ManualClock moved only by the wait's own sleeps.
struct SimulatedTime {
    ManualClock clock{kStart};
    int sleeps = 0;
    void attach(app::Io& io) {
        io.clock = &clock;
        io.sleep_until = [this](TimePoint until) {
            ++sleeps;
            ASSERT_GT(until, clock.now());  // never asks to sleep into the past
            clock.set(until);
        };
    }
    Duration elapsed() const { return clock.now() - kStart; }
};

TEST(WaitInProcess, AHealthyPipelineIsLiveAtOnce) {
    CapturedIo io;
    SimulatedTime time;
    time.attach(io.io);
    EXPECT_EQ(app::run_wait(demo_options(Command::wait, {"healthy"}), io.io), 0);
    EXPECT_EQ(io.out.str(), "");
    EXPECT_EQ(io.err.str().rfind("[    0s] payments-api: live — ", 0), 0u) << io.err.str();
    EXPECT_EQ(time.sleeps, 0);
}

TEST(WaitInProcess, ARolloutSucceedsOnceItCompletes) {
    CapturedIo io;
    SimulatedTime time;
    time.attach(io.io);
    EXPECT_EQ(app::run_wait(demo_options(Command::wait, {"rollout"}), io.io), 0);
    // The scenario's deployment completes three simulated minutes in; the wait refreshes every second.
    EXPECT_GE(time.elapsed(), std::chrono::minutes(2));
    EXPECT_LE(time.elapsed(), std::chrono::minutes(5));
    const std::string err = io.err.str();
    EXPECT_EQ(err.rfind("[    0s] checkout-web: deploy_in_progress", 0), 0u) << err;
    auto last = err.substr(err.rfind('\n', err.size() - 2) + 1);
    EXPECT_NE(last.find("] checkout-web: live — "), std::string::npos) << err;
    EXPECT_EQ(io.out.str(), "");
}

TEST(WaitInProcess, ADefiniteFailureExitsOneWithTheReport) {
    CapturedIo io;
    SimulatedTime time;
    time.attach(io.io);
    auto o = demo_options(Command::wait, {"stuck-rollouts"});
    o.pipeline = "agricultural-core";
    EXPECT_EQ(app::run_wait(o, io.io), 1);
    EXPECT_EQ(io.err.str().rfind("[    0s] agricultural-core: build_failed — ", 0), 0u) << io.err.str();
    EXPECT_EQ(io.out.str().rfind("agricultural-core  (ECS · us-east-1 · now ", 0), 0u) << io.out.str();
    EXPECT_NE(io.out.str().find("BUILD_FAILED"), std::string::npos);
}

TEST(WaitInProcess, TwentyMinutesWithoutABuildTimeOut) {
    CapturedIo io;
    SimulatedTime time;
    time.attach(io.io);
    auto o = demo_options(Command::wait, {"merged-after-deploy"});
    o.interval = "10s";
    EXPECT_EQ(app::run_wait(o, io.io), 1);
    EXPECT_EQ(time.elapsed(), std::chrono::minutes(20));
    EXPECT_EQ(time.sleeps, 120);
    const std::string err = io.err.str();
    EXPECT_NE(err.find("\nshipwatch: timed out after 20m: not_built\n"), std::string::npos) << err;
    EXPECT_NE(io.out.str().find("hokusai-api-development"), std::string::npos);
}

TEST(WaitInProcess, AShaNotOnTheBranchIsNamedWhenItTimesOut) {
    CapturedIo io;
    SimulatedTime time;
    time.attach(io.io);
    auto o = demo_options(Command::wait, {"healthy"});
    o.sha = "0000000";
    o.timeout = "1m";
    o.interval = "30s";
    EXPECT_EQ(app::run_wait(o, io.io), 1);
    EXPECT_NE(io.err.str().find("shipwatch: timed out after 1m (0000000 is not on the branch): "), std::string::npos)
        << io.err.str();
}

TEST(WaitInProcess, UsageErrors) {
    struct Case {
        void (*set)(app::Options&);
        const char* message;
    };
    const Case cases[] = {
        {[](app::Options& o) { o.timeout = "soon"; }, "--timeout: 'soon' is not a duration like 20m"},
        {[](app::Options& o) { o.interval = "0s"; }, "--interval: '0s' is not a duration like 10s"},
        {[](app::Options& o) { o.sha = "xyz"; }, "--sha: 'xyz' is not a commit SHA (7 to 40 hex characters)"},
        {[](app::Options& o) { o.args = {"stuck-rollouts"}; },
         "--pipeline is required: one of agricultural-core, monitoring-dashboards"},
        {[](app::Options& o) { o.pipeline = "nope"; }, "no pipeline 'nope': one of payments-api"},
    };
    for (const auto& c : cases) {
        auto o = demo_options(Command::wait, {"healthy"});
        c.set(o);
        CapturedIo io;
        SimulatedTime time;
        time.attach(io.io);
        EXPECT_EQ(app::run_wait(o, io.io), 2) << c.message;
        EXPECT_EQ(io.err.str(), std::string("shipwatch: ") + c.message + " (see 'shipwatch --help')\n");
        EXPECT_EQ(time.sleeps, 0);
    }
}

}  // namespace
}  // namespace shipwatch

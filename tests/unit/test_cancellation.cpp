// Quitting cancels every wait (a simulated slow answer, the scheduler's workers blocked in one),
// and an exception in a fetch or a worker becomes the pipeline's typed error instead of ending
// the process (with the terminal still in curses mode). Bounds on times are correctness bounds:
// woken, not slept out, with the sleeps 30 s long.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <stop_token>
#include <thread>

#include "engine/collector.hpp"
#include "engine/scheduler.hpp"
#include "sim/demo_sources.hpp"
#include "sim/faults.hpp"
#include "sim/simulator.hpp"

namespace shipwatch {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

long long ms_since(steady::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start).count();
}

sim::FaultRule slow_aws() { return sim::parse_fault("aws=slow,delay=30s").value(); }

// Throws on every request to one AWS service, as a client bug or a library would.
class ThrowingTransport final : public Transport {
public:
    ThrowingTransport(Transport& inner, std::string service) : inner_(inner), service_(std::move(service)) {}
    HttpResponse send(const HttpRequest& request) override {
        if (request.aws_service == service_) throw std::runtime_error("boom in " + service_);
        return inner_.send(request);
    }

private:
    Transport& inner_;
    std::string service_;
};

// The `healthy` scenario's world on a frozen clock; its one pipeline's collector is made with
// whatever transport a test puts in front of the simulator.
struct World {
    ManualClock clock{TimePoint{}};
    std::stop_source stop;
    std::shared_ptr<sim::World> world;
    std::unique_ptr<sim::SimTransport> sim;
    PipelineSpec spec;
    World() {
        auto s = sim::load_builtin("healthy");
        if (!s) throw std::runtime_error(s.error().message);
        clock.set(s->start);
        spec = s->pipelines.front();
        world = std::make_shared<sim::World>(std::move(s).value(), clock);
        sim = std::make_unique<sim::SimTransport>(world, stop.get_token());
    }
    std::unique_ptr<PipelineCollector> collector(Transport& aws) {
        CollectorSources src;
        src.aws = aws::AwsContext{&aws, spec.region, aws::Endpoints(spec.region)};
        github::GithubContext gh{sim.get(), "https://api.github.com", ""};
        src.github = std::make_shared<github::GithubClient>(gh);
        src.http = sim.get();
        return std::make_unique<PipelineCollector>(spec, std::move(src), clock);
    }
};

HttpRequest describe_services() {
    HttpRequest r;
    r.method = "POST";
    r.url = "https://ecs.us-west-2.amazonaws.com/";
    r.headers["Content-Type"] = "application/x-amz-json-1.1";
    r.headers["X-Amz-Target"] = "AmazonEC2ContainerServiceV20141113.DescribeServices";
    r.body = R"({"cluster":"payments-prod","services":["payments-api"]})";
    return r;
}

TEST(Cancellation, StopEndsASlowSimulatedAnswerAtOnce) {
    World w;
    w.world->faults().add(slow_aws());
    std::jthread quitter([&] {
        std::this_thread::sleep_for(50ms);
        w.stop.request_stop();
    });
    auto started = steady::now();
    HttpResponse answer = w.sim->send(describe_services());
    long long ms = ms_since(started);
    std::printf("a 30 s slow answer ended after %lld ms (stop after 50 ms)\n", ms);
    EXPECT_TRUE(answer.cancelled()) << answer.status << " " << answer.error;
    EXPECT_LT(ms, 1000);
    EXPECT_TRUE(w.sim->send(describe_services()).cancelled());  // and nothing is answered after it
}

// Every worker is inside a 30 s answer when the dashboard quits; stop() must not wait for them,
// and what the cut-short refreshes found (cancelled requests) is not published.
TEST(Cancellation, SchedulerStopReturnsPromptlyWhileCollectorsWaitForSlowAnswers) {
    DemoClock frozen;
    frozen.frozen = true;
    auto demo = make_demo({"healthy", "rollout"}, frozen);
    ASSERT_TRUE(demo) << demo.error().message;
    for (auto& world : demo.value()->worlds) world->faults().add(slow_aws());
    SchedulerOptions options;
    options.stop = demo.value()->stop;
    Scheduler scheduler(std::move(demo.value()->collectors), options);
    scheduler.start();
    std::this_thread::sleep_for(300ms);  // the workers are in their slow answers by now
    auto started = steady::now();
    scheduler.stop();
    long long ms = ms_since(started);
    std::printf("Scheduler::stop() took %lld ms with every AWS answer 30 s slow\n", ms);
    EXPECT_LT(ms, 1000);
    for (const auto& entry : scheduler.latest()->pipelines) EXPECT_FALSE(entry.ready()) << entry.name;
}

TEST(ExceptionBarrier, AThrowingFetchBecomesItsPartsTypedError) {
    World w;
    ThrowingTransport throwing(*w.sim, "ecs");
    auto collector = w.collector(throwing);
    PipelineSnapshot snap = collector->collect();  // must not throw
    for (const auto* part : {&snap.service.error, &snap.tasks.error, &snap.task_definitions.error}) {
        ASSERT_TRUE(part->has_value());
        EXPECT_EQ((*part)->source, Source::ecs);
        EXPECT_EQ((*part)->code, "parse");
        EXPECT_EQ((*part)->message, "boom in ecs");
    }
    // The other chains ran as usual.
    ASSERT_TRUE(snap.commits.configured);
    EXPECT_TRUE(snap.commits.ok()) << describe(*snap.commits.error);
}

// The last-resort barrier in the worker: here the status bar's states throw once, outside every
// collector barrier. The worker publishes the pipeline as failed and keeps refreshing.
TEST(ExceptionBarrier, AWorkerPublishesTheFailureAndGoesOn) {
    World w;
    std::vector<std::unique_ptr<PipelineCollector>> collectors;
    collectors.push_back(w.collector(*w.sim));
    SchedulerOptions options;
    std::atomic<int> calls{0};
    options.source_states = [&calls]() -> std::vector<SourceState> {
        if (calls++ == 0) throw std::runtime_error("states exploded");
        return {};
    };
    Scheduler scheduler(std::move(collectors), options);
    scheduler.start();
    auto wait_for = [&](auto done) {
        auto until = steady::now() + 10s;
        while (!done(*scheduler.latest()) && steady::now() < until) std::this_thread::sleep_for(5ms);
        return done(*scheduler.latest());
    };
    ASSERT_TRUE(wait_for([](const Picture& p) { return p.pipelines[0].ready(); }));
    auto failed = scheduler.latest()->pipelines[0].analysis;
    ASSERT_TRUE(failed->snapshot.service.error.has_value());
    EXPECT_EQ(failed->snapshot.service.error->code, "parse");
    EXPECT_EQ(failed->snapshot.service.error->message, "states exploded");
    EXPECT_FALSE(scheduler.latest()->pipelines[0].refreshing);

    scheduler.refresh_now();  // the worker is still alive: the next refresh succeeds
    EXPECT_TRUE(wait_for([](const Picture& p) { return p.pipelines[0].analysis->snapshot.service.ok(); }));
    scheduler.stop();
}

}  // namespace
}  // namespace shipwatch

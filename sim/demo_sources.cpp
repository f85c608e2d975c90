#include "sim/demo_sources.hpp"

#include <map>

#include "base/stop.hpp"
#include "http/log_transport.hpp"

namespace shipwatch {

namespace {

// Sleeps before answering, so benchmarks see round trips the way a network makes them.
class LatencyTransport final : public Transport {
public:
    LatencyTransport(Transport& inner, Duration latency, std::stop_token stop)
        : inner_(inner), latency_(latency), stop_(std::move(stop)) {}
    HttpResponse send(const HttpRequest& request) override {
        if (!sleep_unless_stopped(latency_, stop_)) return cancelled_response();
        return inner_.send(request);
    }

private:
    Transport& inner_;
    Duration latency_;
    std::stop_token stop_;
};

// Starts at `origin` and runs `speed` times faster than `base` from the moment it is made.
class FollowingClock final : public ClockSource {
public:
    FollowingClock(TimePoint origin, double speed, const ClockSource& base)
        : origin_(origin), speed_(speed), base_(base), started_(base.now()) {}
    TimePoint now() const override {
        return origin_ + std::chrono::duration_cast<Duration>((base_.now() - started_) * speed_);
    }

private:
    TimePoint origin_;
    double speed_;
    const ClockSource& base_;
    TimePoint started_;
};

}  // namespace

Result<std::unique_ptr<DemoSources>> make_demo(const std::vector<std::string>& names, const DemoClock& clock) {
    std::vector<std::string> wanted = names.empty() ? sim::scenario_names() : names;
    std::vector<sim::Scenario> scenarios;
    for (const auto& n : wanted) {
        auto s = sim::load_scenario(n);
        if (!s) return s.error();
        scenarios.push_back(std::move(s).value());
    }
    return make_demo_from(std::move(scenarios), clock);
}

std::unique_ptr<DemoSources> make_demo_from(std::vector<sim::Scenario> scenarios, const DemoClock& clock, Duration latency) {
    auto demo = std::make_unique<DemoSources>();
    for (auto& scenario : scenarios) {
        TimePoint origin = scenario.start + clock.offset;
        std::unique_ptr<ClockSource> c;
        if (clock.frozen) c = std::make_unique<ManualClock>(origin);
        else if (clock.follow) c = std::make_unique<FollowingClock>(origin, clock.speed, *clock.follow);
        else c = std::make_unique<ScaledClock>(origin, clock.speed);
        auto pipelines = scenario.pipelines;
        auto world = std::make_shared<sim::World>(std::move(scenario), *c);
        // Logged like real traffic, so --debug shows which operations a scenario makes shipwatch call.
        auto simulated = std::make_unique<sim::SimTransport>(world, demo->stop.get_token());
        std::unique_ptr<Transport> transport = std::make_unique<LoggingTransport>(std::move(simulated));
        if (latency.count() > 0) {
            demo->transports.push_back(std::move(transport));
            transport = std::make_unique<LatencyTransport>(*demo->transports.back(), latency, demo->stop.get_token());
        }
        auto gh = std::make_shared<github::GithubClient>(github::GithubContext{transport.get(), "https://api.github.com", ""});
        std::map<std::string, std::shared_ptr<EcsClusterFetch>> clusters;  // region/cluster -> shared fetch
        auto slow_cache = std::make_shared<SlowSourceCache>(*c, std::chrono::seconds(4));
        for (auto& spec : pipelines) {
            CollectorSources src;
            src.aws.transport = transport.get();
            src.aws.region = spec.region;
            src.aws.endpoints = aws::Endpoints(spec.region);
            src.github = gh;
            src.http = transport.get();
            src.slow_cache = slow_cache;
            if (spec.kind == PipelineKind::ecs) {
                auto& cluster = clusters[spec.region + "/" + spec.cluster];
                if (!cluster) cluster = std::make_shared<EcsClusterFetch>(src.aws, spec.cluster, *c, std::chrono::seconds(4));
                src.ecs_cluster = cluster;
            }
            demo->collectors.push_back(std::make_unique<PipelineCollector>(std::move(spec), std::move(src), *c));
        }
        demo->clocks.push_back(std::move(c));
        demo->worlds.push_back(std::move(world));
        demo->transports.push_back(std::move(transport));
        demo->github.push_back(std::move(gh));
    }
    return demo;
}

}  // namespace shipwatch

#include "demo/simulator.hpp"

#include <memory>
#include <utility>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "sim/demo_sources.hpp"
#include "sim/faults.hpp"

namespace shipwatch::demo {
namespace {

using app::DemoTime;
using app::Options;
using app::Sources;
using app::usage_problem;

Result<Sources> load_demo(const Options& o, DemoTime time) {
    Sources s;
    DemoClock clock;
    clock.frozen = time.frozen;
    clock.follow = time.follow;
    clock.speed = o.speed;
    if (!o.at.empty()) {
        auto d = parse_duration(o.at);
        if (!d) return usage_problem(fmt::format("--at: '{}' is not a duration like 90s, 10m or 1h30m", o.at));
        clock.offset = *d;
    }
    auto demo = make_demo(o.args, clock);
    if (!demo) return usage_problem(demo.error().message);
    std::shared_ptr<DemoSources> worlds = std::move(demo).value();
    for (const auto& spec : o.faults) {
        auto rule = sim::parse_fault(spec);
        if (!rule) return usage_problem(rule.error().message);
        for (auto& world : worlds->worlds) world->faults().add(*rule);
    }
    s.collectors = std::move(worlds->collectors);
    s.stop = worlds->stop;
    s.simulated = std::move(worlds);
    s.context = "demo";
    return s;
}

}  // namespace

const app::Simulator& builtin_simulator() {
    static const app::Simulator simulator{load_demo, run_sim, run_scenarios};
    return simulator;
}

}  // namespace shipwatch::demo

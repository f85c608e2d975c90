// Wires built-in scenarios to collectors: one simulated world (with its own clock and transport)
// per scenario, one collector per pipeline. `--demo` and `check --demo` run on this.
#pragma once

#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "engine/collector.hpp"
#include "sim/simulator.hpp"

namespace shipwatch {

// Each scenario's clock starts at that scenario's own start time (plus `offset`).
struct DemoClock {
    double speed = 1.0;  // simulated seconds per real second
    Duration offset{};  // how far into the scenarios to begin
    bool frozen = false;  // a ManualClock that never moves (one-shot checks, tests)
    // When set (and not frozen), the scenarios run `speed` times this clock's elapsed time instead
    // of real time: a test drives `shipwatch wait` through minutes of a scenario in milliseconds.
    const ClockSource* follow = nullptr;
};

struct DemoSources {
    // Asked to stop when the dashboard quits: every simulated delay (a slow fault, the latency)
    // ends at once and its request answers LocalFailure::cancelled.
    std::stop_source stop;
    std::vector<std::unique_ptr<ClockSource>> clocks;
    std::vector<std::shared_ptr<sim::World>> worlds;
    std::vector<std::unique_ptr<Transport>> transports;
    std::vector<std::shared_ptr<github::GithubClient>> github;
    std::vector<std::unique_ptr<PipelineCollector>> collectors;
};

// Empty `names` means every built-in scenario. Errors name the unknown scenario.
Result<std::unique_ptr<DemoSources>> make_demo(const std::vector<std::string>& names, const DemoClock& clock);
// From scenarios already loaded (benchmarks build large ones). `latency` is added to every
// request, as a network would.
std::unique_ptr<DemoSources> make_demo_from(std::vector<sim::Scenario> scenarios, const DemoClock& clock,
                                            Duration latency = Duration{0});

}  // namespace shipwatch

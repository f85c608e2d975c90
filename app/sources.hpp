// What several commands share: the collectors they watch (the built-in simulator with --demo, real
// accounts otherwise) and the diagnostic log.
#pragma once

#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "app/options.hpp"
#include "base/result.hpp"
#include "engine/collector.hpp"
#include "engine/live_sources.hpp"
#include "engine/scheduler.hpp"

namespace shipwatch::app {

// Collectors from the simulator or from real accounts, and what keeps them alive.
struct Sources {
    std::shared_ptr<void> simulated;  // the simulated worlds and transports, with --demo
    std::unique_ptr<LiveSources> live;
    std::vector<std::unique_ptr<PipelineCollector>> collectors;
    std::string context;
    RefreshConfig refresh;
    std::stop_source stop{std::nostopstate};  // cancels the collectors' waits and transfers (a quit)
    int fetch_threads = kMaxFetchThreads;  // requests in flight at most: sized from the budget (live), unpaced (--demo)
};

// How the simulated scenarios' time runs with --demo.
struct DemoTime {
    bool frozen = false;  // one-shot checks: the scenarios stand still at --at
    const ClockSource* follow = nullptr;  // else real time, or this clock when set (tests)
};

// The built-in simulator's entry points. app does not link the simulator (sim/): the binary and
// the tests hand these over in Io::simulator (demo/simulator.hpp has the built-in one).
struct Simulator {
    Result<Sources> (*load)(const Options& o, DemoTime time);  // --demo
    int (*run_sim)(const Options& o, Io& io);  // `shipwatch sim`
    int (*run_scenarios)(const Options& o, Io& io);  // `shipwatch scenarios`
};

// Errors are ErrorKind::usage (a flag, a scenario name) or ErrorKind::config (the configuration
// or what it names).
Result<Sources> load_sources(const Options& o, Io& io, DemoTime time);

// How the engine refreshes these sources in the background (the dashboard, serve): their
// context, stop, pool size, the demo's speed, and for real accounts the configured intervals and
// the sources' states for the status bar.
SchedulerOptions scheduler_options(const Options& o, const Sources& sources);

// Starts the diagnostic log for the command; returns the line to show when it cannot.
std::optional<std::string> start_logging(const Options& o);

}  // namespace shipwatch::app

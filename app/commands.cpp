#include "app/commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "sim/demo_sources.hpp"
#include "engine/live_sources.hpp"
#include "base/log.hpp"
#include "engine/scheduler.hpp"
#include "sim/sim_server.hpp"
#include "model/analysis.hpp"
#include "model/wait_judge.hpp"
#include "tui/app.hpp"
#include "report/report.hpp"

namespace shipwatch::app {
namespace {

constexpr int kExitUsage = 2;
}  // namespace



int usage_error(const std::string& message) {
    fmt::print(stderr, "shipwatch: {} (see 'shipwatch --help')\n", message);
    return kExitUsage;
}

int data_error(const std::string& message) {
    fmt::print(stderr, "shipwatch: {}\n", message);
    return kExitUsage;
}


// Logs go to --log FILE; without it, only commands that do not own the terminal may log, to
// stderr, and only with --debug. The dashboard never logs to the screen it draws on.
std::optional<std::string> start_logging(const Options& o) {
    bool dashboard = o.command.empty();
    if (dashboard && o.debug && o.log_file.empty())
        return std::string("--debug needs --log FILE with the dashboard (it never logs to the terminal)");
    logging::LogOptions lo;
    lo.file = o.log_file;
    lo.debug = o.debug;
    lo.to_stderr = !dashboard && o.debug;
    return logging::start(lo);
}

// `shipwatch sim`: the simulator as an HTTP server; the logic is in sim/sim_server.cpp.
int run_sim(const Options& o) {
    if (o.sim_scenario.empty())
        return usage_error(fmt::format("sim needs --scenario: one of {}, or fleet-N[-week]", fmt::join(sim::scenario_names(), ", ")));
    if (o.sim_port < 0 || o.sim_port > 65535) return usage_error("--port must be between 0 and 65535");
    sim::SimCommand c;
    c.scenario = o.sim_scenario;
    c.server.host = o.sim_host;
    c.server.port = o.sim_port;
    c.server.speed = o.speed;
    if (o.throttle_first < 0) return usage_error("--throttle-first must be 0 or more");
    c.server.throttle_first = o.throttle_first;
    for (const auto& spec : o.faults) {
        auto rule = sim::parse_fault(spec);
        if (!rule) return usage_error(rule.error().message);
        c.server.faults.push_back(std::move(rule).value());
    }
    return sim::run_sim_command(c);
}

int list_scenarios() {
    for (const auto& name : sim::scenario_names()) {
        auto s = sim::load_builtin(name);
        if (!s) {
            fmt::print("{:<22} (invalid: {})\n", name, s.error().message);
            continue;
        }
        std::vector<std::string> expect;
        for (const auto& [p, v] : s->expect) expect.push_back(fmt::format("{}={}", p, v));
        fmt::print("{:<22} {}  [{}]\n", name, s->title, fmt::join(expect, ", "));
    }
    fmt::print("{:<22} {}\n", "fleet-N[-week]",
               "generated: N pipelines (1-1000) over clusters and regions, some in incidents; -week: a 7-day script");
    return 0;
}

// Collectors from the simulator or from real accounts, and what keeps them alive.
struct Sources {
    std::unique_ptr<DemoSources> demo;
    std::unique_ptr<LiveSources> live;
    std::vector<std::unique_ptr<PipelineCollector>> collectors;
    std::string context;
    RefreshConfig refresh;
};

Result<Sources> load_sources(const Options& o, bool frozen) {
    Sources s;
    if (o.demo) {
        DemoClock clock;
        clock.frozen = frozen;
        clock.speed = o.speed;
        if (!o.at.empty()) {
            auto d = parse_duration(o.at);
            if (!d) return ApiError{"usage", fmt::format("--at: '{}' is not a duration like 90s, 10m or 1h30m", o.at)};
            clock.offset = *d;
        }
        auto demo = make_demo(o.args, clock);
        if (!demo) return ApiError{"usage", demo.error().message};
        s.demo = std::move(demo).value();
        for (const auto& spec : o.faults) {
            auto rule = sim::parse_fault(spec);
            if (!rule) return ApiError{"usage", rule.error().message};
            for (auto& world : s.demo->worlds) world->faults().add(*rule);
        }
        s.collectors = std::move(s.demo->collectors);
        s.context = "demo";
        return s;
    }
    if (!o.at.empty()) return ApiError{"usage", "--at only applies to --demo"};
    if (!o.faults.empty()) return ApiError{"usage", "--fault only applies to --demo and sim"};
    Config config;
    if (!o.flags_pipeline.spec.cluster.empty() || !o.flags_pipeline.spec.service.empty() || !o.target_group.empty()) {
        PipelineConfig p = o.flags_pipeline;
        if (p.spec.cluster.empty() != p.spec.service.empty()) return ApiError{"usage", "--cluster and --service go together"};
        if (!o.target_group.empty()) p.spec.target_groups = {o.target_group};
        p.spec.kind = p.spec.cluster.empty() ? PipelineKind::ec2 : PipelineKind::ecs;
        p.spec.name = p.spec.kind == PipelineKind::ecs ? p.spec.service : o.target_group;
        config.pipelines.push_back(p);
    } else {
        auto path = find_config_file(o.config);
        if (!path)
            return ApiError{"usage",
                            "no configuration: create ./shipwatch.toml (see README), pass --config FILE, "
                            "use --cluster C --service S, or try --demo"};
        auto loaded = load_config_file(*path);
        if (!loaded) return ApiError{"config", loaded.error().message};
        config = std::move(loaded).value();
    }
    auto live = make_live(config);
    if (!live) return ApiError{"config", live.error().message};
    s.live = std::move(live).value();
    s.collectors = std::move(s.live->collectors);
    s.context = s.live->context;
    s.refresh = config.refresh;
    return s;
}

int run_check(const Options& o) {
    if (o.demo && o.speed != 1.0) return usage_error("--speed has no effect on check; use --at to look later into a scenario");
    auto sources = load_sources(o, true);
    if (!sources) return sources.error().code == "usage" ? usage_error(sources.error().message) : data_error(sources.error().message);
    std::vector<PipelineAnalysis> results;
    std::vector<std::future<PipelineAnalysis>> pending;
    for (auto& c : sources.value().collectors)
        pending.push_back(std::async(std::launch::async, [&c] { return analyze(c->collect()); }));
    for (auto& f : pending) results.push_back(f.get());
    if (o.json) {
        std::cout << tui::to_json(results).dump(2) << '\n';
    } else {
        tui::TextOptions t;
        t.color = !o.no_color && isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
        std::cout << tui::render_text(results, t);
    }
    return exit_status(results);
}

int run_wait(const Options& o) {
    auto timeout = parse_duration(o.timeout);
    if (!timeout || timeout->count() <= 0) return usage_error(fmt::format("--timeout: '{}' is not a duration like 20m", o.timeout));
    if (!o.sha.empty() && (o.sha.size() < 7 || o.sha.size() > 40 || o.sha.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos))
        return usage_error(fmt::format("--sha: '{}' is not a commit SHA (7 to 40 hex characters)", o.sha));
    auto sources = load_sources(o, false);
    if (!sources) return sources.error().code == "usage" ? usage_error(sources.error().message) : data_error(sources.error().message);
    std::string default_interval = o.demo ? "1s" : fmt::format("{}s", std::chrono::duration_cast<std::chrono::seconds>(sources.value().refresh.ecs).count());
    auto interval = parse_duration(o.interval.empty() ? default_interval : o.interval);
    if (!interval || interval->count() <= 0) return usage_error(fmt::format("--interval: '{}' is not a duration like 10s", o.interval));

    auto& collectors = sources.value().collectors;
    PipelineCollector* collector = nullptr;
    std::vector<std::string> names;
    for (auto& c : collectors) {
        names.push_back(c->spec().name);
        if (c->spec().name == o.pipeline || (o.pipeline.empty() && collectors.size() == 1)) collector = c.get();
    }
    if (!collector)
        return usage_error(o.pipeline.empty() ? fmt::format("--pipeline is required: one of {}", fmt::join(names, ", "))
                                              : fmt::format("no pipeline '{}': one of {}", o.pipeline, fmt::join(names, ", ")));

    WaitJudge judge(o.sha);
    auto start = std::chrono::steady_clock::now();
    auto deadline = start + *timeout;
    for (;;) {
        PipelineAnalysis a = analyze(judge.focus(collector->collect()));
        WaitOutcome outcome = judge.judge(a);
        auto elapsed = std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - start);
        if (auto line = judge.change_line()) fmt::print(stderr, "[{:>6}] {}\n", format_duration(elapsed), *line);
        if (outcome == WaitOutcome::live) return 0;
        if (outcome == WaitOutcome::failed) {
            std::cout << tui::render_text({a});
            return 1;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            fmt::print(stderr, "shipwatch: timed out after {}{}: {}\n", o.timeout,
                       judge.sha_found() ? "" : fmt::format(" ({} is not on the branch)", o.sha), to_string(a.diagnosis.verdict.code));
            std::cout << tui::render_text({a});
            return 1;
        }
        std::this_thread::sleep_until(std::min(deadline, std::chrono::steady_clock::now() + *interval));
    }
}

int run_dashboard(const Options& o) {
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return usage_error("the dashboard needs a terminal; use 'shipwatch check' for a report");
    auto sources = load_sources(o, false);
    if (!sources) return sources.error().code == "usage" ? usage_error(sources.error().message) : data_error(sources.error().message);
    SchedulerOptions so;
    so.context = sources.value().context;
    if (!o.demo) {
        LiveSources* live = sources.value().live.get();
        so.source_states = [live] { return source_states(*live); };
        so.live_interval = sources.value().refresh.ecs;
        so.slow_interval = std::min(sources.value().refresh.github, sources.value().refresh.ecr);
    }
    Scheduler scheduler(std::move(sources.value().collectors), so);
    scheduler.start();
    tui::DashboardOptions d;
    d.color = !o.no_color && !std::getenv("NO_COLOR");
    int status = tui::run_dashboard(scheduler, d);
    scheduler.stop();
    return status;
}

}  // namespace shipwatch::app

// shipwatch: is the code we merged what is actually serving traffic — and if not, where did it stop?
// Thin entry point: parse flags, wire the data sources to the engine and a presenter.
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

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "fetchers/demo_sources.hpp"
#include "fetchers/live_sources.hpp"
#include "fetchers/log.hpp"
#include "fetchers/scheduler.hpp"
#include "fetchers/sim/sim_server.hpp"
#include "model/analysis.hpp"
#include "model/wait_judge.hpp"
#include "tui/app.hpp"
#include "tui/report.hpp"

namespace po = boost::program_options;
using namespace shipwatch;

namespace {

constexpr int kExitUsage = 2;

struct Options {
    std::string command;  // "", check, wait, scenarios
    std::vector<std::string> args;
    bool demo = false;
    bool json = false;
    bool no_color = false;
    double speed = 1.0;
    std::string at;
    std::string config;
    PipelineConfig flags_pipeline;  // check --cluster C --service S without a config file
    std::string target_group;
    std::string pipeline;  // wait
    std::string sha;  // wait
    std::string timeout = "20m";  // wait
    std::string interval;  // wait: poll interval (default: the config's ECS refresh; 1s with --demo)
    std::string sim_scenario;  // sim
    int sim_port = 0;  // sim: 0 picks a free port
    int throttle_first = 0;  // sim: fault injection
    std::vector<std::string> faults;  // sim and --demo: fault rules (fetchers/sim/faults.hpp)
    std::string sim_host = "127.0.0.1";  // sim
    std::string log_file;  // --log: append here (created 0600)
    bool debug = false;  // --debug: every HTTP exchange and refresh
};

int usage_error(const std::string& message) {
    fmt::print(stderr, "shipwatch: {} (see 'shipwatch --help')\n", message);
    return kExitUsage;
}

int data_error(const std::string& message) {
    fmt::print(stderr, "shipwatch: {}\n", message);
    return kExitUsage;
}

const char* kUsage =
    "Usage:\n"
    "  shipwatch [--config FILE]                  the dashboard (config: ./shipwatch.toml, then\n"
    "                                             $XDG_CONFIG_HOME/shipwatch/config.toml)\n"
    "  shipwatch --demo [SCENARIO]                the dashboard on the built-in simulator\n"
    "  shipwatch check [--config FILE | --cluster C --service S [--repo o/r]] [--json]\n"
    "  shipwatch check --demo [SCENARIO...]       diagnose once; exit 0 live, 1 not live, 2 cannot tell\n"
    "  shipwatch wait --pipeline NAME [--sha SHA] [--timeout 20m]\n"
    "                                             poll until the commit is live (0), definitely failed or timed out (1)\n"
    "  shipwatch scenarios                        list the built-in scenarios\n"
    "  shipwatch sim --scenario NAME [--port N]   serve a scenario over loopback HTTP (AWS, GitHub, version URLs)\n"
    "\nOptions";

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

// `shipwatch sim`: the simulator as an HTTP server; the logic is in fetchers/sim/sim_server.cpp.
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

}  // namespace

int main(int argc, char** argv) {
    Options o;
    po::options_description desc(kUsage);
    desc.add_options()("help,h", "show this help")(
        "config", po::value(&o.config), "configuration file (TOML)")(
        "demo", po::bool_switch(&o.demo), "use the built-in simulator; name scenarios after the command (default: all)")(
        "json", po::bool_switch(&o.json), "check: print the JSON document instead of text")(
        "no-color", po::bool_switch(&o.no_color), "no colours (NO_COLOR is honoured too)")(
        "cluster", po::value(&o.flags_pipeline.spec.cluster), "check without a config: the ECS cluster")(
        "service", po::value(&o.flags_pipeline.spec.service), "check without a config: the ECS service")(
        "target-group", po::value(&o.target_group), "check without a config: an ALB target group (EC2 pipelines)")(
        "repo", po::value(&o.flags_pipeline.spec.repo), "check without a config: the GitHub owner/name")(
        "branch", po::value(&o.flags_pipeline.spec.branch), "check without a config: the branch (default main)")(
        "region", po::value(&o.flags_pipeline.spec.region), "check without a config: the AWS region")(
        "profile", po::value(&o.flags_pipeline.profile), "check without a config: the AWS profile")(
        "speed", po::value(&o.speed)->default_value(1.0), "simulator clock speed (simulated seconds per second)")(
        "at", po::value(&o.at), "check --demo: judge the scenarios this far in (e.g. 10m)")(
        "pipeline", po::value(&o.pipeline), "wait: the pipeline to wait for")(
        "sha", po::value(&o.sha), "wait: the commit to wait for (default: the newest on the branch)")(
        "timeout", po::value(&o.timeout), "wait: give up after this long (default 20m)")(
        "interval", po::value(&o.interval), "wait: time between refreshes (default: the ECS refresh; 1s with --demo)")(
        "scenario", po::value(&o.sim_scenario), "sim: the built-in scenario to serve")(
        "port", po::value(&o.sim_port), "sim: the TCP port (default 0: a free one, printed)")(
        "throttle-first", po::value(&o.throttle_first), "sim: throttle the first K calls of every AWS operation (fault injection)")(
        "fault", po::value(&o.faults)->composing(),
        "sim, --demo: inject a fault, PATTERN=KIND[,first=K][,rate=R][,delay=D] (repeatable; see README)")(
        "host", po::value(&o.sim_host), "sim: the address to listen on (default 127.0.0.1)")(
        "log", po::value(&o.log_file), "append a diagnostic log to FILE (created 0600); never shows key material")(
        "debug", po::bool_switch(&o.debug), "log every HTTP request and refresh (to --log FILE; check/wait: else stderr)");
    po::options_description hidden;
    hidden.add_options()("args", po::value<std::vector<std::string>>());
    po::options_description all;
    all.add(desc).add(hidden);
    po::positional_options_description pos;
    pos.add("args", -1);

    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        return usage_error(e.what());
    }
    if (vm.count("help")) {
        std::cout << desc << '\n';
        return 0;
    }
    if (!(o.speed > 0 && o.speed <= 100000)) return usage_error("--speed must be above 0 and at most 100000 (simulated seconds per second)");
    if (o.flags_pipeline.spec.branch.empty()) return usage_error("--branch must not be empty");
    if (vm.count("args")) o.args = vm["args"].as<std::vector<std::string>>();
    static const std::vector<std::string> kCommands{"check", "wait", "scenarios", "sim"};
    if (!o.args.empty() && std::find(kCommands.begin(), kCommands.end(), o.args.front()) != kCommands.end()) {
        o.command = o.args.front();
        o.args.erase(o.args.begin());
    }
    if (!o.demo && !o.args.empty())
        return usage_error(o.command.empty() ? fmt::format("unknown command '{}'", o.args.front())
                                             : fmt::format("unexpected argument '{}' (scenario names need --demo)", o.args.front()));
    if (vm.count("log") && o.log_file.empty()) return usage_error("--log needs a file name, e.g. --log shipwatch.log");
    if (auto error = start_logging(o)) return usage_error(*error);
    if (o.command == "scenarios") return list_scenarios();
    if (o.command == "sim") return run_sim(o);
    if (o.command == "check") return run_check(o);
    if (o.command == "wait") return run_wait(o);
    return run_dashboard(o);
}

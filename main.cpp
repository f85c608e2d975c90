// shipwatch: is the code we merged what is actually serving traffic — and if not, where did it stop?
// Thin entry point: parse flags, wire the data sources to the engine and a presenter.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "fetchers/demo_sources.hpp"
#include "fetchers/scheduler.hpp"
#include "model/analysis.hpp"
#include "model/wait_judge.hpp"
#include "tui/app.hpp"
#include "tui/report.hpp"

namespace po = boost::program_options;
using namespace shipwatch;

namespace {

constexpr int kExitUsage = 2;

struct Options {
    std::string command;  // "", check, scenarios
    std::vector<std::string> args;
    bool demo = false;
    bool json = false;
    bool no_color = false;
    double speed = 1.0;
    std::string at;
    std::string pipeline;  // wait
    std::string sha;  // wait
    std::string timeout = "20m";  // wait
    std::string interval;  // wait: poll interval (default 10s; 1s with --demo)
};

int usage_error(const std::string& message) {
    fmt::print(stderr, "shipwatch: {} (see 'shipwatch --help')\n", message);
    return kExitUsage;
}

const char* kUsage =
    "Usage:\n"
    "  shipwatch --demo [SCENARIO]            the dashboard on the built-in simulator\n"
    "  shipwatch check --demo [SCENARIO...]   diagnose once, print a report; exit 0 live, 1 not live, 2 cannot tell\n"
    "  shipwatch wait --demo SCENARIO --pipeline NAME [--sha SHA] [--timeout 20m]\n"
    "                                         poll until the commit is live (0), definitely failed or timed out (1)\n"
    "  shipwatch scenarios                    list the built-in scenarios\n"
    "\nOptions";

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
    return 0;
}

int run_check(const Options& o) {
    if (!o.demo)
        return usage_error("check needs a data source: --demo [SCENARIO] (real AWS accounts arrive with the config file)");
    DemoClock clock;
    clock.frozen = true;
    if (!o.at.empty()) {
        auto d = parse_duration(o.at);
        if (!d) return usage_error(fmt::format("--at: '{}' is not a duration like 90s, 10m or 1h30m", o.at));
        clock.offset = *d;
    }
    auto demo = make_demo(o.args, clock);
    if (!demo) return usage_error(demo.error().message);
    std::vector<PipelineAnalysis> results;
    for (auto& c : demo.value()->collectors) results.push_back(analyze(c->collect()));
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
    if (!o.demo) return usage_error("wait needs a data source: --demo SCENARIO (real AWS accounts arrive with the config file)");
    auto timeout = parse_duration(o.timeout);
    if (!timeout || timeout->count() <= 0) return usage_error(fmt::format("--timeout: '{}' is not a duration like 20m", o.timeout));
    auto interval = parse_duration(o.interval.empty() ? "1s" : o.interval);
    if (!interval || interval->count() <= 0) return usage_error(fmt::format("--interval: '{}' is not a duration like 10s", o.interval));
    if (!o.sha.empty() && (o.sha.size() < 7 || o.sha.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos))
        return usage_error(fmt::format("--sha: '{}' is not a commit SHA (7 to 40 hex characters)", o.sha));
    DemoClock clock;
    clock.speed = o.speed;
    auto demo = make_demo(o.args, clock);
    if (!demo) return usage_error(demo.error().message);
    auto& collectors = demo.value()->collectors;
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
        return usage_error("the dashboard needs a terminal; use 'shipwatch check --demo' for a report");
    DemoClock clock;
    clock.speed = o.speed;
    auto demo = make_demo(o.args, clock);
    if (!demo) return usage_error(demo.error().message);
    SchedulerOptions so;
    so.context = "demo";
    Scheduler scheduler(std::move(demo.value()->collectors), so);
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
        "demo", po::bool_switch(&o.demo), "use the built-in simulator; name scenarios after the command (default: all)")(
        "json", po::bool_switch(&o.json), "check: print the JSON document instead of text")(
        "no-color", po::bool_switch(&o.no_color), "no colours (NO_COLOR is honoured too)")(
        "speed", po::value(&o.speed)->default_value(1.0), "simulator clock speed (simulated seconds per second)")(
        "at", po::value(&o.at), "check --demo: judge the scenarios this far in (e.g. 10m)")(
        "pipeline", po::value(&o.pipeline), "wait: the pipeline to wait for")(
        "sha", po::value(&o.sha), "wait: the commit to wait for (default: the newest on the branch)")(
        "timeout", po::value(&o.timeout), "wait: give up after this long (default 20m)")(
        "interval", po::value(&o.interval), "wait: time between refreshes (default 10s; 1s with --demo)");
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
    if (!(o.speed > 0 && o.speed <= 100000)) return usage_error("--speed must be between 0 and 100000");
    if (vm.count("args")) o.args = vm["args"].as<std::vector<std::string>>();
    if (!o.args.empty() && (o.args.front() == "check" || o.args.front() == "scenarios" || o.args.front() == "wait")) {
        o.command = o.args.front();
        o.args.erase(o.args.begin());
    }
    if (o.command == "scenarios") return list_scenarios();
    if (o.command == "check") return run_check(o);
    if (o.command == "wait") return run_wait(o);
    if (!o.demo) {
        if (!o.args.empty()) return usage_error(fmt::format("unknown command '{}'", o.args.front()));
        return usage_error("nothing to watch: use --demo, or 'check --demo'");
    }
    return run_dashboard(o);
}

// shipwatch: is the code we merged what is actually serving traffic — and if not, where did it stop?
// Thin entry point: parse the flags into app::Options, the few checks that span commands, then
// dispatch through app::commands() (every command is in app/, one file each).
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/sources.hpp"
#include "base/visible_stream.hpp"
#include "demo/simulator.hpp"
#include "report/style.hpp"

namespace po = boost::program_options;
using namespace shipwatch;
using namespace shipwatch::app;

namespace {

// Every line a command prints leaves through these: a hidden control in API text or in the
// config (a pipeline name, an escaped key) is shown, never obeyed; the report's own colours pass.
struct VisibleStdio {
    VisibleStreambuf out{std::cout.rdbuf(), tui::ansi_sequences()};
    VisibleStreambuf err{std::cerr.rdbuf(), tui::ansi_sequences()};
    std::streambuf* old_out = std::cout.rdbuf(&out);
    std::streambuf* old_err = std::cerr.rdbuf(&err);
    ~VisibleStdio() {
        std::cout.flush();
        std::cerr.flush();
        std::cout.rdbuf(old_out);
        std::cerr.rdbuf(old_err);
    }
};

}  // namespace

int main(int argc, char** argv) {
    VisibleStdio stdio;
    Options o;
    Io io{std::cout, std::cerr, isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1};
    io.simulator = &demo::builtin_simulator();
    po::options_description desc(usage_text());
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
        "at", po::value(&o.at), "check --demo: judge the scenarios this far in (e.g. 10m); sim: serve from there")(
        "pipeline", po::value(&o.pipeline), "wait: the pipeline to wait for")(
        "sha", po::value(&o.sha), "wait: the commit to wait for (default: the newest on the branch)")(
        "timeout", po::value(&o.timeout), "wait, check: give up waiting after this long (wait: default 20m)")(
        "interval", po::value(&o.interval), "wait: time between refreshes (default: the ECS refresh; 1s with --demo)")(
        "scenario", po::value(&o.sim_scenario), "sim: a built-in scenario, or a scenario file (a path, *.json)")(
        "port", po::value(&o.sim_port), "sim: the TCP port (default 0: a free one, printed)")(
        "throttle-first", po::value(&o.throttle_first), "sim: throttle the first K calls of every AWS operation (fault injection)")(
        "fault", po::value(&o.faults)->composing(),
        "sim, --demo: inject a fault, PATTERN=KIND[,first=K][,rate=R][,delay=D] (repeatable; see README)")(
        "host", po::value(&o.sim_host), "sim: the address to listen on (default 127.0.0.1)")(
        "record", po::value(&o.sim_record), "sim: every request and answer to DIR, a file each")(
        "log", po::value(&o.log_file), "append a diagnostic log to FILE (created 0600); never shows key material")(
        "debug", po::bool_switch(&o.debug), "log every HTTP request and refresh (to --log FILE; check/wait: else stderr)")(
        "listen", po::value(&o.listen), "serve: HOST:PORT to serve on (default 127.0.0.1:9464; port 0: a free one)")(
        "server", po::value(&o.servers)->composing(),
        "dashboard, check, wait: read this shipwatch server instead of AWS (repeatable: shards side by side)")(
        "token-file", po::value(&o.token_file), "serve: viewers must send this file's token (needed off loopback);\n--server: the token to send")(
        "metrics-open", po::bool_switch(&o.metrics_open), "serve: /metrics answers without the token")(
        "shard", po::value(&o.shard), "serve: watch only the pipelines whose name hashes to K of N (K/N)");
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
        return usage_error(io, e.what());
    }
    if (vm.count("help")) {
        io.out << desc << '\n';
        return 0;
    }
    if (!(o.speed > 0 && o.speed <= 100000)) return usage_error(io, "--speed must be above 0 and at most 100000 (simulated seconds per second)");
    if (o.flags_pipeline.spec.branch.empty()) return usage_error(io, "--branch must not be empty");
    if (vm.count("args")) o.args = vm["args"].as<std::vector<std::string>>();
    const CommandInfo* command = o.args.empty() ? nullptr : find_command(o.args.front());
    if (command) {
        o.command = command->command;
        o.args.erase(o.args.begin());
    }
    if (!o.demo && !o.args.empty())
        return usage_error(io, !command ? fmt::format("unknown command '{}'", o.args.front())
                                        : fmt::format("unexpected argument '{}' (scenario names need --demo)",
                                                      o.args.front()));
    if (vm.count("log") && o.log_file.empty())
        return usage_error(io, "--log needs a file name, e.g. --log shipwatch.log");
    if (auto error = start_logging(o)) return usage_error(io, *error);
    return command_info(o.command).run(o, io);
}

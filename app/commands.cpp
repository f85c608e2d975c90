#include "app/commands.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "app/sources.hpp"
#include "model/time.hpp"

namespace shipwatch::app {
namespace {

constexpr int kExitUsage = 2;
constexpr size_t kHelpColumn = 45;  // where the usage text's descriptions start

}  // namespace

const std::vector<CommandInfo>& commands() {
    static const std::vector<CommandInfo> table{
        {Command::dashboard, "", run_dashboard,
         {{"[--config FILE]", "the dashboard (config: ./shipwatch.toml, then\n$XDG_CONFIG_HOME/shipwatch/config.toml)"},
          {"--demo [SCENARIO]", "the dashboard on the built-in simulator"},
          {"--server URL [--server URL...]", "the dashboard on shipwatch servers (serve), no AWS\ncredentials needed; check and wait take --server too"}}},
        {Command::check, "check", run_check,
         {{"check [--config FILE | --cluster C --service S [--repo o/r]] [--json] [--timeout D]", ""},
          {"check --demo [SCENARIO...]", "diagnose once; exit 1 any not live, else 2 cannot tell, else 0"}}},
        {Command::wait, "wait", run_wait,
         {{"wait --pipeline NAME [--sha SHA] [--timeout 20m]",
           "poll until the commit is live (0), definitely failed or timed out (1)"}}},
        {Command::serve, "serve", run_serve,
         {{"serve [--config FILE | --demo [SCENARIO...]] [--listen 127.0.0.1:9464]", ""},
          {"serve ... [--token-file F [--metrics-open]] [--shard K/N]",
           "one watcher for a team: the JSON API, an event\nstream for attached dashboards, /metrics"}}},
        {Command::scenarios, "scenarios", run_scenarios, {{"scenarios", "list the built-in scenarios"}}},
        {Command::sim, "sim", run_sim,
         {{"sim --scenario NAME [--port N]", "serve a scenario over loopback HTTP (AWS, GitHub, version URLs)"}}},
    };
    return table;
}

const CommandInfo& command_info(Command command) {
    const auto& table = commands();
    return *std::find_if(table.begin(), table.end(), [command](const CommandInfo& c) { return c.command == command; });
}

const CommandInfo* find_command(std::string_view word) {
    for (const auto& c : commands())
        if (!c.name.empty() && c.name == word) return &c;
    return nullptr;
}

std::string usage_text() {
    std::string text = "Usage:\n";
    const std::string indent(kHelpColumn, ' ');
    for (const auto& c : commands()) {
        for (const auto& line : c.usage) {
            std::string left = fmt::format("  shipwatch {}", line.synopsis);
            text += left;
            if (line.help.empty()) {
                text += '\n';
                continue;
            }
            // A synopsis too long for the column puts its description on the next line.
            text += left.size() < kHelpColumn ? std::string(kHelpColumn - left.size(), ' ') : "\n" + indent;
            for (char ch : line.help) text += ch == '\n' ? "\n" + indent : std::string(1, ch);
            text += '\n';
        }
    }
    return text + "\nOptions";
}

int run_scenarios(const Options& o, Io& io) {
    if (!io.simulator) return data_error(io, "this program was built without the simulator: no scenarios");
    return io.simulator->run_scenarios(o, io);
}

int run_sim(const Options& o, Io& io) {
    if (!io.simulator) return data_error(io, "this program was built without the simulator");
    return io.simulator->run_sim(o, io);
}

int usage_error(Io& io, const std::string& message) {
    io.err << fmt::format("shipwatch: {} (see 'shipwatch --help')\n", message);
    return kExitUsage;
}

int data_error(Io& io, const std::string& message) {
    io.err << fmt::format("shipwatch: {}\n", message);
    return kExitUsage;
}

std::optional<std::string> timeout_problem(const std::string& text) {
    auto timeout = parse_duration(text);
    if (!timeout || timeout->count() <= 0) return fmt::format("--timeout: '{}' is not a duration like 20m", text);
    return std::nullopt;
}

Error usage_problem(std::string message) { return error_of(ErrorKind::usage, "usage", std::move(message)); }

int error_exit(Io& io, const Error& error) {
    return error.kind == ErrorKind::usage ? usage_error(io, error.message) : data_error(io, error.message);
}

}  // namespace shipwatch::app

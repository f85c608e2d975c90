// The parsed command line (main.cpp fills it from the flags) and the table of commands that
// main's dispatch, the usage text and "unknown command" read.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "app/io.hpp"
#include "config/config.hpp"

namespace shipwatch::app {

enum class Command { dashboard, check, wait, scenarios, sim, serve };

struct Options {
    Command command = Command::dashboard;  // no command word: the dashboard
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
    std::string timeout;  // wait (default 20m), check (default: none): give up waiting after this long
    std::string interval;  // wait: poll interval (default: the config's ECS refresh; 1s with --demo)
    std::string sim_scenario;  // sim
    int sim_port = 0;  // sim: 0 picks a free port
    int throttle_first = 0;  // sim: fault injection
    std::vector<std::string> faults;  // sim and --demo: fault rules (sim/faults.hpp)
    std::string sim_host = "127.0.0.1";  // sim
    std::string sim_record;  // sim --record DIR: every exchange as a file (sim/sim_server.hpp)
    std::string log_file;  // --log: append here (created 0600)
    bool debug = false;  // --debug: every HTTP exchange and refresh
    std::string listen;  // serve: HOST:PORT (default 127.0.0.1:9464)
    std::string token_file;  // serve: the bearer token viewers must send; --server: the one to send
    std::vector<std::string> servers;  // --server URL: read these shipwatch servers instead of AWS
    bool metrics_open = false;  // serve: /metrics without the token
    std::string shard;  // serve: K/N
};

// One line of the usage text: "shipwatch <synopsis>" and what it does (may be empty; a '\n'
// continues it on the next line, in the help column).
struct UsageLine {
    std::string_view synopsis;
    std::string_view help;
};

struct CommandInfo {
    Command command;
    std::string_view name;  // the command word; empty for the dashboard, which runs without one
    int (*run)(const Options&, Io&);
    std::vector<UsageLine> usage;
};

// Every command, in the order the usage text lists them.
const std::vector<CommandInfo>& commands();
const CommandInfo& command_info(Command command);
// The command a word names; nullptr when it names none.
const CommandInfo* find_command(std::string_view word);
// "Usage:" and a line per UsageLine of every command, then the "Options" caption.
std::string usage_text();

}  // namespace shipwatch::app

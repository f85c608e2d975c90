// The commands of shipwatch, each a function of parsed options and streams, so tests run
// every command in-process; main.cpp only parses flags and dispatches.
#pragma once

#include <string>
#include <optional>
#include <vector>

#include "config/config.hpp"

namespace shipwatch::app {

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
    std::vector<std::string> faults;  // sim and --demo: fault rules (sim/faults.hpp)
    std::string sim_host = "127.0.0.1";  // sim
    std::string log_file;  // --log: append here (created 0600)
    bool debug = false;  // --debug: every HTTP exchange and refresh
};

int usage_error(const std::string& message);
std::optional<std::string> start_logging(const Options& o);
int run_sim(const Options& o);
int list_scenarios();
int run_check(const Options& o);
int run_wait(const Options& o);
int run_dashboard(const Options& o);

}  // namespace shipwatch::app

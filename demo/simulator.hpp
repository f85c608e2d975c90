// The built-in simulator as the commands see it: the --demo sources, `shipwatch sim` and
// `shipwatch scenarios`. This layer joins app/ and sim/ so that app/ need not link the
// simulator: main.cpp and the tests put builtin_simulator() into Io::simulator.
#pragma once

#include "app/io.hpp"
#include "app/options.hpp"
#include "app/sources.hpp"

namespace shipwatch::demo {

const app::Simulator& builtin_simulator();

int run_sim(const app::Options& o, app::Io& io);  // sim_command.cpp
int run_scenarios(const app::Options& o, app::Io& io);  // scenarios_command.cpp

}  // namespace shipwatch::demo

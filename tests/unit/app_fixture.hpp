// Runs app commands in-process: an Io on string streams, and Options built the way main.cpp
// fills them from the flags.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "demo/simulator.hpp"

namespace shipwatch::test {

struct CapturedIo {
    std::ostringstream out;
    std::ostringstream err;
    app::Io io = [this] {
        app::Io io{out, err};
        io.simulator = &demo::builtin_simulator();
        return io;
    }();
};

inline app::Options demo_options(app::Command command, std::vector<std::string> scenarios) {
    app::Options o;
    o.command = command;
    o.demo = true;
    o.args = std::move(scenarios);
    return o;
}

}  // namespace shipwatch::test

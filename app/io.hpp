// What a command reads from and writes to besides its options: its streams, whether they are a
// terminal, and the few things a test must drive instead of the real process (time for `wait`,
// the stop of `sim`). main.cpp fills it with the process's own; tests with their own.
#pragma once

#include <functional>
#include <ostream>

#include "base/clock.hpp"

namespace shipwatch::app {

struct Simulator;  // app/sources.hpp

struct Io {
    std::ostream& out;
    std::ostream& err;
    bool in_is_terminal = false;  // the dashboard needs both
    bool out_is_terminal = false;  // check: colours only on a terminal
    // wait: the time its timeout and elapsed times are measured on, and how it waits between
    // refreshes; with --demo the scenarios' clocks follow `clock` too, so a test runs a 20-minute
    // wait in milliseconds. Set both or neither; unset: the steady clock and a real sleep.
    const ClockSource* clock = nullptr;
    std::function<void(TimePoint until)> sleep_until;
    // sim: called with the bound port once the server accepts connections; the server stops when
    // it returns. Unset: serves until SIGINT or SIGTERM.
    std::function<void(int port)> serve;
    // --demo, `sim` and `scenarios`: the built-in simulator; null in a program built without it.
    const Simulator* simulator = nullptr;
};

}  // namespace shipwatch::app

// The live ncurses dashboard. Owns the terminal, input and view state on the calling thread;
// draws whatever the PictureSource publishes and never waits on the network.
#pragma once

#include <functional>
#include <string>

#include "model/picture.hpp"

namespace shipwatch::tui {

struct DashboardOptions {
    bool color = true;  // false with --no-color or NO_COLOR
    bool mouse = true;
    // Called once the terminal is set up, before the first frame: where the caller starts its
    // background threads. Setting up the terminal sets the locale and ESCDELAY, which no other
    // thread may be reading then (posix_spawn of a credential_process reads the environment).
    std::function<void()> started;
};

// Returns the process exit status (0 on a normal quit).
int run_dashboard(PictureSource& source, const DashboardOptions& options);

}  // namespace shipwatch::tui

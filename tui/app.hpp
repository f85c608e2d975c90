// The live ncurses dashboard. Owns the terminal, input and view state on the calling thread;
// draws whatever the PictureSource publishes and never waits on the network.
#pragma once

#include <string>

#include "model/picture.hpp"

namespace shipwatch::tui {

struct DashboardOptions {
    bool color = true;  // false with --no-color or NO_COLOR
    bool mouse = true;
};

// Returns the process exit status (0 on a normal quit).
int run_dashboard(PictureSource& source, const DashboardOptions& options);

}  // namespace shipwatch::tui

// Placeholder until the dashboard lands: keeps the binary linking while it is written.
#include "tui/app.hpp"

#include <cstdio>

namespace shipwatch::tui {

int run_dashboard(PictureSource&, const DashboardOptions&) {
    std::fprintf(stderr, "shipwatch: the dashboard is not built yet; use 'shipwatch check --demo'\n");
    return 2;
}

}  // namespace shipwatch::tui

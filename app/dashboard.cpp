// The dashboard (no command word): a Scheduler refreshing the collectors in the background and the
// curses UI on the process's terminal (stdin/stdout), until a quit key or a signal.
#include <cstdlib>

#include "app/attach.hpp"
#include "app/commands.hpp"
#include "app/sources.hpp"
#include "engine/scheduler.hpp"
#include "tui/app.hpp"

namespace shipwatch::app {
namespace {

bool color(const Options& o) { return !o.no_color && !std::getenv("NO_COLOR"); }

// The same screens and keys on a server's pictures: no collectors here, nothing polls AWS.
int attached_dashboard(const Options& o, Io& io) {
    auto servers = attach(o);
    if (!servers) return error_exit(io, servers.error());
    MergedPictures& pictures = *servers.value();
    tui::DashboardOptions d;
    d.color = color(o);
    d.started = [&pictures] { pictures.start(); };
    int status = tui::run_dashboard(pictures, d);
    pictures.stop();
    return status;
}

}  // namespace

int run_dashboard(const Options& o, Io& io) {
    if (!io.in_is_terminal || !io.out_is_terminal)
        return usage_error(io, "the dashboard needs a terminal; use 'shipwatch check' for a report");
    if (!o.servers.empty()) return attached_dashboard(o, io);
    auto sources = load_sources(o, io, DemoTime{});
    if (!sources) return error_exit(io, sources.error());
    SchedulerOptions so = scheduler_options(o, sources.value());
    Scheduler scheduler(std::move(sources.value().collectors), so);
    tui::DashboardOptions d;
    d.color = color(o);
    d.started = [&scheduler] { scheduler.start(); };  // after the terminal's setup touched the environment
    int status = tui::run_dashboard(scheduler, d);
    scheduler.stop();
    return status;
}

}  // namespace shipwatch::app

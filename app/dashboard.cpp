// The dashboard (no command word): a Scheduler refreshing the collectors in the background and the
// curses UI on the process's terminal (stdin/stdout), until a quit key or a signal.
#include <algorithm>
#include <cstdlib>

#include "app/commands.hpp"
#include "app/sources.hpp"
#include "engine/scheduler.hpp"
#include "tui/app.hpp"

namespace shipwatch::app {

int run_dashboard(const Options& o, Io& io) {
    if (!io.in_is_terminal || !io.out_is_terminal)
        return usage_error(io, "the dashboard needs a terminal; use 'shipwatch check' for a report");
    auto sources = load_sources(o, io, DemoTime{});
    if (!sources) return error_exit(io, sources.error());
    SchedulerOptions so;
    so.context = sources.value().context;
    so.stop = sources.value().stop;  // quitting does not wait for a backoff, a slow answer or curl
    if (o.demo) so.world_rate = o.speed;  // the scenarios' data ages at their speed
    so.fetch_threads = sources.value().fetch_threads;
    if (!o.demo) {
        LiveSources* live = sources.value().live.get();
        so.source_states = [live] { return source_states(*live); };
        so.live_interval = sources.value().refresh.ecs;
        so.slow_interval = std::min(sources.value().refresh.github, sources.value().refresh.ecr);
    }
    Scheduler scheduler(std::move(sources.value().collectors), so);
    tui::DashboardOptions d;
    d.color = !o.no_color && !std::getenv("NO_COLOR");
    d.started = [&scheduler] { scheduler.start(); };  // after the terminal's setup touched the environment
    int status = tui::run_dashboard(scheduler, d);
    scheduler.stop();
    return status;
}

}  // namespace shipwatch::app

// The event loop. One thread owns curses, input and the view state: it sleeps in poll() on
// stdin, the PictureSource's notification fd, a signal self-pipe and a one-second tick for the
// clock, and draws a frame only when something changed. It never waits on the network.
#include "tui/app.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>

#include "tui/controller.hpp"
#include "tui/render.hpp"
#include "tui/terminal.hpp"

namespace shipwatch::tui {
namespace {

int signal_pipe[2] = {-1, -1};

void on_signal(int sig) {
    unsigned char b = static_cast<unsigned char>(sig);
    [[maybe_unused]] auto n = write(signal_pipe[1], &b, 1);
}

// SIGINT/SIGTERM/SIGHUP end the loop through the self-pipe, so the terminal is restored by the
// normal path (Terminal's destructor) rather than inside a signal handler.
struct SignalGuard {
    struct sigaction old_int {}, old_term {}, old_hup {};
    SignalGuard() {
        if (pipe(signal_pipe) == 0) {
            fcntl(signal_pipe[0], F_SETFL, O_NONBLOCK);
            fcntl(signal_pipe[1], F_SETFL, O_NONBLOCK);
        }
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        sigaction(SIGHUP, &sa, &old_hup);
    }
    ~SignalGuard() {
        sigaction(SIGINT, &old_int, nullptr);
        sigaction(SIGTERM, &old_term, nullptr);
        sigaction(SIGHUP, &old_hup, nullptr);
        close(signal_pipe[0]);
        close(signal_pipe[1]);
    }
};

int ms_to_next_second() {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count() % 1000;
    return static_cast<int>(1000 - ms) + 5;
}

// New data redraws at most this often; keys always redraw at once. With 200 pipelines the
// scheduler publishes dozens of pictures a second (two per refresh), and a full frame for each
// would keep the UI thread busy while nobody touches a key.
constexpr std::chrono::milliseconds kDataFrame{100};

int loop(PictureSource& source, const DashboardOptions& options) {
    Terminal term(options.color, options.mouse);
    if (options.started) options.started();
    ViewState state;
    state.color = options.color;
    auto picture = source.latest();
    auto arrived = std::chrono::steady_clock::now();
    bool dirty = true;
    bool data_pending = false;  // a newer picture than the one on screen, not drawn yet
    auto last_frame = std::chrono::steady_clock::now() - kDataFrame;

    for (;;) {
        auto since_frame = std::chrono::steady_clock::now() - last_frame;
        if (data_pending && since_frame >= kDataFrame) dirty = true;
        if (dirty) {
            state.wall_now = std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
            state.picture_age = std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - arrived);
            ensure_selection(state, *picture);
            FrameInfo info;
            Size size = term.size();
            CellGrid grid = render(*picture, state, size, &info);
            // Scrolling past the end (G, or data that shrank) is clamped here, then redrawn.
            if (state.scroll > info.max_scroll || state.overlay_scroll > info.max_overlay_scroll) {
                state.scroll = std::min(state.scroll, info.max_scroll);
                state.overlay_scroll = std::min(state.overlay_scroll, info.max_overlay_scroll);
                grid = render(*picture, state, size, &info);
            }
            term.blit(grid);
            dirty = data_pending = false;
            last_frame = std::chrono::steady_clock::now();
            since_frame = {};
        }

        pollfd fds[3] = {{term.input_fd(), POLLIN, 0}, {signal_pipe[0], POLLIN, 0}, {source.notify_fd(), POLLIN, 0}};
        int nfds = source.notify_fd() >= 0 ? 3 : 2;
        int timeout = ms_to_next_second();
        if (data_pending)
            timeout = std::min<int>(timeout, static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(kDataFrame - since_frame).count()) + 1);
        int rc = poll(fds, nfds, timeout);
        if (rc < 0 && errno != EINTR) return 2;
        if (rc == 0) dirty = true;  // the clock and the ages move once a second

        if (fds[1].revents & POLLIN) return 0;
        if (nfds == 3 && (fds[2].revents & POLLIN)) {
            source.drain_notifications();
            auto next = source.latest();
            if (next && next != picture) {
                picture = std::move(next);  // keys act on the newest picture at once
                arrived = std::chrono::steady_clock::now();
                data_pending = true;
            }
        }
        // Read keys after any wake-up: a resize arrives as EINTR plus a KEY_RESIZE key.
        while (auto key = term.read_key()) {
            Reaction r = handle_key(*key, state, *picture);
            if (r & react_quit) return 0;
            if (r & react_refresh) source.refresh_now();
            if (r & react_copy) term.copy_to_clipboard(state.clipboard);
            if (r & react_redraw) dirty = true;
        }
    }
}

}  // namespace

int run_dashboard(PictureSource& source, const DashboardOptions& options) {
    SignalGuard signals;
    try {
        return loop(source, options);
    } catch (const std::exception& e) {
        restore_terminal();
        std::fprintf(stderr, "shipwatch: dashboard stopped: %s\n", e.what());
        return 2;
    }
}

}  // namespace shipwatch::tui

// What `sim` and `serve` share: serving on a thread of its own until SIGINT or SIGTERM (or until
// Io::serve returns, in tests), announced with "listening on URL" only once the server accepts.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

#include <fmt/format.h>

#include "app/io.hpp"

namespace shipwatch::app {

// Blocks SIGINT and SIGTERM (unless Io::serve stops the server instead), so that every thread
// started after it inherits the mask and serve_until_stopped's sigwait takes them. Call it
// before any thread starts.
inline sigset_t block_stop_signals(const Io& io) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    if (!io.serve) pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    return signals;
}

// `server` has run() (blocking), running(), stop(), port() and base_url(). `announced` runs just
// before the line (a banner on io.err). 0 once stopped; 1 when the server ended on its own first.
template <typename Server>
int serve_until_stopped(Server& server, Io& io, const sigset_t& signals, const std::function<void()>& announced = {}) {
    std::atomic<bool> ended = false;
    std::thread serving([&] {
        server.run();
        ended = true;
    });
    // Announce only once accepting: a client (or a SIGTERM) reacting to the line must find the
    // server running, or httplib's stop() would come before its listen loop and not end it.
    while (!server.running() && !ended) std::this_thread::yield();
    if (ended) {
        serving.join();
        io.err << fmt::format("shipwatch: the server on {} stopped before it could serve\n", server.base_url());
        return 1;
    }
    if (announced) announced();
    io.out << fmt::format("listening on {}\n", server.base_url());
    io.out.flush();
    if (io.serve) {
        io.serve(server.port());
    } else {
        int received = 0;
        sigwait(&signals, &received);
    }
    server.stop();
    serving.join();
    return 0;
}

}  // namespace shipwatch::app

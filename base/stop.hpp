// Waits that a quit ends at once. One std::stop_source per set of sources (the live accounts,
// the demo's worlds) is asked to stop when the dashboard quits; every sleep in the HTTP stack and
// the simulator waits on its token instead of sleeping blind.
#pragma once

#include <condition_variable>
#include <mutex>
#include <stop_token>

#include "model/time.hpp"

namespace shipwatch {

// Sleeps for `d` unless stop is requested first (or already was). Returns false when stopped.
// A default token (no stop state) never stops: the wait is a plain sleep.
inline bool sleep_unless_stopped(Duration d, const std::stop_token& stop) {
    std::mutex mutex;  // the condition variable's own: no shared state is guarded by it
    std::condition_variable_any wake;
    std::unique_lock lock(mutex);
    wake.wait_for(lock, stop, d, [] { return false; });
    return !stop.stop_requested();
}

}  // namespace shipwatch

// A RetryTransport over a scripted transport on a manual clock: its sleeps are recorded and
// advance the clock, so backoff and budgets are tested with no real waiting.
#pragma once

#include <chrono>
#include <vector>

#include "base/clock.hpp"
#include "http/retry_transport.hpp"
#include "unit/scripted_transport.hpp"

namespace shipwatch::testing {

inline const TimePoint kRetryStart = TimePoint(std::chrono::seconds(1'750'000'000));

struct RetryFixture {
    ScriptedTransport inner;
    ManualClock clock{kRetryStart};
    std::vector<Duration> sleeps;
    RetryOptions options;

    explicit RetryFixture(Duration max_delay) {
        options.base_delay = std::chrono::milliseconds(100);
        options.max_delay = max_delay;
        options.random = [] { return 1.0; };  // the top of the jitter range: deterministic
        options.requests_per_second = 0;  // pacing is tested on its own
    }
    RetryTransport make() {
        return RetryTransport(inner, clock, options, [this](Duration d) {
            sleeps.push_back(d);
            clock.advance(d);
        });
    }
};

}  // namespace shipwatch::testing

// Injected time: the system clock for real data, a scaled clock for the simulator, a manual
// clock for tests. The model never reads a clock; snapshots carry `now`.
#pragma once

#include <atomic>
#include <chrono>

#include "model/time.hpp"

namespace shipwatch {

class ClockSource {
public:
    virtual ~ClockSource() = default;
    virtual TimePoint now() const = 0;
};

class SystemClock final : public ClockSource {
public:
    TimePoint now() const override {
        return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
    }
};

// Starts at `origin` and runs `speed` times faster than real time.
class ScaledClock final : public ClockSource {
public:
    ScaledClock(TimePoint origin, double speed)
        : origin_(origin), speed_(speed), started_(std::chrono::steady_clock::now()) {}
    TimePoint now() const override {
        auto real = std::chrono::steady_clock::now() - started_;
        auto scaled = std::chrono::duration_cast<Duration>(real * speed_);
        return origin_ + scaled;
    }

private:
    TimePoint origin_;
    double speed_;
    std::chrono::steady_clock::time_point started_;
};

// Tests move it by hand.
class ManualClock final : public ClockSource {
public:
    explicit ManualClock(TimePoint t) : ms_(t.time_since_epoch().count()) {}
    TimePoint now() const override { return TimePoint{Duration{ms_.load()}}; }
    void set(TimePoint t) { ms_.store(t.time_since_epoch().count()); }
    void advance(Duration d) { ms_.fetch_add(d.count()); }

private:
    std::atomic<long long> ms_;
};

}  // namespace shipwatch

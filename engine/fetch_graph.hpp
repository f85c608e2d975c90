// A refresh as a graph of fetches. Each API call (or page) is a job on a bounded pool of threads;
// its value comes back to one merge thread, which alone writes the snapshots and starts the
// calls that depended on it. A call therefore starts the moment its inputs are known, independent
// calls run at once, and no snapshot member is ever written by two threads.
//
//   pool threads:  [DescribeServices]  [ListTasks p1]  [GitHub commits] ...   (blocking I/O)
//                        │ value             │ value          │ value
//   merge thread:  merge → start TaskDefinition, TargetHealth; merge → start DescribeTasks ...
//
// The transport below stays blocking (libcurl easy handles, the simulator); the pool bounds how
// many requests are in flight, the request budget (RetryTransport) how fast they go out.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/clock.hpp"
#include "base/result.hpp"

namespace shipwatch {

// The merge thread's inbox: functions posted from any thread, run one at a time by whoever runs
// the queue (the scheduler's engine thread, or `collect()`'s caller).
class MergeQueue {
public:
    using Clock = std::chrono::steady_clock;
    void post(std::function<void()> fn);
    // Runs everything posted so far without waiting; returns how many ran.
    size_t run_ready();
    // Waits until something is posted, wake() is called or `deadline` passes, then runs what is
    // there. Returns how many ran.
    size_t run_until(Clock::time_point deadline);
    // Ends a run_until() wait now (from any thread).
    void wake();
    bool empty() const;

private:
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> items_;
    bool woken_ = false;
};

// A bounded pool for blocking fetches. Threads start as work needs them, up to `max_threads`.
// With 0 there are no threads: jobs wait until the owner runs them one by one with run_one()
// (virtual time: one request at a time, in a fixed order, and every refresh that is due starts
// before the first of their requests goes out, as with threads).
class FetchPool {
public:
    explicit FetchPool(int max_threads);
    ~FetchPool();
    FetchPool(const FetchPool&) = delete;
    FetchPool& operator=(const FetchPool&) = delete;

    // `first`: the job is on the longest chain of a refresh (the cluster's task listing, page by
    // page): it goes ahead of the waiting jobs that are not, so a burst of target health and
    // version calls does not lengthen the chain that decides when the picture is complete.
    void post(std::function<void()> job, bool first = false);
    // Without threads: runs the next waiting job on the calling thread; false when none waits.
    bool run_one();
    // Jobs not yet started are dropped; running ones finish (a stop request ends their waits);
    // then the threads are joined. Safe to call twice.
    void shutdown();

private:
    void work();

    const int max_threads_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> jobs_;
    size_t firsts_ = 0;  // jobs_ begins with this many `first` jobs
    std::vector<std::thread> threads_;
    int idle_ = 0;
    bool stopping_ = false;
};

// How big a FetchPool to make. Threads block on I/O, so the pool holds the requests in flight:
// by Little's law, in flight = rate × latency, where the rate is what the request budget lets out
// (RetryTransport's token buckets, every source together) and the latency a typical round trip.
// Twice that, because round trips have a long tail (a slow answer should not hold the budget
// back). At least one per core (answers are parsed on the pool) and never fewer than
// kMinFetchThreads, so a few hung calls leave room for the rest; at most kMaxFetchThreads, since
// past that the budget, not the pool, decides how fast requests go, and a process with
// thousands of pipelines must not start a thread for each (10,000 did, and failed to start one).
// Unpaced requests (no budget: the simulator) get the most.
inline constexpr int kMinFetchThreads = 8;
inline constexpr int kMaxFetchThreads = 64;
inline constexpr Duration kTypicalLatency = std::chrono::milliseconds(250);  // an AWS API call from afar

struct FetchPoolBudget {
    double requests_per_second = 0;  // every source's budget together; <= 0: unpaced
    Duration latency = kTypicalLatency;
    unsigned cores = 1;  // std::thread::hardware_concurrency(); 0 counts as 1
};
int fetch_pool_size(const FetchPoolBudget& budget);

// Where a refresh sends its fetches and where their values come back. `clock` (the world's time
// of whoever starts the fetch) dates each answer with the moment its request went out — what it
// shows is at least that recent, and may be no more — so neither a slow answer nor a queue of
// merges makes old data look fresh.
struct FetchContext {
    FetchPool& pool;
    MergeQueue& merge;
    const ClockSource* clock = nullptr;
    TimePoint now() const { return clock ? clock->now() : TimePoint{}; }
    FetchContext with(const ClockSource& c) const { return FetchContext{pool, merge, &c}; }
};

// An answer and when its request went out.
template <typename T>
struct Answer {
    Result<T> value;
    TimePoint at{};
};

// The exception barrier of a fetch: what a job throws becomes its error value (kind parse, with
// the exception's text), so a bad answer is that source's error on screen, never a crash.
template <typename T>
Result<T> guarded_call(const std::function<Result<T>()>& job) noexcept {
    try {
        return job();
    } catch (const std::exception& e) {
        return error_of(ErrorKind::parse, "parse", e.what());
    } catch (...) {
        return error_of(ErrorKind::parse, "parse", "unknown exception");
    }
}

// Runs `job` on the pool and `then` with its value, and when the job began, on the merge thread.
template <typename T>
void fetch_then(FetchContext ctx, std::function<Result<T>()> job, std::function<void(Result<T>, TimePoint)> then,
                bool first = false) {
    ctx.pool.post(
        [ctx, job = std::move(job), then = std::move(then)]() mutable {
            TimePoint at = ctx.now();  // the answer shows the world no older than its request
            auto value = std::make_shared<Result<T>>(guarded_call<T>(job));
            ctx.merge.post([value, at, then = std::move(then)] { then(std::move(*value), at); });
        },
        first);
}

// A value that one fetch produces and several refreshes wait for: each waiter's function runs on
// its own merge queue once the value is there. Thread-safe; the lock is never held while a
// fetch runs or a waiter's function runs.
template <typename T>
class Promised {
public:
    // `fn` is posted to `merge` with the value, now if it is already there.
    void then(MergeQueue& merge, std::function<void(const T&)> fn) const {
        std::unique_lock lock(mutex_);
        if (!value_) {
            waiting_.push_back({&merge, std::move(fn)});
            return;
        }
        auto value = value_;
        lock.unlock();
        merge.post([value, fn = std::move(fn)] { fn(*value); });
    }
    void set(T value) {
        std::vector<Waiter> waiting;
        std::shared_ptr<const T> shared = std::make_shared<const T>(std::move(value));
        {
            std::lock_guard lock(mutex_);
            value_ = shared;
            waiting.swap(waiting_);
        }
        for (auto& w : waiting) w.merge->post([shared, fn = std::move(w.fn)] { fn(*shared); });
    }
    // The value when it is there (shared, immutable).
    std::shared_ptr<const T> peek() const {
        std::lock_guard lock(mutex_);
        return value_;
    }

private:
    struct Waiter {
        MergeQueue* merge;
        std::function<void(const T&)> fn;
    };
    mutable std::mutex mutex_;
    std::shared_ptr<const T> value_;
    mutable std::vector<Waiter> waiting_;  // subscribing is no change of the value
};

}  // namespace shipwatch

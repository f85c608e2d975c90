#include "engine/fetch_graph.hpp"

#include <algorithm>
#include <cmath>

#include "base/log.hpp"

namespace shipwatch {
namespace {

// The last barrier of the merge thread: the collector's merges catch their own exceptions; one
// that still gets here is logged, and the queue goes on with the next value.
void run_guarded(std::function<void()>& fn) noexcept {
    try {
        fn();
    } catch (const std::exception& e) {
        logging::logger().error("merge: {}", e.what());
    } catch (...) {
        logging::logger().error("merge: an exception that is not a std::exception");
    }
}

}  // namespace

void MergeQueue::post(std::function<void()> fn) {
    {
        std::lock_guard lock(mutex_);
        items_.push_back(std::move(fn));
    }
    ready_.notify_one();
}

size_t MergeQueue::run_ready() {
    std::deque<std::function<void()>> batch;
    {
        std::lock_guard lock(mutex_);
        batch.swap(items_);
    }
    for (auto& fn : batch) run_guarded(fn);
    return batch.size();
}

size_t MergeQueue::run_until(Clock::time_point deadline) {
    {
        std::unique_lock lock(mutex_);
        ready_.wait_until(lock, deadline, [&] { return !items_.empty() || woken_; });
        woken_ = false;
    }
    return run_ready();
}

void MergeQueue::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    ready_.notify_all();
}

bool MergeQueue::empty() const {
    std::lock_guard lock(mutex_);
    return items_.empty();
}

FetchPool::FetchPool(int max_threads) : max_threads_(std::max(0, max_threads)) {}

FetchPool::~FetchPool() { shutdown(); }

void FetchPool::post(std::function<void()> job, bool first) {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (first) jobs_.insert(jobs_.begin() + static_cast<std::ptrdiff_t>(firsts_++), std::move(job));
    else jobs_.push_back(std::move(job));
    if (max_threads_ == 0) return;  // run_one() takes it
    // More jobs waiting than threads waiting for them: a burst (a refresh starting 100 calls)
    // gets threads at once, not one by one.
    if (jobs_.size() > static_cast<size_t>(idle_) && static_cast<int>(threads_.size()) < max_threads_)
        threads_.emplace_back([this] { work(); });
    else
        ready_.notify_one();
}

bool FetchPool::run_one() {
    std::function<void()> job;
    {
        std::lock_guard lock(mutex_);
        if (max_threads_ != 0 || jobs_.empty()) return false;
        job = std::move(jobs_.front());
        jobs_.pop_front();
        if (firsts_ > 0) --firsts_;
    }
    job();  // the job catches its own exceptions (fetch_then's guarded_call)
    return true;
}

void FetchPool::work() {
    std::unique_lock lock(mutex_);
    for (;;) {
        ++idle_;
        ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        --idle_;
        if (stopping_) return;
        auto job = std::move(jobs_.front());
        jobs_.pop_front();
        if (firsts_ > 0) --firsts_;
        lock.unlock();
        job();
        job = nullptr;  // its captures go before the lock is taken again
        lock.lock();
    }
}

void FetchPool::shutdown() {
    std::vector<std::thread> threads;
    std::deque<std::function<void()>> dropped;  // destroyed outside the lock
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        dropped.swap(jobs_);
        firsts_ = 0;
        threads.swap(threads_);
    }
    ready_.notify_all();
    for (auto& t : threads) t.join();
}

int fetch_pool_size(const FetchPoolBudget& b) {
    const int floor = std::clamp(static_cast<int>(std::max(1u, b.cores)), kMinFetchThreads, kMaxFetchThreads);
    if (!(b.requests_per_second > 0)) return kMaxFetchThreads;  // also NaN
    const double seconds = std::chrono::duration<double>(b.latency).count();
    const double in_flight = std::ceil(2 * b.requests_per_second * std::max(0.0, seconds));
    if (!(in_flight < kMaxFetchThreads)) return kMaxFetchThreads;  // also infinite
    return std::max(floor, static_cast<int>(in_flight));
}

}  // namespace shipwatch

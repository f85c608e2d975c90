#include "fetchers/scheduler.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

namespace shipwatch {

using steady = std::chrono::steady_clock;

Scheduler::Scheduler(std::vector<std::unique_ptr<PipelineCollector>> collectors, SchedulerOptions options)
    : options_(std::move(options)) {
    auto picture = std::make_shared<Picture>();
    picture->context = options_.context;
    auto now = steady::now();
    for (auto& c : collectors) {
        picture->pipelines.push_back({c->spec().name, nullptr, true});
        slots_.push_back({std::move(c), now, now, false});
    }
    picture_ = std::move(picture);
    event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

Scheduler::~Scheduler() {
    stop();
    if (event_fd_ >= 0) close(event_fd_);
}

void Scheduler::start() {
    int n = std::max(1, std::min<int>(options_.workers, static_cast<int>(slots_.size())));
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { worker(); });
}

void Scheduler::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

std::shared_ptr<const Picture> Scheduler::latest() const {
    std::lock_guard lock(picture_mutex_);
    return picture_;
}

void Scheduler::drain_notifications() {
    uint64_t value;
    while (read(event_fd_, &value, sizeof value) == sizeof value) {
    }
}

void Scheduler::refresh_now() {
    {
        std::lock_guard lock(mutex_);
        auto now = steady::now();
        for (auto& s : slots_) s.next_live = s.next_slow = now;
    }
    wake_.notify_all();
}

void Scheduler::publish(size_t index, std::optional<PipelineAnalysis> analysis, bool refreshing) {
    {
        std::lock_guard lock(picture_mutex_);
        // Copy-on-write: readers keep the picture they hold; pipelines share nothing mutable.
        auto next = std::make_shared<Picture>(*picture_);
        auto& entry = next->pipelines[index];
        entry.refreshing = refreshing;
        if (analysis) entry.analysis = std::make_shared<const PipelineAnalysis>(std::move(*analysis));
        if (options_.source_states) next->sources = options_.source_states();
        next->generation = picture_->generation + 1;
        picture_ = std::move(next);
    }
    uint64_t one = 1;
    [[maybe_unused]] auto n = write(event_fd_, &one, sizeof one);
}

void Scheduler::worker() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        // The slot that is due first and not being refreshed by another worker.
        Slot* pick = nullptr;
        size_t index = 0;
        steady::time_point soonest = steady::time_point::max();
        for (size_t i = 0; i < slots_.size(); ++i) {
            auto& s = slots_[i];
            if (s.busy) continue;
            auto due = std::min(s.next_live, s.next_slow);
            if (due < soonest) {
                soonest = due;
                pick = &s;
                index = i;
            }
        }
        auto now = steady::now();
        if (!pick || soonest > now) {
            if (pick) wake_.wait_until(lock, soonest);
            else wake_.wait(lock);
            continue;
        }
        RefreshParts parts{pick->next_live <= now, pick->next_slow <= now};
        pick->busy = true;
        lock.unlock();

        publish(index, std::nullopt, true);
        PipelineSnapshot snap = pick->collector->collect(parts);
        PipelineAnalysis analysis = analyze(std::move(snap), options_.timeline_limit);
        publish(index, std::move(analysis), false);

        lock.lock();
        auto done = steady::now();
        if (parts.live) pick->next_live = done + options_.live_interval;
        if (parts.slow) pick->next_slow = done + options_.slow_interval;
        pick->busy = false;
        wake_.notify_all();
    }
}

}  // namespace shipwatch

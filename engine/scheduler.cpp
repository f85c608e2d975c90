#include "engine/scheduler.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include "base/log.hpp"

namespace shipwatch {

using steady = std::chrono::steady_clock;

Scheduler::Scheduler(std::vector<std::unique_ptr<PipelineCollector>> collectors, SchedulerOptions options)
    : options_(std::move(options)) {
    auto picture = std::make_shared<Picture>();
    picture->context = options_.context;
    start_ = steady::now();
    std::vector<RefreshGroups> groups;
    for (auto& c : collectors) {
        picture->pipelines.push_back({c->spec().name, nullptr, true});
        groups.push_back(refresh_groups(c->spec()));
        slots_.push_back({std::move(c), false});
    }
    plan_.emplace(groups, options_.live_interval, options_.slow_interval);
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
    options_.stop.request_stop();  // the waits inside the workers' requests end now
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

Duration Scheduler::elapsed() const { return std::chrono::duration_cast<Duration>(steady::now() - start_); }

void Scheduler::refresh_now() {
    {
        std::lock_guard lock(mutex_);
        plan_->all_due(elapsed());
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

bool Scheduler::stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
}

void Scheduler::refresh(size_t index, PipelineCollector& collector, RefreshParts parts) {
    try {
        publish(index, std::nullopt, true);
        PipelineSnapshot snap = collector.collect(parts);
        if (stopping()) return;  // cut short by the quit: its cancelled requests are no news
        publish(index, analyze(std::move(snap), options_.timeline_limit), false);
    } catch (const std::exception& e) {
        publish_failed(index, collector, e.what());
    } catch (...) {
        publish_failed(index, collector, "unknown exception");
    }
}

// The last resort: an exception that got past the collector's own barriers (out of threads, out
// of memory, the status bar's states) would end the process with the terminal in curses mode.
// The pipeline shows every part failed with it instead, and the worker goes on.
void Scheduler::publish_failed(size_t index, PipelineCollector& collector, const std::string& why) noexcept {
    try {
        logging::logger().error("refresh {}: {}", collector.spec().name, why);
        publish(index, analyze(collector.failed(why), options_.timeline_limit), false);
    } catch (...) {
        // Nothing is left to tell it with; the next refresh tries again.
    }
}

void Scheduler::worker() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        // The slot that is due first and not being refreshed by another worker.
        Slot* pick = nullptr;
        size_t index = 0;
        Duration soonest = Duration::max();
        for (size_t i = 0; i < slots_.size(); ++i) {
            if (slots_[i].busy) continue;
            if (Duration due = plan_->due(i); due < soonest) {
                soonest = due;
                pick = &slots_[i];
                index = i;
            }
        }
        Duration now = elapsed();
        if (!pick || soonest > now) {
            if (pick) wake_.wait_until(lock, start_ + soonest);
            else wake_.wait(lock);
            continue;
        }
        RefreshParts parts = plan_->parts_due(index, now);
        pick->busy = true;
        lock.unlock();

        refresh(index, *pick->collector, parts);

        lock.lock();
        plan_->finished(index, parts, elapsed());
        pick->busy = false;
        wake_.notify_all();
    }
}

}  // namespace shipwatch

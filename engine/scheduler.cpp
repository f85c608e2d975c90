#include "engine/scheduler.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include "base/log.hpp"

namespace shipwatch {
namespace {

// Data is evidence for twice its refresh interval, and at least `floor`.
Duration trusted_for(Duration interval, Duration floor, double world_rate) {
    Duration limit = std::max<Duration>(2 * interval, floor);
    return std::chrono::duration_cast<Duration>(limit * world_rate);
}

bool is_live(Part part) {
    switch (part) {
        case Part::commits:
        case Part::builds:
        case Part::images:
        case Part::logs:
        case Part::secrets:
            return false;
        default:
            return true;  // the service and what hangs off it, targets, instances, the endpoint
    }
}

}  // namespace

Scheduler::Scheduler(std::vector<std::unique_ptr<PipelineCollector>> collectors, SchedulerOptions options)
    : options_(std::move(options)), pool_(options_.fetch_threads) {
    auto picture = std::make_shared<Picture>();
    picture->context = options_.context;
    origin_ = now();
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

TimePoint Scheduler::now() const {
    if (options_.clock) return options_.clock->now();
    return TimePoint{std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch())};
}

Duration Scheduler::elapsed() const { return now() - origin_; }

void Scheduler::start() {
    if (!engine_.joinable()) engine_ = std::thread([this] { run(); });
}

void Scheduler::stop() {
    stopping_ = true;
    options_.stop.request_stop();  // the waits inside the fetches' requests end now
    merge_.wake();
    if (engine_.joinable()) engine_.join();
    pool_.shutdown();  // running fetches answer cancelled at once; the others are dropped
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
    // The plan belongs to the engine thread: the request travels through its queue.
    merge_.post([this] { plan_->all_due(elapsed()); });
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

// The last resort: an exception that got past the collector's own barriers (out of threads, out
// of memory, the status bar's states) would end the process with the terminal in curses mode.
// The pipeline shows every part failed with it instead, and the engine goes on.
void Scheduler::publish_failed(size_t index, PipelineCollector& collector, const std::string& why) noexcept {
    try {
        logging::logger().error("refresh {}: {}", collector.spec().name, why);
        publish(index, analyze(collector.failed(why), options_.timeline_limit), false);
    } catch (...) {
        // Nothing is left to tell it with; the next refresh tries again.
    }
}

PipelineAnalysis Scheduler::judge(size_t index, PipelineSnapshot snap) {
    const Duration live = trusted_for(options_.live_interval, options_.trusted_at_least, options_.world_rate);
    const Duration slow = trusted_for(options_.slow_interval, options_.trusted_at_least, options_.world_rate);
    std::optional<TimePoint> first_stale;
    for_each_part(snap, [&](Part part, auto& fetched) {
        fetched.max_age = is_live(part) ? live : slow;
        if (!fetched.value || !fetched.fetched_at) return;
        TimePoint at = *fetched.fetched_at + *fetched.max_age;
        if (at >= snap.now && (!first_stale || at < *first_stale)) first_stale = at;
    });
    Slot& slot = slots_[index];
    slot.stale_at = Duration::max();
    if (first_stale) {
        // From the world's time into the plan's, a millisecond past the limit.
        auto wait = std::chrono::duration_cast<Duration>((*first_stale - snap.now) / options_.world_rate);
        slot.stale_at = elapsed() + wait + std::chrono::milliseconds(1);
    }
    return analyze(std::move(snap), options_.timeline_limit);
}

void Scheduler::give_up_waiting(size_t index) {
    Slot& slot = slots_[index];
    logging::logger().warn("refresh {}: no answer for {} ms after {} s; showing what came", slot.collector->spec().name,
                           std::chrono::duration_cast<std::chrono::milliseconds>(slot.collector->quiet_for()).count(),
                           std::chrono::duration_cast<std::chrono::seconds>(elapsed() - slot.started).count());
    finished(index, slot.parts, slot.collector->detach());
}

void Scheduler::judge_again(size_t index) {
    std::shared_ptr<const PipelineAnalysis> shown = latest()->pipelines[index].analysis;
    if (!shown) {
        slots_[index].stale_at = Duration::max();
        return;
    }
    PipelineSnapshot snap = shown->snapshot;
    snap.now = slots_[index].collector->now();
    try {
        publish(index, judge(index, std::move(snap)), slots_[index].busy);
    } catch (const std::exception& e) {
        slots_[index].stale_at = Duration::max();
        logging::logger().error("judging {} again: {}", slots_[index].collector->spec().name, e.what());
    }
}

Duration Scheduler::start_due() {
    Duration at = elapsed();
    Duration soonest = Duration::max();
    const Duration patience = options_.patience > Duration::zero()
                                  ? options_.patience
                                  : std::max<Duration>(options_.live_interval, std::chrono::seconds(5));
    for (size_t i = 0; i < slots_.size(); ++i) {
        Slot& slot = slots_[i];
        // A refresh whose answers keep coming is waited for (a fleet's first refresh queues behind
        // the budget); one that heard nothing for the patience waits for a call that hangs.
        if (slot.busy && slot.collector->quiet_for() >= patience) give_up_waiting(i);
        if (at >= slot.stale_at) judge_again(i);
        soonest = std::min(soonest, slot.stale_at);
        if (slot.busy) {
            soonest = std::min(soonest, at + patience - slot.collector->quiet_for());
            continue;
        }
        if (plan_->due(i) > at) {
            soonest = std::min(soonest, plan_->due(i));
            continue;
        }
        RefreshParts parts = plan_->parts_due(i, at);
        slot.busy = true;
        slot.started = at;
        slot.parts = parts;
        try {
            publish(i, std::nullopt, true);
            slot.collector->begin(parts, FetchContext{pool_, merge_},
                                  [this, i, parts](PipelineSnapshot snap) { finished(i, parts, std::move(snap)); });
        } catch (const std::exception& e) {
            publish_failed(i, *slot.collector, e.what());
            plan_->finished(i, parts, elapsed());
            slot.busy = false;
        }
        if (!slot.busy) soonest = std::min(soonest, plan_->due(i));  // it ended within begin()
    }
    return soonest;
}

void Scheduler::finished(size_t index, RefreshParts parts, PipelineSnapshot snap) {
    if (stopping_) return;  // cut short by the quit: its cancelled requests are no news
    try {
        publish(index, judge(index, std::move(snap)), false);
    } catch (const std::exception& e) {
        publish_failed(index, *slots_[index].collector, e.what());
    }
    plan_->finished(index, parts, elapsed());
    slots_[index].busy = false;
}

void Scheduler::run() {
    using steady = std::chrono::steady_clock;
    while (!stopping_) {
        Duration next = start_due();
        // Until the next refresh is due, or a value (or refresh_now, or stop) arrives.
        auto deadline = next == Duration::max() ? steady::now() + std::chrono::hours(1)
                                                : steady::now() + std::max(Duration::zero(), next - elapsed());
        merge_.run_until(deadline);
    }
}

void Scheduler::run_virtual(Duration until, const std::function<void(TimePoint)>& advance_to) {
    while (!stopping_) {
        merge_.run_ready();
        Duration next = start_due();
        if (!merge_.empty()) continue;
        if (pool_.run_one()) continue;  // the next request, on this thread
        // Nothing left to send or merge: time moves to the next due refresh.
        if (next == Duration::max() || next >= until) return;
        advance_to(origin_ + next);
    }
}

}  // namespace shipwatch

// Background refresh: one engine thread starts each pipeline's refresh when the plan says it is
// due and merges the values its fetches bring back (the fetches run on a bounded pool), then
// publishes each new picture as an immutable snapshot. Every pipeline that is due refreshes at
// once; the pool bounds the requests in flight and the request budget their pace. The UI thread
// takes the newest picture whenever it likes and learns of new ones through a file descriptor it
// can poll(); it never waits on the network.
//
// Time is injected: the plan runs on SchedulerOptions::clock, and run_virtual() drives the
// same engine on the caller's thread in virtual time (tests: no real sleeps).
#pragma once

#include <atomic>
#include <functional>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.hpp"
#include "engine/collector.hpp"
#include "engine/fetch_graph.hpp"
#include "engine/refresh_plan.hpp"
#include "model/picture.hpp"

namespace shipwatch {

struct SchedulerOptions {
    Duration live_interval = std::chrono::seconds(10);  // ECS, targets, endpoint
    Duration slow_interval = std::chrono::seconds(30);  // GitHub, CodeBuild, ECR
    int fetch_threads = kFetchThreads;  // requests in flight at most; 0: one at a time, by run_virtual()
    // The plan's time; null: the steady clock. Tests give a ManualClock and run_virtual().
    const ClockSource* clock = nullptr;
    size_t timeline_limit = kMaxTimelineEntries;
    std::string context;  // "demo", or "account 1234 · eu-west-1 · profile prod"
    std::function<std::vector<SourceState>()> source_states;  // throttling/backoff per source; may be empty
    // How long a refresh that hears no answer is waited for before the picture goes out with
    // what it has and the pipeline's next refresh may start (a hung call then freezes only its
    // own part). Zero: the live interval, at least 5 s (a first refresh queues behind the budget).
    Duration patience{};
    // Data is evidence for twice its refresh interval, and at least this long (a slow answer or
    // a retry must not flap a stage to unknown). Tests shorten it.
    Duration trusted_at_least = std::chrono::seconds(30);
    // World seconds per second of the plan's clock: the demo's --speed. Data ages in the world's
    // time, so the age past which it is no evidence is scaled by it.
    double world_rate = 1.0;
    // The stop of the collectors' transports (LiveSources::stop, DemoSources::stop): stop()
    // requests it before joining, so no worker sits out a backoff, a slow answer or a transfer.
    std::stop_source stop{std::nostopstate};
};

class Scheduler final : public PictureSource {
public:
    explicit Scheduler(std::vector<std::unique_ptr<PipelineCollector>> collectors, SchedulerOptions options = {});
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    void start();  // the engine thread
    void stop();  // cancels what the fetches wait for, joins the engine and the pool; safe to call twice
    // Virtual time, instead of start(): runs the engine on this thread until the plan's time
    // reaches `until`. Whenever nothing is left to merge, `advance_to` moves the clock to the
    // next due refresh. Needs fetch_threads = 0: the requests go out one by one from this thread,
    // so nothing is in flight behind its back.
    void run_virtual(Duration until, const std::function<void(TimePoint)>& advance_to);

    std::shared_ptr<const Picture> latest() const override;
    // Readable (eventfd) whenever a new picture was published since the last drain_notifications().
    int notify_fd() const override { return event_fd_; }
    void drain_notifications() override;
    // Refresh every pipeline now, ahead of the schedule.
    void refresh_now() override;

private:
    struct Slot {
        std::unique_ptr<PipelineCollector> collector;
        bool busy = false;
        Duration started{};  // of the refresh running (plan time)
        RefreshParts parts;  // what it fetches
        // When a part of the picture shown passes its max_age (plan time): it is judged again then.
        Duration stale_at = Duration::max();
    };
    TimePoint now() const;
    Duration elapsed() const;  // since construction: the plan's time
    void run();  // the engine thread
    // Starts the refreshes that are due and not running; returns when the next one is due.
    Duration start_due();
    void finished(size_t index, RefreshParts parts, PipelineSnapshot snap);
    void publish_failed(size_t index, PipelineCollector& collector, const std::string& why) noexcept;
    void publish(size_t index, std::optional<PipelineAnalysis> analysis, bool refreshing);
    // Ages limited by the refresh intervals, the diagnosis, and when it must be judged again.
    PipelineAnalysis judge(size_t index, PipelineSnapshot snap);
    void give_up_waiting(size_t index);  // the refresh takes longer than the patience
    void judge_again(size_t index);  // a part of the picture shown got too old

    SchedulerOptions options_;
    std::vector<Slot> slots_;  // the engine thread's, like plan_
    TimePoint origin_;
    std::optional<RefreshPlan> plan_;  // when each slot is due
    std::atomic<bool> stopping_{false};
    MergeQueue merge_;
    FetchPool pool_;  // after merge_: its jobs post there until it is shut down
    std::thread engine_;

    mutable std::mutex picture_mutex_;  // guards picture_ pointer swaps only
    std::shared_ptr<const Picture> picture_;
    int event_fd_ = -1;
};

}  // namespace shipwatch

// Background refresh: worker threads run the collectors on their intervals and publish each
// new picture as an immutable snapshot. The UI thread takes the newest one whenever it likes
// and learns of new ones through a file descriptor it can poll(); it never waits on the network.
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
#include "engine/refresh_plan.hpp"
#include "model/picture.hpp"

namespace shipwatch {

struct SchedulerOptions {
    Duration live_interval = std::chrono::seconds(10);  // ECS, targets, endpoint
    Duration slow_interval = std::chrono::seconds(30);  // GitHub, CodeBuild, ECR
    int workers = 4;
    size_t timeline_limit = 500;
    std::string context;  // "demo", or "account 1234 · eu-west-1 · profile prod"
    std::function<std::vector<SourceState>()> source_states;  // throttling/backoff per source; may be empty
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

    void start();
    void stop();  // cancels what the workers wait for, joins them; safe to call twice

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
    };
    Duration elapsed() const;  // since construction: the plan's time
    void worker();
    // One refresh of one pipeline, with the worker's exception barrier around it.
    void refresh(size_t index, PipelineCollector& collector, RefreshParts parts);
    void publish_failed(size_t index, PipelineCollector& collector, const std::string& why) noexcept;
    bool stopping();
    void publish(size_t index, std::optional<PipelineAnalysis> analysis, bool refreshing);

    SchedulerOptions options_;
    std::vector<Slot> slots_;
    std::chrono::steady_clock::time_point start_;
    std::optional<RefreshPlan> plan_;  // when each slot is due; guarded by mutex_
    std::vector<std::thread> threads_;
    std::mutex mutex_;  // guards slots_ busy flags, plan_ and stopping_
    std::condition_variable wake_;
    bool stopping_ = false;

    mutable std::mutex picture_mutex_;  // guards picture_ pointer swaps only
    std::shared_ptr<const Picture> picture_;
    int event_fd_ = -1;
};

}  // namespace shipwatch

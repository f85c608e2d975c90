// One time-ordered list per pipeline merging everything that happened along the chain.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/diagnosis.hpp"

namespace shipwatch {

enum class EventKind {
    commit,
    build,
    build_step,
    image_push,
    taskdef,
    deployment,
    service_event,
    task_start,
    task_stop,
    target_health,
    version_change,
    secret_change,
    log_match,
    instance_launch,
};
std::string_view to_string(EventKind k);

struct TimelineEntry {
    TimePoint time{};
    EventKind kind = EventKind::commit;
    Severity severity = Severity::info;
    Stage stage = Stage::push;  // the stage it belongs to
    std::string text;  // one line
    std::string ref;  // SHA, digest, ARN or id it is about
};

// The entries a pipeline's timeline keeps, the newest (README "Bounds"): sessions run for weeks.
inline constexpr size_t kMaxTimelineEntries = 500;

// Newest first, at most `limit` entries (timelines stay bounded for long-running sessions).
std::vector<TimelineEntry> build_timeline(const PipelineSnapshot& snapshot, size_t limit = kMaxTimelineEntries);

}  // namespace shipwatch

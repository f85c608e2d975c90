// The fetch state of each part of a snapshot (when it was fetched, its error), named the way
// the JSON report names them, and which parts each stage's evidence comes from.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/picture.hpp"

namespace shipwatch::tui {

struct PartStatus {
    std::string name;  // commits, builds, images, service, task_definitions, tasks, target_groups, ...
    std::string family;  // the API it comes from, for the status bar: github, codebuild, ecr, ecs, elb, ec2, ...
    bool configured = true;
    bool has_value = false;
    std::optional<TimePoint> fetched_at;
    std::optional<FetchError> error;
};

std::vector<PartStatus> parts_of(const PipelineSnapshot& s);
// The parts whose data a stage's pane shows ("tasks" -> service, tasks).
std::vector<std::string> parts_for_stage(const std::string& stage);

// One status-bar entry per data source: the scheduler's SourceState list when the picture has
// one, else derived per API family from the snapshots' parts. `age` is how old the oldest
// successful fetch is, measured on the clock that fetched it (simulated clocks differ).
struct SourceSummary {
    std::string name;
    SourceState::State state = SourceState::State::ok;
    std::optional<Duration> age;
    std::string error;
};
std::vector<SourceSummary> summarize_sources(const Picture& picture, TimePoint wall_now, Duration picture_age);

}  // namespace shipwatch::tui

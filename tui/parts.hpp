// The fetch state of each part of a snapshot (when it was fetched, its error). Which parts a
// stage reads is a column of the stage table (model/stage.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/picture.hpp"

namespace shipwatch::tui {

struct PartStatus {
    Part part = Part::commits;
    Source source = Source::github;  // the API it comes from; the status bar groups by it
    bool configured = true;
    bool has_value = false;
    std::optional<TimePoint> fetched_at;
    std::optional<FetchError> error;
};

// Every part, in Part order.
std::vector<PartStatus> parts_of(const PipelineSnapshot& s);
// The status of one part in what parts_of returned.
const PartStatus& status_of(const std::vector<PartStatus>& parts, Part part);

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

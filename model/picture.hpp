// What every presenter draws from: one immutable picture of all watched pipelines, and the
// interface of whatever keeps it fresh (the background scheduler, or a fixed picture in tests).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/analysis.hpp"

namespace shipwatch {

// The state of one data source (an AWS service or GitHub, per account/region), for the status bar.
struct SourceState {
    enum class State { ok, backing_off, failing };
    std::string name;  // "ecs eu-west-1", "github"
    State state = State::ok;
    std::optional<TimePoint> last_success;
    std::optional<TimePoint> failing_since;
    std::string error;  // last error message when not ok
    std::optional<TimePoint> retry_at;  // when backing off
};

// Pipelines keep configuration order; a pipeline not fetched yet has no analysis. Analyses are
// shared between pictures, so publishing one pipeline's refresh copies pointers, not data.
struct Picture {
    struct Entry {
        std::string name;
        std::shared_ptr<const PipelineAnalysis> analysis;  // null until the first refresh ends
        bool refreshing = false;
        bool ready() const { return analysis != nullptr; }
    };
    std::vector<Entry> pipelines;
    std::vector<SourceState> sources;
    std::string context;  // "demo", or "account 1234 · eu-west-1 · profile prod"
    uint64_t generation = 0;
};

class PictureSource {
public:
    virtual ~PictureSource() = default;
    virtual std::shared_ptr<const Picture> latest() const = 0;
    // A file descriptor that polls readable when a newer picture exists; -1 if never.
    virtual int notify_fd() const = 0;
    virtual void drain_notifications() = 0;
    virtual void refresh_now() = 0;
};

}  // namespace shipwatch

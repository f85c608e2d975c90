// One pipeline as the presenters see it: the snapshot, the judgement on it, and its timeline.
#pragma once

#include <memory>
#include <vector>

#include "model/diagnosis.hpp"
#include "model/timeline.hpp"

namespace shipwatch {

struct PipelineAnalysis {
    PipelineSnapshot snapshot;
    Diagnosis diagnosis;
    std::vector<TimelineEntry> timeline;  // newest first, bounded
};

PipelineAnalysis analyze(PipelineSnapshot snapshot, size_t timeline_limit = 500);

// Exit status for headless commands: 0 every pipeline live, 1 one is not live, 2 could not tell
// (a verdict is unknown, or there is nothing to judge).
int exit_status(const std::vector<PipelineAnalysis>& pipelines);

}  // namespace shipwatch

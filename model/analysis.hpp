// One pipeline as the presenters see it: the snapshot, the judgement on it, and its timeline.
#pragma once

#include <memory>
#include <vector>

#include "model/diagnosis.hpp"
#include "model/next_steps.hpp"
#include "model/timeline.hpp"

namespace shipwatch {

struct PipelineAnalysis {
    PipelineSnapshot snapshot;
    Diagnosis diagnosis;
    std::vector<NextStep> next_steps;  // for the verdict: confirm first, then fix
    std::vector<TimelineEntry> timeline;  // newest first, bounded
};

PipelineAnalysis analyze(PipelineSnapshot snapshot, size_t timeline_limit = kMaxTimelineEntries);

// Exit status for headless commands: 1 when any pipeline is known not live (whatever the others
// are), else 2 when one cannot be told (a verdict is unknown) or there is nothing to judge, else 0.
int exit_status(const std::vector<PipelineAnalysis>& pipelines);

}  // namespace shipwatch

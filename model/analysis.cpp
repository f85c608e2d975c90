#include "model/analysis.hpp"

namespace shipwatch {

PipelineAnalysis analyze(PipelineSnapshot snapshot, size_t timeline_limit) {
    PipelineAnalysis a;
    a.diagnosis = diagnose(snapshot);
    a.next_steps = next_steps(a.diagnosis, snapshot);
    a.timeline = build_timeline(snapshot, timeline_limit);
    a.snapshot = std::move(snapshot);
    return a;
}

// A pipeline known not to be live outranks one that cannot be told: CI must hear "broken" (1)
// whenever something is known broken; 2 ("could not tell") only when nothing is.
int exit_status(const std::vector<PipelineAnalysis>& pipelines) {
    if (pipelines.empty()) return 2;
    bool unknown = false;
    for (const auto& p : pipelines) {
        if (p.diagnosis.verdict.code == VerdictCode::unknown) unknown = true;
        else if (p.diagnosis.verdict.code != VerdictCode::live) return 1;
    }
    return unknown ? 2 : 0;
}

}  // namespace shipwatch

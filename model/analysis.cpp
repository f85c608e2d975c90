#include "model/analysis.hpp"

namespace shipwatch {

PipelineAnalysis analyze(PipelineSnapshot snapshot, size_t timeline_limit) {
    PipelineAnalysis a;
    a.diagnosis = diagnose(snapshot);
    a.timeline = build_timeline(snapshot, timeline_limit);
    a.snapshot = std::move(snapshot);
    return a;
}

int exit_status(const std::vector<PipelineAnalysis>& pipelines) {
    if (pipelines.empty()) return 2;
    bool not_live = false;
    for (const auto& p : pipelines) {
        if (p.diagnosis.verdict.code == VerdictCode::unknown) return 2;
        if (p.diagnosis.verdict.code != VerdictCode::live) not_live = true;
    }
    return not_live ? 1 : 0;
}

}  // namespace shipwatch

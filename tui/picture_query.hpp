// Questions the views and the key handlers both ask of a Picture: which rows the overview
// shows in which order, which pipeline is selected, which stages it has.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/picture.hpp"
#include "tui/view_state.hpp"

namespace shipwatch::tui {

// Overview row order: indexes into picture.pipelines, filtered, not-live first when asked
// (failed, unknown, stale, progressing, loading, then live; chain order of verdicts within).
std::vector<size_t> overview_rows(const Picture& picture, const ViewState& state);
// Position of the selected pipeline in `rows` (0 when the name is not there).
size_t selected_row(const Picture& picture, const std::vector<size_t>& rows, const ViewState& state);
const Picture::Entry* selected_entry(const Picture& picture, const ViewState& state);
const PipelineAnalysis* selected_analysis(const Picture& picture, const ViewState& state);

bool is_live(const Picture::Entry& e);
// The entry's stages in chain order (from its kind; ECS while loading).
std::vector<Stage> stages_of(const Picture::Entry& e);
const StageReport* stage_report(const PipelineAnalysis& a, Stage id);

// How long the pipeline has been in its verdict: live since its last stage took the commit;
// not live since the newest commit landed (the code has waited that long).
std::optional<Duration> verdict_age(const PipelineAnalysis& a);

}  // namespace shipwatch::tui

// The screens and frame parts render() composes. Each draws into its rectangle of the grid and
// nothing else; none of them touches the terminal.
#pragma once

#include <span>

#include "model/picture.hpp"
#include "tui/cell_grid.hpp"
#include "tui/doc.hpp"
#include "tui/render.hpp"
#include "tui/view_state.hpp"

namespace shipwatch::tui {

void draw_header(CellGrid& g, Rect r, const Picture& p, const ViewState& s);
void draw_footer(CellGrid& g, Rect r, const ViewState& s);  // key hints, prompt, or message
void draw_status(CellGrid& g, Rect r, const Picture& p, const ViewState& s);  // sources and clock

void draw_overview(CellGrid& g, Rect r, const Picture& p, const ViewState& s);
void draw_pipeline(CellGrid& g, Rect r, const PipelineAnalysis& a, const ViewState& s, FrameInfo& info);
void draw_timeline_screen(CellGrid& g, Rect r, const PipelineAnalysis& a, const ViewState& s, FrameInfo& info);
void draw_pane(CellGrid& g, Rect r, const PipelineAnalysis& a, const ViewState& s, FrameInfo& info);
void draw_loading(CellGrid& g, Rect r, const Picture::Entry& e);

void draw_overlay(CellGrid& g, Rect screen, const ViewState& s, FrameInfo& info);
void draw_too_small(CellGrid& g, Size size);

// The stage strip: one slot per stage, glyph + name, coloured by health. Returns slot columns.
struct StageSlot {
    int x = 0;
    int width = 0;
};
std::vector<StageSlot> draw_diagram(CellGrid& g, int x, int y, const std::vector<const StageReport*>& stages,
                                    std::span<const Stage> ids, bool compact, int max_x, bool mini = false);
int diagram_width(std::span<const Stage> ids, bool compact, bool mini = false);

// One timeline entry as a styled line (absolute and relative time, kind, text).
Line timeline_line(const TimelineEntry& e, TimePoint now, bool narrow);

}  // namespace shipwatch::tui

// The whole frame as a pure function: same picture, state and size give the same cells.
// The event loop blits the result; golden tests and the benchmark call it directly.
#pragma once

#include "model/picture.hpp"
#include "tui/cell_grid.hpp"
#include "tui/view_state.hpp"

namespace shipwatch::tui {

// What the frame learnt about scrolling, so the event loop can clamp the state to it.
struct FrameInfo {
    int max_scroll = 0;
    int max_overlay_scroll = 0;
};

CellGrid render(const Picture& picture, const ViewState& state, Size size, FrameInfo* info = nullptr);

}  // namespace shipwatch::tui

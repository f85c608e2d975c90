// Everything the dashboard remembers between frames besides the data: which screen, which
// pipeline and stage, scroll offsets, prompts, overlays. Owned by the UI thread; rendering
// reads it, key handlers change it.
#pragma once

#include <string>

#include "model/time.hpp"

namespace shipwatch::tui {

enum class Screen { overview, pipeline, pane, timeline };
enum class Overlay { none, help, json, jump, filter };
enum class Focus { findings, timeline };  // the scrolling list in the pipeline view

struct ViewState {
    Screen screen = Screen::overview;
    std::string pipeline;  // selected pipeline by name: rows reorder when verdicts change
    bool pinned = false;  // false until the person moves: the selection follows the first row
    int stage = 0;  // selected stage (index in chain order)
    Focus focus = Focus::timeline;
    int scroll = 0;  // of the pane, the timeline screen, or the focused list
    bool not_live_first = true;
    std::string filter;  // applied: overview rows, or timeline entries on the timeline screen

    Overlay overlay = Overlay::none;
    std::string input;  // prompt being typed (/ and :)
    std::string json;  // y: the evidence as JSON
    std::string clipboard;  // what a copy puts on the clipboard: y's JSON, or c's command
    std::string copied_pipeline;  // c: the pipeline whose step `copied_step` was copied last
    int copied_step = -1;
    int overlay_scroll = 0;
    std::string message;  // one-line notice in the footer until the next key

    // Time enters rendering as data, so frames are pure functions of (picture, state, size).
    TimePoint wall_now{};  // the status bar clock
    Duration picture_age{};  // how long ago the shown picture arrived (ages the sources)
    bool color = true;  // only for the help overlay's note; colours themselves live in blit
};

}  // namespace shipwatch::tui

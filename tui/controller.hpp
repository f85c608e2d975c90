// Key handling: keys become Actions through the keymap, Actions change the ViewState. Handlers
// never draw; they return what the event loop must do next.
#pragma once

#include <cstdint>

#include "model/picture.hpp"
#include "tui/keymap.hpp"
#include "tui/view_state.hpp"

namespace shipwatch::tui {

enum Reaction : uint8_t {
    react_none = 0,
    react_redraw = 1,
    react_quit = 2,
    react_refresh = 4,  // ask the PictureSource for fresh data now
    react_copy = 8,  // put state.clipboard on the clipboard (OSC 52)
};

Reaction handle_key(Key key, ViewState& state, const Picture& picture);
Reaction apply(const Binding& binding, ViewState& state, const Picture& picture);
uint8_t context_of(const ViewState& state);

// Makes sure the state names a pipeline that exists (the first row when it does not).
void ensure_selection(ViewState& state, const Picture& picture);

}  // namespace shipwatch::tui

// Every key the dashboard knows, in one table: the help overlay and the footer hints are
// generated from it, and key handling is a lookup in it (no if-chains on key codes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shipwatch::tui {

// Keys: a Unicode code point, or one of these named keys above the Unicode range.
using Key = char32_t;
namespace keys {
inline constexpr Key up = 0x110001, down = 0x110002, left = 0x110003, right = 0x110004, home = 0x110005,
                     end = 0x110006, page_up = 0x110007, page_down = 0x110008, enter = 0x110009, esc = 0x11000A,
                     tab = 0x11000B, back_tab = 0x11000C, backspace = 0x11000D, resize = 0x11000E,
                     ctrl_c = 0x11000F, wheel_up = 0x110010, wheel_down = 0x110011;
}
std::string key_name(Key k);

enum class Action {
    quit,  // q: back one level; quits at the top
    quit_now,  // Q: quits anywhere
    back,
    up,
    down,
    top,
    bottom,
    page_up,
    page_down,
    stage_prev,
    stage_next,
    open,  // Enter: drill in
    pane,  // 1..n: the n-th stage's pane
    focus_next,  // Tab
    focus_prev,
    filter,
    jump,
    refresh,
    next_not_live,
    prev_not_live,
    timeline,
    copy_json,
    copy_step,  // c: the next step's command
    help,
    toggle_sort,  // the last: kActionCount below names it
};
// How many Actions there are; the controller's handler table has one row for each.
inline constexpr size_t kActionCount = static_cast<size_t>(Action::toggle_sort) + 1;

// Where a binding applies. A key may mean different things on different screens.
enum Context : uint8_t {
    ctx_overview = 1,
    ctx_pipeline = 2,
    ctx_pane = 4,
    ctx_timeline = 8,
    ctx_all = 15,
};

struct Binding {
    std::vector<Key> keys;
    Action action;
    int arg = 0;  // the stage number for Action::pane
    uint8_t contexts = ctx_all;
    std::string help;  // generated for the stage keys, so owned
    std::string_view hint;  // short footer label; empty = help overlay only
};

const std::vector<Binding>& keymap();
const Binding* lookup(Key key, uint8_t context);
// "↑/k": how the help overlay writes a binding's keys.
std::string keys_label(const Binding& b);
// "1-6": the stage keys as the footer writes them, one per stage of the longest chain.
std::string stage_keys_label();

}  // namespace shipwatch::tui

#include "tui/controller.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "model/enum_table.hpp"
#include "tui/evidence_json.hpp"
#include "tui/picture_query.hpp"
#include "tui/text.hpp"

namespace shipwatch::tui {
namespace {

constexpr int kPage = 10;

Reaction redraw() { return react_redraw; }

void select_row(ViewState& s, const Picture& p, const std::vector<size_t>& rows, long row) {
    if (rows.empty()) return;
    row = std::clamp<long>(row, 0, static_cast<long>(rows.size()) - 1);
    s.pipeline = p.pipelines[rows[row]].name;
}

void move_selection(ViewState& s, const Picture& p, long delta) {
    auto rows = overview_rows(p, s);
    select_row(s, p, rows, static_cast<long>(selected_row(p, rows, s)) + delta);
}

// n / N: the next pipeline that is not live, wrapping around, in overview order.
void jump_not_live(ViewState& s, const Picture& p, int dir) {
    auto rows = overview_rows(p, s);
    if (rows.empty()) return;
    long n = static_cast<long>(rows.size());
    long cur = static_cast<long>(selected_row(p, rows, s));
    for (long i = 1; i <= n; ++i) {
        long r = ((cur + dir * i) % n + n) % n;
        if (!is_live(p.pipelines[rows[r]])) {
            s.pipeline = p.pipelines[rows[r]].name;
            return;
        }
    }
}

int stage_count(const ViewState& s, const Picture& p) {
    const auto* e = selected_entry(p, s);
    return e ? static_cast<int>(stages_of(*e).size()) : 0;
}

void open_pane(ViewState& s, const Picture& p, int index) {
    int n = stage_count(s, p);
    if (index < 0 || index >= n) return;
    s.stage = index;
    s.screen = Screen::pane;
    s.scroll = 0;
}

void scroll_by(ViewState& s, int delta) { s.scroll = std::max(0, s.scroll + delta); }

Reaction vertical(ViewState& s, const Picture& p, int delta, bool absolute) {
    if (s.screen == Screen::overview) {
        auto rows = overview_rows(p, s);
        if (absolute) select_row(s, p, rows, delta < 0 ? 0 : static_cast<long>(rows.size()) - 1);
        else move_selection(s, p, delta);
    } else if (absolute) {
        s.scroll = delta < 0 ? 0 : 1 << 20;  // the renderer clamps to the last page
    } else {
        scroll_by(s, delta);
    }
    return redraw();
}

// One handler per Action. A handler changes the ViewState and returns what the event loop must
// do next; it never draws.
Reaction on_quit_now(const Binding&, ViewState&, const Picture&) { return react_quit; }

Reaction on_back(const Binding&, ViewState& s, const Picture&) {
    if (s.screen == Screen::pane || s.screen == Screen::timeline) s.screen = Screen::pipeline;
    else if (s.screen == Screen::pipeline) s.screen = Screen::overview;
    else s.filter.clear();  // Esc at the top clears the filter
    s.scroll = 0;
    return redraw();
}

// q: back one level; at the overview there is no level left, so it quits.
Reaction on_quit(const Binding& b, ViewState& s, const Picture& p) {
    return s.screen == Screen::overview ? react_quit : on_back(b, s, p);
}

template <int Delta, bool Absolute>
Reaction on_vertical(const Binding&, ViewState& s, const Picture& p) { return vertical(s, p, Delta, Absolute); }

template <int Dir>
Reaction on_stage_step(const Binding&, ViewState& s, const Picture& p) {
    const int stages = stage_count(s, p);
    if (stages == 0) return react_none;
    s.stage = std::clamp(s.stage + Dir, 0, stages - 1);
    if (s.screen == Screen::pane) s.scroll = 0;
    return redraw();
}

// Enter on a pipeline opens it at its first broken link: that is what the person came for.
Reaction open_pipeline(ViewState& s, const Picture& p) {
    if (p.pipelines.empty()) return react_none;
    s.screen = Screen::pipeline;
    s.scroll = 0;
    s.stage = 0;
    if (const auto* a = selected_analysis(p, s))
        for (size_t i = 0; i < a->diagnosis.stages.size(); ++i)
            if (a->diagnosis.stages[i].id == a->diagnosis.verdict.stage) s.stage = static_cast<int>(i);
    return redraw();
}

Reaction on_open(const Binding&, ViewState& s, const Picture& p) {
    if (s.screen == Screen::overview) return open_pipeline(s, p);
    if (s.screen == Screen::pipeline) open_pane(s, p, s.stage);
    return redraw();
}

Reaction on_pane(const Binding& b, ViewState& s, const Picture& p) {
    open_pane(s, p, b.arg - 1);
    return redraw();
}

// Tab: the next pane on a pane screen (wrapping), the other list on the pipeline screen.
template <int Dir>
Reaction on_focus_step(const Binding&, ViewState& s, const Picture& p) {
    const int stages = stage_count(s, p);
    if (s.screen == Screen::pane && stages > 0) s.stage = ((s.stage + Dir) % stages + stages) % stages;
    else if (s.screen == Screen::pipeline) s.focus = s.focus == Focus::timeline ? Focus::findings : Focus::timeline;
    s.scroll = 0;
    return redraw();
}

Reaction on_filter(const Binding&, ViewState& s, const Picture&) {
    s.overlay = Overlay::filter;
    s.input = s.filter;
    return redraw();
}

Reaction on_jump(const Binding&, ViewState& s, const Picture&) {
    s.overlay = Overlay::jump;
    s.input.clear();
    return redraw();
}

Reaction on_refresh(const Binding&, ViewState& s, const Picture&) {
    s.message = "refreshing every pipeline…";
    return static_cast<Reaction>(react_refresh | react_redraw);
}

template <int Dir>
Reaction on_not_live(const Binding&, ViewState& s, const Picture& p) {
    jump_not_live(s, p, Dir);
    s.scroll = 0;
    return redraw();
}

Reaction on_timeline(const Binding&, ViewState& s, const Picture& p) {
    if (p.pipelines.empty()) return react_none;
    s.screen = Screen::timeline;
    s.scroll = 0;
    return redraw();
}

Reaction on_copy_json(const Binding&, ViewState& s, const Picture& p) {
    s.json = evidence_json(p, s);
    s.clipboard = s.json;
    s.overlay = Overlay::json;
    s.overlay_scroll = 0;
    return static_cast<Reaction>(react_copy | react_redraw);
}

// Each press copies the command of the next step that has one, confirm steps first, wrapping.
Reaction on_copy_step(const Binding&, ViewState& s, const Picture& p) {
    const PipelineAnalysis* a = selected_analysis(p, s);
    std::vector<const NextStep*> steps;
    if (a)
        for (const auto& n : a->next_steps)
            if (!n.command.empty()) steps.push_back(&n);
    if (steps.empty()) {
        s.message = "no command to copy for this verdict";
        return redraw();
    }
    int n = static_cast<int>(steps.size());
    s.copied_step = s.copied_pipeline == a->diagnosis.pipeline ? (s.copied_step + 1) % n : 0;
    s.copied_pipeline = a->diagnosis.pipeline;
    const NextStep& step = *steps[s.copied_step];
    s.clipboard = step.command;
    s.message = fmt::format("copied step {}/{} ({}, not run): {}", s.copied_step + 1, n, to_string(step.kind), step.command);
    return static_cast<Reaction>(react_copy | react_redraw);
}

Reaction on_help(const Binding&, ViewState& s, const Picture&) {
    s.overlay = Overlay::help;
    s.overlay_scroll = 0;
    return redraw();
}

Reaction on_toggle_sort(const Binding&, ViewState& s, const Picture&) {
    s.not_live_first = !s.not_live_first;
    return redraw();
}

// The handler of each Action, one row per Action in enum order (checked below), so a new action
// is one handler and one row. `pins`: the key is the person choosing where to look, so the
// selection stops following the overview's order; help and refresh choose nothing.
struct ActionRow {
    Action action;
    Reaction (*handle)(const Binding&, ViewState&, const Picture&);
    bool pins;
};
constexpr std::array<ActionRow, kActionCount> kActions{{
    {Action::quit, on_quit, true},
    {Action::quit_now, on_quit_now, true},
    {Action::back, on_back, true},
    {Action::up, on_vertical<-1, false>, true},
    {Action::down, on_vertical<1, false>, true},
    {Action::top, on_vertical<-1, true>, true},
    {Action::bottom, on_vertical<1, true>, true},
    {Action::page_up, on_vertical<-kPage, false>, true},
    {Action::page_down, on_vertical<kPage, false>, true},
    {Action::stage_prev, on_stage_step<-1>, true},
    {Action::stage_next, on_stage_step<1>, true},
    {Action::open, on_open, true},
    {Action::pane, on_pane, true},
    {Action::focus_next, on_focus_step<1>, true},
    {Action::focus_prev, on_focus_step<-1>, true},
    {Action::filter, on_filter, true},
    {Action::jump, on_jump, true},
    {Action::refresh, on_refresh, false},
    {Action::next_not_live, on_not_live<1>, true},
    {Action::prev_not_live, on_not_live<-1>, true},
    {Action::timeline, on_timeline, true},
    {Action::copy_json, on_copy_json, true},
    {Action::copy_step, on_copy_step, true},
    {Action::help, on_help, false},
    {Action::toggle_sort, on_toggle_sort, true},
}};
static_assert(rows_in_enum_order(kActions, [](const ActionRow& r) { return r.action; }), "an Action row out of place");

// Exact name, then prefix, then substring: the first pass that matches wins.
bool name_matches(const std::string& name, const std::string& input, int pass) {
    if (pass == 0) return name == input;
    if (pass == 1) return text::contains_ci(name.substr(0, input.size()), input);
    return text::contains_ci(name, input);
}

const Picture::Entry* find_pipeline(const Picture& p, const std::string& input) {
    for (int pass = 0; pass < 3; ++pass)
        for (const auto& e : p.pipelines)
            if (name_matches(e.name, input, pass)) return &e;
    return nullptr;
}

void close_prompt(ViewState& s) {
    s.overlay = Overlay::none;
    s.input.clear();
}

Reaction cancel_prompt(ViewState& s) {
    if (s.overlay == Overlay::filter) s.filter.clear();
    close_prompt(s);
    return redraw();
}

void jump_to(ViewState& s, const Picture& p) {
    const Picture::Entry* hit = find_pipeline(p, s.input);
    if (!hit) {
        s.message = "no pipeline matches '" + s.input + "'";
        return;
    }
    s.pipeline = hit->name;
    s.pinned = true;
    s.filter.clear();
    s.screen = Screen::pipeline;
    s.scroll = 0;
}

// Enter: the jump prompt goes to the pipeline; the filter prompt keeps the filter it typed.
Reaction accept_prompt(ViewState& s, const Picture& p) {
    if (s.overlay == Overlay::jump && !s.input.empty()) jump_to(s, p);
    close_prompt(s);
    return redraw();
}

// Backspace removes a whole code point: its continuation bytes, then its lead byte.
void erase_last_char(std::string& input) {
    while (!input.empty() && (static_cast<unsigned char>(input.back()) & 0xC0) == 0x80) input.pop_back();
    if (!input.empty()) input.pop_back();
}

// The code point as UTF-8; beyond the Basic Multilingual Plane nothing is added.
void append_utf8(std::string& input, char32_t c) {
    if (c < 0x80) input += static_cast<char>(c);
    else if (c < 0x800) input += {static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
    else if (c < 0x10000)
        input += {static_cast<char>(0xE0 | (c >> 12)), static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
                  static_cast<char>(0x80 | (c & 0x3F))};
}

// The filter applies as it is typed; on the overview the first matching row is selected when
// the selection would be the first row anyway.
void filter_as_typed(ViewState& s, const Picture& p) {
    s.filter = s.input;
    s.scroll = 0;
    if (s.screen != Screen::overview) return;
    auto rows = overview_rows(p, s);
    if (!rows.empty() && selected_row(p, rows, s) == 0) select_row(s, p, rows, 0);
}

// Prompts take printable keys as text; Enter accepts, Esc cancels.
Reaction prompt_key(Key key, ViewState& s, const Picture& p) {
    if (key == keys::esc || key == keys::ctrl_c) return cancel_prompt(s);
    if (key == keys::enter) return accept_prompt(s, p);
    if (key == keys::backspace) erase_last_char(s.input);
    else if (key >= 0x20 && key < 0x110000) append_utf8(s.input, key);
    else return react_none;
    if (s.overlay == Overlay::filter) filter_as_typed(s, p);
    return redraw();
}

// How far a movement key scrolls a read-only overlay; nothing for every other action.
std::optional<int> overlay_step(Action action) {
    switch (action) {
        case Action::up: return -1;
        case Action::down: return 1;
        case Action::page_up: return -kPage;
        case Action::page_down: return kPage;
        case Action::top: return -(1 << 20);
        case Action::bottom: return 1 << 20;
        default: return std::nullopt;
    }
}

// Read-only overlays (help, JSON) scroll and close; every other key closes them first.
Reaction overlay_key(Key key, ViewState& s, const Picture& p) {
    const Binding* b = lookup(key, ctx_all);
    if (auto step = b ? overlay_step(b->action) : std::nullopt) {
        s.overlay_scroll = std::max(0, s.overlay_scroll + *step);
        return redraw();
    }
    s.overlay = Overlay::none;
    s.overlay_scroll = 0;
    if (b && (b->action == Action::quit_now)) return react_quit;
    if (key == keys::esc || key == 'q' || (b && b->action == Action::help) || (b && b->action == Action::copy_json))
        return redraw();
    return static_cast<Reaction>(handle_key(key, s, p) | react_redraw);
}

}  // namespace

uint8_t context_of(const ViewState& s) {
    switch (s.screen) {
        case Screen::overview: return ctx_overview;
        case Screen::pipeline: return ctx_pipeline;
        case Screen::pane: return ctx_pane;
        case Screen::timeline: return ctx_timeline;
    }
    return ctx_overview;
}

void ensure_selection(ViewState& s, const Picture& p) {
    if (s.pinned)
        for (const auto& e : p.pipelines)
            if (e.name == s.pipeline) return;
    auto rows = overview_rows(p, s);
    if (!rows.empty()) s.pipeline = p.pipelines[rows.front()].name;
    else if (!p.pipelines.empty()) s.pipeline = p.pipelines.front().name;
}

Reaction handle_key(Key key, ViewState& s, const Picture& p) {
    ensure_selection(s, p);
    bool had_message = !s.message.empty();
    s.message.clear();
    if (key == keys::resize) return redraw();
    if (s.overlay == Overlay::filter || s.overlay == Overlay::jump) return prompt_key(key, s, p);
    if (s.overlay == Overlay::help || s.overlay == Overlay::json) return overlay_key(key, s, p);
    const Binding* b = lookup(key, context_of(s));
    if (!b) return had_message ? react_redraw : react_none;
    return apply(*b, s, p);
}

Reaction apply(const Binding& b, ViewState& s, const Picture& p) {
    const ActionRow& row = kActions[static_cast<size_t>(b.action)];
    if (row.pins) s.pinned = true;
    return row.handle(b, s, p);
}

}  // namespace shipwatch::tui

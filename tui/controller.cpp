#include "tui/controller.hpp"

#include <algorithm>

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

// Prompts take printable keys as text; Enter accepts, Esc cancels.
Reaction prompt_key(Key key, ViewState& s, const Picture& p) {
    if (key == keys::esc || key == keys::ctrl_c) {
        if (s.overlay == Overlay::filter) s.filter.clear();
        s.overlay = Overlay::none;
        s.input.clear();
        return redraw();
    }
    if (key == keys::enter) {
        if (s.overlay == Overlay::jump && !s.input.empty()) {
            // Exact name, then prefix, then substring: the first that matches wins.
            const Picture::Entry* hit = nullptr;
            for (int pass = 0; pass < 3 && !hit; ++pass)
                for (const auto& e : p.pipelines) {
                    bool ok = pass == 0 ? e.name == s.input
                              : pass == 1 ? text::contains_ci(e.name.substr(0, s.input.size()), s.input)
                                          : text::contains_ci(e.name, s.input);
                    if (ok) {
                        hit = &e;
                        break;
                    }
                }
            if (hit) {
                s.pipeline = hit->name;
                s.pinned = true;
                s.filter.clear();
                s.screen = Screen::pipeline;
                s.scroll = 0;
            } else {
                s.message = "no pipeline matches '" + s.input + "'";
            }
        }
        s.overlay = Overlay::none;
        s.input.clear();
        return redraw();
    }
    if (key == keys::backspace) {
        while (!s.input.empty() && (static_cast<unsigned char>(s.input.back()) & 0xC0) == 0x80) s.input.pop_back();
        if (!s.input.empty()) s.input.pop_back();
    } else if (key >= 0x20 && key < 0x110000) {
        // Encode the code point as UTF-8.
        char32_t c = key;
        if (c < 0x80) s.input += static_cast<char>(c);
        else if (c < 0x800) s.input += {static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
        else if (c < 0x10000)
            s.input += {static_cast<char>(0xE0 | (c >> 12)), static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
                        static_cast<char>(0x80 | (c & 0x3F))};
    } else {
        return react_none;
    }
    if (s.overlay == Overlay::filter) {
        s.filter = s.input;  // filter as you type
        s.scroll = 0;
        if (s.screen == Screen::overview) {
            auto rows = overview_rows(p, s);
            if (!rows.empty() && selected_row(p, rows, s) == 0) select_row(s, p, rows, 0);
        }
    }
    return redraw();
}

// Read-only overlays (help, JSON) scroll and close; every other key closes them first.
Reaction overlay_key(Key key, ViewState& s, const Picture& p) {
    const Binding* b = lookup(key, ctx_all);
    if (b && (b->action == Action::up || b->action == Action::down || b->action == Action::page_up ||
              b->action == Action::page_down || b->action == Action::top || b->action == Action::bottom)) {
        int d = b->action == Action::up ? -1 : b->action == Action::down ? 1 : b->action == Action::page_up ? -kPage
                : b->action == Action::page_down                            ? kPage
                : b->action == Action::top                                  ? -(1 << 20)
                                                                            : 1 << 20;
        s.overlay_scroll = std::max(0, s.overlay_scroll + d);
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
    const int stages = stage_count(s, p);
    if (b.action != Action::help && b.action != Action::refresh) s.pinned = true;
    switch (b.action) {
        case Action::quit_now: return react_quit;
        case Action::quit:
            if (s.screen == Screen::overview) return react_quit;
            [[fallthrough]];
        case Action::back:
            if (s.screen == Screen::pane || s.screen == Screen::timeline) s.screen = Screen::pipeline;
            else if (s.screen == Screen::pipeline) s.screen = Screen::overview;
            else s.filter.clear();  // Esc at the top clears the filter
            s.scroll = 0;
            return redraw();
        case Action::up: return vertical(s, p, -1, false);
        case Action::down: return vertical(s, p, 1, false);
        case Action::page_up: return vertical(s, p, -kPage, false);
        case Action::page_down: return vertical(s, p, kPage, false);
        case Action::top: return vertical(s, p, -1, true);
        case Action::bottom: return vertical(s, p, 1, true);
        case Action::stage_prev:
        case Action::stage_next: {
            if (stages == 0) return react_none;
            int d = b.action == Action::stage_next ? 1 : -1;
            s.stage = std::clamp(s.stage + d, 0, stages - 1);
            if (s.screen == Screen::pane) s.scroll = 0;
            return redraw();
        }
        case Action::open:
            if (s.screen == Screen::overview) {
                if (p.pipelines.empty()) return react_none;
                s.screen = Screen::pipeline;
                s.scroll = 0;
                const auto* a = selected_analysis(p, s);
                // Start on the first broken link: that is what the person came for.
                s.stage = 0;
                if (a)
                    for (size_t i = 0; i < a->diagnosis.stages.size(); ++i)
                        if (a->diagnosis.stages[i].id == a->diagnosis.verdict.stage) s.stage = static_cast<int>(i);
            } else if (s.screen == Screen::pipeline) {
                open_pane(s, p, s.stage);
            }
            return redraw();
        case Action::pane:
            open_pane(s, p, b.arg - 1);
            return redraw();
        case Action::focus_next:
        case Action::focus_prev:
            if (s.screen == Screen::pane && stages > 0) {
                int d = b.action == Action::focus_next ? 1 : -1;
                s.stage = ((s.stage + d) % stages + stages) % stages;
            } else if (s.screen == Screen::pipeline) {
                s.focus = s.focus == Focus::timeline ? Focus::findings : Focus::timeline;
            }
            s.scroll = 0;
            return redraw();
        case Action::filter:
            s.overlay = Overlay::filter;
            s.input = s.filter;
            return redraw();
        case Action::jump:
            s.overlay = Overlay::jump;
            s.input.clear();
            return redraw();
        case Action::refresh:
            s.message = "refreshing every pipeline…";
            return static_cast<Reaction>(react_refresh | react_redraw);
        case Action::next_not_live:
        case Action::prev_not_live:
            jump_not_live(s, p, b.action == Action::next_not_live ? 1 : -1);
            s.scroll = 0;
            return redraw();
        case Action::timeline:
            if (p.pipelines.empty()) return react_none;
            s.screen = Screen::timeline;
            s.scroll = 0;
            return redraw();
        case Action::copy_json:
            s.json = evidence_json(p, s);
            s.overlay = Overlay::json;
            s.overlay_scroll = 0;
            return static_cast<Reaction>(react_copy | react_redraw);
        case Action::help:
            s.overlay = Overlay::help;
            s.overlay_scroll = 0;
            return redraw();
        case Action::toggle_sort:
            s.not_live_first = !s.not_live_first;
            return redraw();
    }
    return react_none;
}

}  // namespace shipwatch::tui

// Frame composition: header, the current screen, footer hints and the status bar, then any
// overlay on top. Below the minimum size the frame is one clear message instead.
#include "tui/render.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "tui/format.hpp"
#include "tui/keymap.hpp"
#include "tui/parts.hpp"
#include "tui/picture_query.hpp"
#include "tui/text.hpp"
#include "tui/views.hpp"

namespace shipwatch::tui {

void draw_too_small(CellGrid& g, Size size) {
    std::vector<std::string> lines = {"terminal too small", fmt::format("{}x{} — shipwatch needs at least {}x{}", size.width, size.height, kMinWidth, kMinHeight),
                                      "enlarge the window, or press q to quit"};
    int y = std::max(0, size.height / 2 - 1);
    for (size_t i = 0; i < lines.size(); ++i) {
        std::string t = text::truncate(lines[i], size.width);
        int x = std::max(0, (size.width - text::width(t)) / 2);
        g.put(x, y + static_cast<int>(i), t, {i == 0 ? Role::warning : Role::normal, false, i == 0});
    }
}

void draw_header(CellGrid& g, Rect r, const Picture& p, const ViewState& s) {
    g.fill(r, {Role::title, true});
    int x = g.put(r.x + 1, r.y, "shipwatch", {Role::title, true, true});
    const auto* e = selected_entry(p, s);
    auto crumb = [&](const std::string& t) { x = g.put(x, r.y, " › " + t, {Role::title, true}); };
    if (s.screen != Screen::overview && e) {
        crumb(e->name);
        if (s.screen == Screen::timeline) crumb("timeline");
        if (s.screen == Screen::pane) {
            auto ids = stages_of(*e);
            if (!ids.empty()) crumb(std::string(stage_info(ids[std::clamp<size_t>(s.stage, 0, ids.size() - 1)]).label));
        }
        if (e->analysis) {
            const auto& spec = e->analysis->snapshot.spec;
            std::string where = fmt::format("  {} · {}{}", spec.kind == PipelineKind::ecs ? "ECS" : "EC2", spec.region,
                                            spec.service.empty() ? "" : " · " + spec.cluster + "/" + spec.service);
            x = g.put(x, r.y, where, {Role::title, true}, r.right());
        }
    } else {
        crumb("overview");
    }
    // Right side: the counts a person scans for.
    int live = 0, loading = 0;
    for (const auto& pe : p.pipelines) {
        if (!pe.analysis) ++loading;
        else if (is_live(pe)) ++live;
    }
    int not_live = static_cast<int>(p.pipelines.size()) - live - loading;
    std::string right = fmt::format("{} pipelines · {} not live{} ", p.pipelines.size(), not_live, loading ? fmt::format(" · {} loading", loading) : "");
    if (s.screen == Screen::overview) {
        if (!s.filter.empty()) right = "filter '" + s.filter + "' · " + right;
        right = (s.not_live_first ? "not-live first · " : "config order · ") + right;
    }
    int rx = r.right() - text::width(right);
    if (rx > x + 1) g.put(rx, r.y, right, {Role::title, true});
}

void draw_footer(CellGrid& g, Rect r, const ViewState& s) {
    if (s.overlay == Overlay::filter || s.overlay == Overlay::jump) {
        std::string label = s.overlay == Overlay::filter ? "/ filter: " : ": jump to pipeline: ";
        int x = g.put(r.x, r.y, label, {Role::accent, false, true});
        x = g.put(x, r.y, s.input, {Role::normal});
        x = g.put(x, r.y, "█", {Role::accent});
        g.put(x + 2, r.y, "Enter accept · Esc cancel", {Role::dim}, r.right());
        return;
    }
    if (!s.message.empty()) {
        g.put(r.x, r.y, text::truncate(s.message, r.width), {Role::accent});
        return;
    }
    uint8_t ctx = s.screen == Screen::overview ? ctx_overview : s.screen == Screen::pipeline ? ctx_pipeline
                  : s.screen == Screen::pane                                                ? ctx_pane
                                                                                            : ctx_timeline;
    int x = r.x;
    for (const auto& b : keymap()) {
        if (b.hint.empty() || !(b.contexts & ctx)) continue;
        std::string k = b.action == Action::pane ? stage_keys_label() : b.action == Action::next_not_live ? "n/N" : key_name(b.keys.front());
        if (b.action == Action::down) k = "j/k";
        if (b.action == Action::quit && s.screen != Screen::overview) continue;  // Esc says it
        std::string hint = b.action == Action::next_not_live ? "not live" : std::string(b.hint);
        int need = text::width(k) + 1 + text::width(hint) + 2;
        if (x + need > r.right()) break;
        x = g.put(x, r.y, k, {Role::accent, false, true});
        x = g.put(x + 1, r.y, hint, {Role::dim}) + 2;
    }
}

void draw_status(CellGrid& g, Rect r, const Picture& p, const ViewState& s) {
    std::string clock = format_clock(s.wall_now) + " UTC ";
    int clock_x = r.right() - text::width(clock);
    int x = g.put(r.x + 1, r.y, p.context.empty() ? "shipwatch" : p.context, {Role::accent, false, true});
    x = g.put(x, r.y, " │ ", {Role::dim});
    auto sources = summarize_sources(p, s.wall_now, s.picture_age);
    if (sources.empty()) x = g.put(x, r.y, "waiting for the first refresh…", {Role::dim}, clock_x - 1);
    for (const auto& src : sources) {
        if (x >= clock_x - 2) break;
        bool failing = src.state == SourceState::State::failing;
        bool backoff = src.state == SourceState::State::backing_off;
        // A failing source says how old what it last gave is: "server http://… ✖ 42s".
        std::string age = src.age ? format_duration(*src.age) : "—";
        std::string t = src.name + " " + (failing ? (src.age ? "✖ " + age : "✖") : backoff ? "↻" : age);
        x = g.put(x, r.y, t, {failing ? Role::error : backoff ? Role::warning : Role::dim}, clock_x - 1);
        x = g.put(x, r.y, "  ", {Role::dim}, clock_x - 1);
    }
    // The first error in words: a failing source is never silent.
    for (const auto& src : sources)
        if (src.state != SourceState::State::ok && !src.error.empty() && x < clock_x - 8) {
            x = g.put(x, r.y, text::truncate(src.error, clock_x - 2 - x), {Role::error}, clock_x - 1);
            break;
        }
    g.put(clock_x, r.y, clock, {Role::dim});
}

CellGrid render(const Picture& p, const ViewState& s, Size size, FrameInfo* info_out) {
    CellGrid g(size);
    FrameInfo info;
    if (size.width < kMinWidth || size.height < kMinHeight) {
        draw_too_small(g, size);
        if (info_out) *info_out = info;
        return g;
    }
    Rect body{0, 1, size.width, size.height - 3};
    draw_header(g, {0, 0, size.width, 1}, p, s);
    const auto* entry = selected_entry(p, s);
    if (s.screen == Screen::overview || !entry) {
        draw_overview(g, body, p, s);
    } else if (!entry->analysis) {
        draw_loading(g, body, *entry);
    } else if (s.screen == Screen::pipeline) {
        draw_pipeline(g, body, *entry->analysis, s, info);
    } else if (s.screen == Screen::timeline) {
        draw_timeline_screen(g, body, *entry->analysis, s, info);
    } else {
        draw_pane(g, body, *entry->analysis, s, info);
    }
    draw_footer(g, {1, size.height - 2, size.width - 2, 1}, s);
    draw_status(g, {0, size.height - 1, size.width, 1}, p, s);
    draw_overlay(g, {0, 0, size.width, size.height}, s, info);
    if (info_out) *info_out = info;
    return g;
}

}  // namespace shipwatch::tui

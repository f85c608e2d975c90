// The overview: one two-line row per pipeline. Line 1: name, the stage diagram, how long in
// this state, and (when wide) the verdict's summary. Line 2: the verdict in words under the
// name, and under each stage the short SHA it carries — so a stage that stopped at an older
// commit stands out in its column.
#include <algorithm>
#include <span>

#include <fmt/format.h>

#include "tui/format.hpp"
#include "tui/picture_query.hpp"
#include "tui/text.hpp"
#include "tui/views.hpp"

namespace shipwatch::tui {
namespace {

constexpr int kWideFrom = 124;  // below this the diagram goes compact and the summary moves down
constexpr int kMiniBelow = 80;  // below this stage names are abbreviated and SHAs leave the row

// The label a stage slot shows: the short label below 80 columns.
std::string_view slot_label(Stage id, bool mini) { return mini ? stage_info(id).short_label : stage_info(id).label; }

int slot_width(Stage id, bool compact, bool mini = false) {
    if (mini) return 1 + std::max(4, text::width(stage_info(id).short_label));
    int label = text::width(stage_info(id).label) + (compact ? 1 : 2);
    return std::max(label, 8);  // a SHA, with "~" when inferred, fits under every stage
}

int sep_width(bool compact) { return compact ? 1 : 3; }

Doc preview_doc(const PipelineAnalysis& a, bool narrow) {
    Doc doc;
    Role vr = role_of(a.diagnosis.verdict.code);
    Line& s = doc.line(a.diagnosis.verdict.summary, vr);
    s.wrap = true;
    for (const auto& f : a.diagnosis.findings) {
        if (f.severity == Severity::info) continue;
        Line& l = doc.line();
        l.add(std::string(glyph(f.severity)) + " ", role_of(f.severity));
        l.add(text::fit(stage_info(f.stage).label, 9), Role::dim);
        l.add(f.message, role_of(f.severity));
    }
    size_t n = 0;
    for (const auto& e : a.timeline) {
        if (++n > 6) break;
        doc.lines.push_back(timeline_line(e, a.snapshot.now, narrow));
    }
    return doc;
}

// Where the overview's columns go at this width.
struct Columns {
    bool compact = false;  // narrower than kWideFrom: compact diagram, summary below
    bool mini = false;  // narrower than kMiniBelow: short labels, no SHA per stage
    int name_w = 0, name_x = 0, diag_x = 0, age_x = 0, age_w = 0, summary_x = 0;
    bool has_summary(Rect r) const { return !mini && r.right() - summary_x > 10; }
};

Columns columns(Rect r, const Picture& p, const std::vector<size_t>& rows) {
    Columns c;
    c.compact = r.width < kWideFrom;
    c.mini = r.width < kMiniBelow;
    int longest = 8;
    for (size_t i : rows) longest = std::max(longest, text::width(p.pipelines[i].name));
    c.name_w = c.mini ? std::min(longest, 13) : c.compact ? std::min(longest, 16) : std::min(longest, 26);
    // Every row lines up under the widest chain's columns.
    const int diag_w = diagram_width(chain(PipelineKind::ecs), c.compact, c.mini);
    c.name_x = r.x + 2;
    c.diag_x = c.name_x + c.name_w + (c.mini ? 1 : 2);
    c.age_x = c.diag_x + diag_w + 1;
    c.age_w = c.mini ? 0 : 6;
    c.summary_x = c.age_x + c.age_w + 1;
    return c;
}

void draw_heads(CellGrid& g, Rect r, const Columns& c) {
    Attr head{Role::dim};
    g.put(c.name_x, r.y, "PIPELINE", head);
    const auto ecs = chain(PipelineKind::ecs);
    const std::string wide = fmt::format("CHAIN  {} ▸ … ▸ {}, the commit each stage carries below",
                                         stage_info(ecs.front()).label, stage_info(ecs.back()).label);
    g.put(c.diag_x, r.y, c.compact ? "CHAIN (sha below)" : wide, head, c.age_x - 1);
    if (!c.mini) g.put(c.age_x, r.y, "FOR", head);
    if (c.has_summary(r)) g.put(c.summary_x, r.y, "WHY", head);
}

// The selected pipeline's summary, findings and latest events, in what the list leaves of the
// screen; shrinks `list_h` by what it takes.
std::vector<Line> detail_lines(const PipelineAnalysis* sel, Rect r, size_t rows, int& list_h) {
    if (!sel) return {};
    int room = list_h - static_cast<int>(rows) * 2 - 1;
    if (room < 2) return {};
    auto detail = layout(preview_doc(*sel, r.width < 100), r.width - 3);
    if (static_cast<int>(detail.size()) > room) detail.resize(room);
    list_h -= static_cast<int>(detail.size()) + 1;
    return detail;
}

// Scroll so the selection stays visible, centred when the list is longer than the screen.
int first_row(size_t sel, size_t rows, int per_page) {
    if (static_cast<int>(rows) <= per_page) return 0;
    return std::clamp(static_cast<int>(sel) - per_page / 2, 0, static_cast<int>(rows) - per_page);
}

void draw_loading_row(CellGrid& g, Rect r, const Columns& c, const Picture::Entry& e, int y) {
    g.put(r.x, y, "▌", {Role::unknown});
    g.put(c.name_x, y, text::truncate(e.name, c.name_w), {Role::unknown});
    g.put(c.diag_x, y, "loading…", {Role::unknown});
    g.put(c.name_x, y + 1, "not fetched yet", {Role::unknown});
}

// Line 2 under the diagram: the SHA each stage carries, or when mini, the commit wanted and the
// one traffic gets.
void draw_shas(CellGrid& g, Rect r, const Columns& c, const Diagnosis& d, const std::vector<const StageReport*>& stages,
               const std::vector<StageSlot>& slots, const std::string& age_text, int y) {
    if (c.mini) {
        const StageReport* last = stages.empty() ? nullptr : stages.back();
        std::string shas = (d.target_sha.empty() ? "-------" : d.target_sha.substr(0, 7)) + " → " +
                           (last ? short_sha(last->revision) : "?") + "  for " + age_text;
        g.put(c.diag_x, y + 1, shas, {last ? role_of(last->health) : Role::unknown}, r.right());
        return;
    }
    for (size_t k = 0; k < slots.size() && k < stages.size(); ++k) {
        const StageReport* st = stages[k];
        std::string sha = st ? short_sha(st->revision) : "?";
        g.put(slots[k].x, y + 1, text::truncate(sha, slots[k].width), {st ? role_of(st->health) : Role::unknown});
    }
}

// Wide: the summary beside the diagram, over both lines.
void draw_summary(CellGrid& g, Rect r, const Columns& c, const std::string& summary, Attr vr, int y) {
    const int w = r.right() - c.summary_x - 1;
    auto lines = text::wrap(summary, w);
    for (size_t k = 0; k < lines.size() && k < 2; ++k) {
        std::string t = lines[k];
        if (k == 1 && lines.size() > 2) t = text::truncate(t + " " + lines[2], w);
        g.put(c.summary_x, y + static_cast<int>(k), t, vr, r.right());
    }
}

void draw_row(CellGrid& g, Rect r, const Columns& c, const Picture::Entry& e, int y) {
    const auto& a = *e.analysis;
    const auto& d = a.diagnosis;
    Attr vr{role_of(d.verdict.code)};
    auto ids = stages_of(e);
    std::vector<const StageReport*> stages;
    for (Stage id : ids) stages.push_back(stage_report(a, id));

    g.put(r.x, y, "▌", vr);
    g.put(r.x, y + 1, "▌", vr);
    g.put(c.name_x, y, text::truncate(e.name, c.name_w), Attr{vr.role, false, true});
    auto slots = draw_diagram(g, c.diag_x, y, stages, ids, c.compact, c.age_x, c.mini);
    auto age = verdict_age(a);
    std::string age_text = age ? format_duration(*age) : "";
    if (e.refreshing) age_text += " ↻";
    if (!c.mini) g.put(c.age_x, y, text::fit(age_text, c.age_w), vr);

    g.put(c.name_x, y + 1, text::truncate(verdict_words(d.verdict.code), c.name_w), vr);
    draw_shas(g, r, c, d, stages, slots, age_text, y);
    if (c.has_summary(r)) draw_summary(g, r, c, d.verdict.summary, vr, y);
}

// The selection bar covers the name and the verdict words: reversing the whole row would turn
// every stage colour into a background and the diagram would no longer read.
void draw_selection(CellGrid& g, Rect r, const Columns& c, int y) {
    g.put(r.x, y, "▶", {Role::accent, false, true});
    g.put(r.x, y + 1, "▶", {Role::accent, false, true});
    g.set_reverse({c.name_x - 1, y, c.name_w + 2, 2}, true);
}

// Rows above and below the window, counted in the column-head line.
void draw_scroll_count(CellGrid& g, Rect r, size_t sel, size_t rows, int first, int per_page) {
    int below = std::max(0, static_cast<int>(rows) - first - per_page);
    if (first == 0 && below == 0) return;
    std::string more = fmt::format("{}/{} ↑{} ↓{}", sel + 1, rows, first, below);
    g.put(r.right() - text::width(more) - 1, r.y, more, {Role::dim});
}

// Right under the list, so the eye moves from the row to its explanation.
void draw_detail(CellGrid& g, Rect r, const std::string& name, const std::vector<Line>& detail, int used) {
    int dy = r.y + 1 + used + 1;
    g.put(r.x, dy - 1, "── " + name + " ", {Role::dim}, r.right());
    for (int x = r.x + 4 + text::width(name); x < r.right(); ++x) g.put(x, dy - 1, "─", {Role::dim});
    draw_lines(g, {r.x + 2, dy, r.width - 3, static_cast<int>(detail.size())}, detail, 0);
}

}  // namespace

int diagram_width(std::span<const Stage> ids, bool compact, bool mini) {
    int w = 0;
    for (size_t i = 0; i < ids.size(); ++i) w += slot_width(ids[i], compact, mini) + (i ? sep_width(compact) : 0);
    return w;
}

std::vector<StageSlot> draw_diagram(CellGrid& g, int x, int y, const std::vector<const StageReport*>& stages,
                                    std::span<const Stage> ids, bool compact, int max_x, bool mini) {
    std::vector<StageSlot> slots;
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i) x = g.put(x, y, compact ? "▸" : " ▸ ", {Role::dim}, max_x);
        const StageReport* st = i < stages.size() ? stages[i] : nullptr;
        Health h = st ? st->health : Health::unknown;
        Attr a{role_of(h)};
        int w = slot_width(ids[i], compact, mini);
        std::string label = std::string(glyph(h)) + (compact ? "" : " ") + std::string(slot_label(ids[i], mini));
        g.put(x, y, text::fit(label, w), a, max_x);
        slots.push_back({x, w});
        x += w;
    }
    return slots;
}

void draw_overview(CellGrid& g, Rect r, const Picture& p, const ViewState& s) {
    auto rows = overview_rows(p, s);
    const Columns c = columns(r, p, rows);
    draw_heads(g, r, c);
    if (rows.empty()) {
        g.put(c.name_x, r.y + 2,
              p.pipelines.empty() ? "no pipelines configured" : "no pipeline matches the filter '" + s.filter + "' (Esc clears)",
              {Role::dim});
        return;
    }
    const size_t sel = selected_row(p, rows, s);
    int list_h = r.height - 1;
    auto detail = detail_lines(p.pipelines[rows[sel]].analysis.get(), r, rows.size(), list_h);
    const int per_page = std::max(1, list_h / 2);
    const int first = first_row(sel, rows.size(), per_page);

    int y = r.y + 1;
    for (int i = first; i < static_cast<int>(rows.size()) && y + 1 <= r.y + list_h; ++i, y += 2) {
        const auto& e = p.pipelines[rows[i]];
        if (e.analysis) draw_row(g, r, c, e, y);
        else draw_loading_row(g, r, c, e, y);
        if (static_cast<size_t>(i) == sel) draw_selection(g, r, c, y);
    }
    draw_scroll_count(g, r, sel, rows.size(), first, per_page);
    const int used = std::min(static_cast<int>(rows.size()) - first, per_page) * 2;
    if (!detail.empty()) draw_detail(g, r, p.pipelines[rows[sel]].name, detail, used);
}

void draw_loading(CellGrid& g, Rect r, const Picture::Entry& e) {
    g.put(r.x + 2, r.y + 1, e.name, {Role::unknown, false, true});
    g.put(r.x + 2, r.y + 3, "loading… the first refresh of this pipeline has not finished yet", {Role::unknown});
}

}  // namespace shipwatch::tui

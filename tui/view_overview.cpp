// The overview: one two-line row per pipeline. Line 1: name, the stage diagram, how long in
// this state, and (when wide) the verdict's summary. Line 2: the verdict in words under the
// name, and under each stage the short SHA it carries — so a stage that stopped at an older
// commit stands out in its column.
#include <algorithm>

#include <fmt/format.h>

#include "tui/format.hpp"
#include "tui/picture_query.hpp"
#include "tui/text.hpp"
#include "tui/views.hpp"

namespace shipwatch::tui {
namespace {

constexpr int kWideFrom = 124;  // below this the diagram goes compact and the summary moves down
constexpr int kMiniBelow = 80;  // below this stage names are abbreviated and SHAs leave the row

// Stage names short enough for a 60-column terminal.
std::string mini_label(const std::string& id) {
    if (id == "taskdef") return "tdef";
    if (id == "instances") return "inst";
    return id;
}

int slot_width(const std::string& id, bool compact, bool mini = false) {
    if (mini) return 1 + std::max(4, text::width(mini_label(id)));
    int label = text::width(id) + (compact ? 1 : 2);
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
        l.add(text::fit(f.stage, 9), Role::dim);
        l.add(f.message, role_of(f.severity));
    }
    size_t n = 0;
    for (const auto& e : a.timeline) {
        if (++n > 6) break;
        doc.lines.push_back(timeline_line(e, a.snapshot.now, narrow));
    }
    return doc;
}

}  // namespace

int diagram_width(const std::vector<std::string>& ids, bool compact, bool mini) {
    int w = 0;
    for (size_t i = 0; i < ids.size(); ++i) w += slot_width(ids[i], compact, mini) + (i ? sep_width(compact) : 0);
    return w;
}

std::vector<StageSlot> draw_diagram(CellGrid& g, int x, int y, const std::vector<const StageReport*>& stages,
                                    const std::vector<std::string>& ids, bool compact, int max_x, bool mini) {
    std::vector<StageSlot> slots;
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i) x = g.put(x, y, compact ? "▸" : " ▸ ", {Role::dim}, max_x);
        const StageReport* st = i < stages.size() ? stages[i] : nullptr;
        Health h = st ? st->health : Health::unknown;
        Attr a{role_of(h)};
        int w = slot_width(ids[i], compact, mini);
        std::string label = std::string(glyph(h)) + (compact ? "" : " ") + (mini ? mini_label(ids[i]) : ids[i]);
        g.put(x, y, text::fit(label, w), a, max_x);
        slots.push_back({x, w});
        x += w;
    }
    return slots;
}

void draw_overview(CellGrid& g, Rect r, const Picture& p, const ViewState& s) {
    auto rows = overview_rows(p, s);
    const bool compact = r.width < kWideFrom;
    const bool mini = r.width < kMiniBelow;
    int longest = 8;
    for (size_t i : rows) longest = std::max(longest, text::width(p.pipelines[i].name));
    const int name_w = mini ? std::min(longest, 13) : compact ? std::min(longest, 16) : std::min(longest, 26);
    const int diag_w = diagram_width(stage_ids(PipelineKind::ecs), compact, mini);
    const int name_x = r.x + 2, diag_x = name_x + name_w + (mini ? 1 : 2), age_x = diag_x + diag_w + 1;
    const int age_w = mini ? 0 : 6;
    const int summary_x = age_x + age_w + 1;

    // Column heads.
    Attr head{Role::dim};
    g.put(name_x, r.y, "PIPELINE", head);
    g.put(diag_x, r.y, compact ? "CHAIN (sha below)" : "CHAIN  push ▸ … ▸ alb, the commit each stage carries below", head, age_x - 1);
    if (!mini) g.put(age_x, r.y, "FOR", head);
    if (!mini && r.right() - summary_x > 10) g.put(summary_x, r.y, "WHY", head);

    if (rows.empty()) {
        g.put(name_x, r.y + 2, p.pipelines.empty() ? "no pipelines configured" : "no pipeline matches the filter '" + s.filter + "' (Esc clears)", {Role::dim});
        return;
    }

    // The selected pipeline's summary in full, below the list, when there is room for it.
    const size_t sel = selected_row(p, rows, s);
    const auto* sel_a = p.pipelines[rows[sel]].analysis.get();
    // The selected pipeline's summary, findings and latest events fill what the list leaves.
    std::vector<Line> detail;
    int list_h = r.height - 1;
    if (sel_a) {
        int room = list_h - static_cast<int>(rows.size()) * 2 - 1;
        if (room >= 2) {
            detail = layout(preview_doc(*sel_a, r.width < 100), r.width - 3);
            if (static_cast<int>(detail.size()) > room) detail.resize(room);
            list_h -= static_cast<int>(detail.size()) + 1;
        }
    }

    // Scroll so the selection stays visible, centred when the list is longer than the screen.
    const int per_page = std::max(1, list_h / 2);
    int first = 0;
    if (static_cast<int>(rows.size()) > per_page)
        first = std::clamp(static_cast<int>(sel) - per_page / 2, 0, static_cast<int>(rows.size()) - per_page);

    int y = r.y + 1;
    for (int i = first; i < static_cast<int>(rows.size()) && y + 1 <= r.y + list_h; ++i, y += 2) {
        const auto& e = p.pipelines[rows[i]];
        const bool selected = static_cast<size_t>(i) == sel;
        if (!e.analysis) {
            g.put(r.x, y, "▌", {Role::unknown});
            g.put(name_x, y, text::truncate(e.name, name_w), {Role::unknown});
            g.put(diag_x, y, "loading…", {Role::unknown});
            g.put(name_x, y + 1, "not fetched yet", {Role::unknown});
        } else {
            const auto& a = *e.analysis;
            const auto& d = a.diagnosis;
            Attr vr{role_of(d.verdict.code)};
            auto ids = stages_of(e);
            std::vector<const StageReport*> stages;
            for (const auto& id : ids) stages.push_back(stage_report(a, id));

            g.put(r.x, y, "▌", vr);
            g.put(r.x, y + 1, "▌", vr);
            g.put(name_x, y, text::truncate(e.name, name_w), Attr{vr.role, false, true});
            auto slots = draw_diagram(g, diag_x, y, stages, ids, compact, age_x, mini);
            auto age = verdict_age(a);
            std::string age_text = age ? format_duration(*age) : "";
            if (e.refreshing) age_text += " ↻";
            if (!mini) g.put(age_x, y, text::fit(age_text, age_w), vr);

            g.put(name_x, y + 1, text::truncate(verdict_words(d.verdict.code), name_w), vr);
            if (mini) {
                // No room for a SHA per stage: the commit wanted, and the one traffic gets.
                const StageReport* last = stages.empty() ? nullptr : stages.back();
                std::string shas = (d.target_sha.empty() ? "-------" : d.target_sha.substr(0, 7)) + " → " +
                                   (last ? short_sha(last->revision) : "?") + "  for " + age_text;
                g.put(diag_x, y + 1, shas, {last ? role_of(last->health) : Role::unknown}, r.right());
            }
            for (size_t k = 0; !mini && k < slots.size() && k < stages.size(); ++k) {
                const StageReport* st = stages[k];
                std::string sha = st ? short_sha(st->revision) : "?";
                g.put(slots[k].x, y + 1, text::truncate(sha, slots[k].width), {st ? role_of(st->health) : Role::unknown});
            }
            if (!mini && r.right() - summary_x > 10) {
                // Wide: the summary beside the diagram, over both lines.
                auto lines = text::wrap(d.verdict.summary, r.right() - summary_x - 1);
                for (size_t k = 0; k < lines.size() && k < 2; ++k) {
                    std::string t = lines[k];
                    if (k == 1 && lines.size() > 2) t = text::truncate(t + " " + lines[2], r.right() - summary_x - 1);
                    g.put(summary_x, y + static_cast<int>(k), t, vr, r.right());
                }
            }
        }
        // The selection bar covers the name and the verdict words: reversing the whole row would
        // turn every stage colour into a background and the diagram would no longer read.
        if (selected) {
            g.put(r.x, y, "▶", {Role::accent, false, true});
            g.put(r.x, y + 1, "▶", {Role::accent, false, true});
            g.set_reverse({name_x - 1, y, name_w + 2, 2}, true);
        }
    }
    // Rows above and below the window, counted in the column-head line.
    int below = std::max(0, static_cast<int>(rows.size()) - first - per_page);
    if (first > 0 || below > 0) {
        std::string more = fmt::format("{}/{} ↑{} ↓{}", sel + 1, rows.size(), first, below);
        g.put(r.right() - text::width(more) - 1, r.y, more, {Role::dim});
    }

    if (!detail.empty()) {
        // Right under the list, so the eye moves from the row to its explanation.
        int used = std::min(static_cast<int>(rows.size()) - first, per_page) * 2;
        int dy = r.y + 1 + used + 1;
        const auto& name = p.pipelines[rows[sel]].name;
        g.put(r.x, dy - 1, "── " + name + " ", {Role::dim}, r.right());
        for (int x = r.x + 4 + text::width(name); x < r.right(); ++x) g.put(x, dy - 1, "─", {Role::dim});
        draw_lines(g, {r.x + 2, dy, r.width - 3, static_cast<int>(detail.size())}, detail, 0);
    }
}

void draw_loading(CellGrid& g, Rect r, const Picture::Entry& e) {
    g.put(r.x + 2, r.y + 1, e.name, {Role::unknown, false, true});
    g.put(r.x + 2, r.y + 3, "loading… the first refresh of this pipeline has not finished yet", {Role::unknown});
}

}  // namespace shipwatch::tui

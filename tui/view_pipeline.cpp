// The pipeline view: the verdict, a box per stage (revision, since when, health, one line of
// summary), then the findings and the merged timeline, newest first. Tab moves the scrolling
// focus between the two lists; ←/→ pick a stage, Enter opens its pane.
#include <algorithm>

#include <fmt/format.h>

#include "tui/format.hpp"
#include "tui/parts.hpp"
#include "tui/picture_query.hpp"
#include "tui/text.hpp"
#include "tui/views.hpp"

namespace shipwatch::tui {
namespace {

// The third line of a stage box: since when the stage carries its revision; for a stage that is
// unknown because its data failed to fetch, how long it has been failing and how old the data
// it still shows is.
std::string box_age(const StageReport& st, const PipelineSnapshot& snap, TimePoint now) {
    std::optional<TimePoint> failing_since;
    std::optional<TimePoint> last_ok;
    bool any_value = false;
    auto parts = parts_of(snap);
    for (Part part : stage_info(st.id).parts) {
        const PartStatus& p = status_of(parts, part);
        if (!p.configured || !p.error) continue;
        if (!failing_since || p.error->time < *failing_since) failing_since = p.error->time;
        any_value = any_value || p.has_value;
        if (p.fetched_at && (!last_ok || *p.fetched_at < *last_ok)) last_ok = p.fetched_at;
    }
    if (failing_since && st.health == Health::unknown) {
        std::string data = any_value && last_ok ? "data " + format_duration(now - *last_ok) + " old" : "no data";
        return fmt::format("✖ failing {} · {}", format_duration(now - *failing_since), data);
    }
    return st.since ? ago(*st.since, now) : "—";
}

void draw_stage_box(CellGrid& g, Rect r, int number, const StageReport& st, const PipelineSnapshot& snap,
                    TimePoint now, bool selected) {
    Attr border{selected ? Role::accent : Role::dim, false, selected};
    Attr hr{role_of(st.health)};
    g.box(r, border);
    std::string title = fmt::format(" {} {} ", number, stage_info(st.id).label);
    g.put(r.x + 1, r.y, text::truncate(title, r.width - 2), Attr{hr.role, selected, true}, r.right() - 1);
    int x = r.x + 1, w = r.width - 2, y = r.y + 1;
    int inner_bottom = r.bottom() - 1;
    auto line = [&](const std::string& t, Attr a) {
        if (y < inner_bottom) g.put(x, y++, text::truncate(t, w), a, x + w);
    };
    line(std::string(glyph(st.health)) + " " + std::string(to_string(st.health)), hr);
    line(short_sha(st.revision), {st.revision.known() ? Role::normal : Role::unknown, false, true});
    std::string age = box_age(st, snap, now);
    line(age, {age.rfind("✖", 0) == 0 ? Role::error : Role::dim});
    for (const auto& l : text::wrap(st.summary, w)) line(l, {Role::normal});
}

// The newest commit's subject as the push stage's evidence shows it; the short SHA without one.
std::string commit_subject(const Diagnosis& d) {
    std::string subject;
    for (const auto& st : d.stages)
        if (st.id == Stage::push && !st.evidence.empty()) subject = st.evidence.front().value;
    return subject.empty() ? d.target_sha.substr(0, 7) : subject;
}

// The first next step of a verdict that is not live, on one line: the pane of the verdict's
// stage lists them all, and `c` copies their commands.
int draw_next_step(CellGrid& g, Rect r, int y, const PipelineAnalysis& a) {
    if (a.diagnosis.verdict.code == VerdictCode::live || a.next_steps.empty()) return y;
    const NextStep& n = a.next_steps.front();
    int x = g.put(r.x + 1, y, fmt::format("{} ▸ ", to_string(n.kind)), {Role::accent, false, true});
    g.put(x, y, text::truncate(n.command.empty() ? n.why : n.command, r.right() - x - 1), {Role::normal}, r.right());
    return y + 1;
}

// The verdict line (words, how long, the newest commit) and up to two lines of its summary.
// Returns the row below them.
int draw_verdict(CellGrid& g, Rect r, const PipelineAnalysis& a) {
    const auto& d = a.diagnosis;
    Role vr = role_of(d.verdict.code);
    int y = r.y;
    int x = g.put(r.x + 1, y, verdict_words(d.verdict.code), {vr, false, true});
    if (auto age = verdict_age(a)) x = g.put(x, y, " for " + format_duration(*age), {vr});
    if (!d.target_sha.empty()) g.put(x + 2, y, "newest commit " + commit_subject(d), {Role::dim}, r.right());
    ++y;
    auto summary = text::wrap(d.verdict.summary, r.width - 2);
    for (size_t i = 0; i < summary.size() && i < 2; ++i) {
        std::string t = summary[i];
        if (i == 1 && summary.size() > 2) t = text::truncate(t + " " + summary[2], r.width - 2);
        g.put(r.x + 1, y++, t, {vr});
    }
    return draw_next_step(g, r, y, a);
}

// A box per stage from row y, joined by arrows, the last taking the leftover columns; none when
// they do not fit. Returns the row below them.
int draw_stage_boxes(CellGrid& g, Rect r, int y, const PipelineAnalysis& a, int selected) {
    const auto& stages = a.diagnosis.stages;
    const int n = static_cast<int>(stages.size());
    const int box_h = r.height >= 30 ? 8 : 7;
    if (n == 0 || y + box_h >= r.bottom()) return y;
    const int gap = 1;
    const int bw = std::max(6, (r.width - gap * (n - 1)) / n);
    int bx = r.x;
    for (int i = 0; i < n; ++i) {
        if (i) {
            g.put(bx, y + box_h / 2, "▸", {Role::dim});
            bx += gap;
        }
        int w = i == n - 1 ? r.right() - bx : bw;
        draw_stage_box(g, {bx, y, w, box_h}, i + 1, stages[i], a.snapshot, a.snapshot.now,
                       i == std::clamp(selected, 0, n - 1));
        bx += w;
    }
    return y + box_h;
}

void draw_list_heading(CellGrid& g, int x, int y, const std::string& title, bool focused) {
    g.put(x, y, " " + title + " ", Attr{Role::title, focused, true});
    if (focused) g.put(x + text::width(title) + 3, y, "(Tab switches, j/k scroll)", {Role::dim});
}

// The lists scroll only while focused; the focused one reports how far it can scroll.
void draw_findings(CellGrid& g, Rect r, const Diagnosis& d, int scroll, bool focused, int& max_scroll) {
    Doc doc;
    for (const auto& f : d.findings) {
        Line& l = doc.line();
        l.wrap = true;
        l.indent = 12;
        l.add(std::string(glyph(f.severity)) + " ", role_of(f.severity));
        l.add(text::fit(stage_info(f.stage).label, 9), Role::dim);
        l.add(" " + f.message, f.severity == Severity::info ? Role::normal : role_of(f.severity));
    }
    if (doc.lines.empty()) doc.line("no findings", Role::dim);
    auto lines = layout(doc, r.width);
    int ms = draw_lines(g, r, lines, focused ? scroll : 0);
    if (focused) max_scroll = ms;
}

void draw_timeline_list(CellGrid& g, Rect r, const PipelineAnalysis& a, bool narrow, int scroll, bool focused,
                        int& max_scroll) {
    Doc doc;
    for (const auto& e : a.timeline) doc.lines.push_back(timeline_line(e, a.snapshot.now, narrow));
    auto lines = layout(doc, r.width);
    int ms = draw_lines(g, r, lines, focused ? scroll : 0);
    if (focused) max_scroll = ms;
}

// Findings, then the timeline, in the rows from y down; the findings get about a third.
void draw_lists(CellGrid& g, Rect r, int y, const PipelineAnalysis& a, const ViewState& s, FrameInfo& info) {
    const auto& d = a.diagnosis;
    int rest = r.bottom() - y;
    if (rest < 4) return;
    int fcount = std::max<int>(1, static_cast<int>(d.findings.size()));
    int fh = std::min(fcount + 1, std::max(3, rest / 3));
    if (rest - fh < 3) fh = rest / 2;
    bool ffocus = s.focus == Focus::findings;
    draw_list_heading(g, r.x, y, fmt::format("Findings ({})", d.findings.size()), ffocus);
    draw_findings(g, {r.x + 1, y + 1, r.width - 1, fh - 1}, d, s.scroll, ffocus, info.max_scroll);
    y += fh;
    draw_list_heading(g, r.x, y, fmt::format("Timeline ({}) newest first", a.timeline.size()), !ffocus);
    draw_timeline_list(g, {r.x + 1, y + 1, r.width - 1, r.bottom() - y - 1}, a, r.width < 100, s.scroll, !ffocus,
                       info.max_scroll);
}

}  // namespace

Line timeline_line(const TimelineEntry& e, TimePoint now, bool narrow) {
    Line l;
    l.add(narrow ? stamp(e.time).substr(6) : stamp(e.time), Role::dim);
    l.add(" " + text::fit(ago(e.time, now), 9, true) + " ", Role::dim);
    l.add(text::fit(kind_label(e.kind), 8), role_of(e.kind));
    if (!narrow) l.add(text::fit(stage_info(e.stage).label, 9), Role::dim);
    Role tr = e.severity == Severity::info ? Role::normal : role_of(e.severity);
    l.add(e.text, tr);
    return l;
}

void draw_pipeline(CellGrid& g, Rect r, const PipelineAnalysis& a, const ViewState& s, FrameInfo& info) {
    int y = draw_verdict(g, r, a);
    y = draw_stage_boxes(g, r, y, a, s.stage);
    draw_lists(g, r, y, a, s, info);
}

void draw_timeline_screen(CellGrid& g, Rect r, const PipelineAnalysis& a, const ViewState& s, FrameInfo& info) {
    const TimePoint now = a.snapshot.now;
    Doc doc;
    bool narrow = r.width < 100;
    size_t shown = 0;
    for (const auto& e : a.timeline) {
        if (!s.filter.empty() && !text::contains_ci(e.text, s.filter) && !text::contains_ci(stage_info(e.stage).label, s.filter) &&
            !text::contains_ci(kind_label(e.kind), s.filter))
            continue;
        Line l = timeline_line(e, now, narrow);
        l.wrap = true;
        l.indent = narrow ? 28 : 44;
        doc.lines.push_back(std::move(l));
        ++shown;
    }
    std::string title = fmt::format(" Timeline of {} — {} of {} events, newest first, times UTC ", a.diagnosis.pipeline, shown, a.timeline.size());
    if (!s.filter.empty()) title += "· filter '" + s.filter + "' ";
    g.put(r.x, r.y, text::truncate(title, r.width), Attr{Role::title, false, true});
    if (doc.lines.empty()) doc.line("no events match", Role::dim);
    info.max_scroll = draw_lines(g, {r.x + 1, r.y + 1, r.width - 1, r.height - 1}, layout(doc, r.width - 1), s.scroll);
}

}  // namespace shipwatch::tui

// The frame every drill-down pane shares: a tab per stage, the age and errors of the
// data the pane is built from, the stage's verdict, the pane's own content, and the
// diagnosis' evidence and findings for the stage with their values and times.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "tui/format.hpp"
#include "tui/panes.hpp"
#include "tui/parts.hpp"
#include "tui/picture_query.hpp"
#include "tui/text.hpp"
#include "tui/views.hpp"

namespace shipwatch::tui {
namespace {

// The pane of each stage, one row per Stage in enum order (checked below).
struct PaneRow {
    Stage stage;
    void (*draw)(Doc&, const PaneContext&);
};
constexpr std::array<PaneRow, kStageCount> kPanes{{
    {Stage::push, pane_push},
    {Stage::build, pane_build},
    {Stage::image, pane_image},
    {Stage::taskdef, pane_taskdef},
    {Stage::tasks, pane_tasks},
    {Stage::instances, pane_instances},
    {Stage::alb, pane_alb},
}};
static_assert(rows_in_enum_order(kPanes, [](const PaneRow& r) { return r.stage; }));

void data_age(Doc& doc, const PipelineAnalysis& a, Stage stage, Duration picture_age) {
    Line& l = doc.line();
    l.wrap = true;
    l.indent = 6;
    l.add("data  ", Role::dim);
    auto parts = parts_of(a.snapshot);
    std::vector<const PartStatus*> errors;
    bool first = true;
    for (Part part : stage_info(stage).parts) {
        const PartStatus& p = status_of(parts, part);
        if (!p.configured) continue;
        const std::string name(to_string(part));
        if (!first) l.add(" · ", Role::dim);
        first = false;
        if (p.error) {
            l.add("✖ " + name, Role::error);
            errors.push_back(&p);
        } else if (p.fetched_at) {
            l.add(name + " " + format_duration(a.snapshot.now - *p.fetched_at + picture_age) + " ago", Role::dim);
        } else {
            l.add(name + " never fetched", Role::unknown);
        }
    }
    if (first) l.add("no source configured for this stage", Role::unknown);
    // A failing source is the first thing to know about a pane: its data may be old.
    for (const auto* p : errors) {
        std::string last = p->has_value && p->fetched_at ? " — showing data from " + format_duration(a.snapshot.now - *p->fetched_at) + " ago"
                                                         : " — no data";
        wrapped(doc, "✖ ", describe(*p->error) + last, Role::error, 2);
    }
}

Role role_of(StepKind k) { return k == StepKind::fix ? Role::warning : Role::accent; }

// Where the verdict is explained: the commands that confirm it, then those that would fix it,
// each under its reason, with the console page below when there is room (below 100 columns the
// pane's own data needs the rows; `y` has the pages). Commands wrap rather than being cut, so
// what is read is all of what would be copied.
void next_steps_block(Doc& doc, const PipelineAnalysis& a, int width) {
    constexpr int kIndent = 11;
    doc.heading(fmt::format("Next steps ({}) — shipwatch runs none; c copies a command", a.next_steps.size()));
    for (const auto& n : a.next_steps) {
        Line& l = doc.line();
        l.wrap = true;
        l.indent = kIndent;
        l.add("  " + text::fit(to_string(n.kind), kIndent - 2), Attr{role_of(n.kind), false, true});
        l.add(n.why, Role::normal);
        for (const std::string* s : {&n.command, &n.console_url}) {
            if (s->empty() || (s == &n.console_url && width < 100)) continue;
            Line& c = doc.line();
            c.wrap = true;
            c.indent = kIndent;
            c.add(std::string(kIndent, ' ') + *s, s == &n.command ? Attr{Role::normal, false, true} : Attr{Role::dim});
        }
    }
    doc.blank();
}

}  // namespace

Line& kv(Doc& doc, const std::string& label, const std::string& value, Role role, int label_width) {
    Line& l = doc.line();
    l.wrap = true;
    l.indent = label_width + 2;
    l.add("  " + text::fit(label, label_width), Role::dim);
    l.add(value, role);
    return l;
}

Line& wrapped(Doc& doc, const std::string& prefix, const std::string& message, Role role, int indent) {
    Line& l = doc.line();
    l.wrap = true;
    l.indent = indent;
    l.add(prefix + message, role);
    return l;
}

std::string digest_with_revision(const PipelineAnalysis& a, const std::string& digest) {
    if (digest.empty()) return "(no digest)";
    RevisionIndex idx{a.snapshot.commits.get(), a.snapshot.builds.get(), a.snapshot.images.get()};
    std::string out = text::short_digest(digest);
    if (const Image* img = idx.find_digest(digest)) {
        Revision r = idx.of_image(*img);
        if (r.known()) out += " (" + short_sha(r) + ")";
    }
    return out;
}

void draw_pane(CellGrid& g, Rect r, const PipelineAnalysis& a, const ViewState& s, FrameInfo& info) {
    const auto& stages = a.diagnosis.stages;
    if (stages.empty()) return;
    const int sel = std::clamp(s.stage, 0, static_cast<int>(stages.size()) - 1);
    const StageReport& st = stages[sel];

    // Tabs: one per stage, the open one reversed.
    int x = r.x;
    for (int i = 0; i < static_cast<int>(stages.size()); ++i) {
        std::string t = fmt::format(" {} {} {} ", i + 1, glyph(stages[i].health), stage_info(stages[i].id).label);
        x = g.put(x, r.y, t, Attr{role_of(stages[i].health), i == sel, i == sel}, r.right());
        if (x < r.right()) x = g.put(x, r.y, "│", {Role::dim});
    }

    Doc doc;
    data_age(doc, a, st.id, s.picture_age);
    {
        Line& l = doc.line();
        l.wrap = true;
        l.indent = 2;
        l.add(std::string(glyph(st.health)) + " " + std::string(to_string(st.health)), Attr{role_of(st.health), false, true});
        l.add("  " + short_sha(st.revision), Attr{Role::normal, false, true});
        if (st.since) l.add("  since " + stamp(*st.since) + " (" + ago(*st.since, a.snapshot.now) + ")", Role::dim);
        l.add("  " + st.summary, Role::normal);
        if (!st.revision.note.empty()) kv(doc, "traced by", st.revision.note, Role::dim);
    }
    doc.blank();
    if (a.diagnosis.verdict.stage == st.id && !a.next_steps.empty()) next_steps_block(doc, a, r.width);
    PaneContext c{a, st, a.snapshot.now, r.width};
    kPanes[static_cast<size_t>(st.id)].draw(doc, c);

    doc.blank();
    doc.heading(fmt::format("Evidence ({})", st.evidence.size()));
    int label_w = 12;  // as wide as the longest label, within reason, so values line up
    for (const auto& e : st.evidence) label_w = std::max(label_w, std::min(34, text::width(e.label)));
    for (const auto& e : st.evidence) {
        Line& l = kv(doc, e.label, e.value, Role::normal, label_w + 2);
        if (e.time) l.add("  " + stamp(*e.time) + " · " + ago(*e.time, a.snapshot.now), Role::dim);
    }
    std::vector<const Finding*> findings;
    for (const auto& f : a.diagnosis.findings)
        if (f.stage == st.id) findings.push_back(&f);
    if (!findings.empty()) {
        doc.blank();
        doc.heading(fmt::format("Findings ({})", findings.size()));
        for (const auto* f : findings) {
            wrapped(doc, std::string(glyph(f->severity)) + " ", f->message, f->severity == Severity::info ? Role::normal : role_of(f->severity), 4);
            for (const auto& e : f->evidence) kv(doc, "  " + e.label, e.value, Role::dim, 22);
        }
    }
    info.max_scroll = draw_lines(g, {r.x + 1, r.y + 1, r.width - 1, r.height - 1}, layout(doc, r.width - 1), s.scroll);
}

}  // namespace shipwatch::tui

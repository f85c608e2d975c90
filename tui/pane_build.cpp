// Build pane: CI runs newest first, then the steps (GitHub Actions) or phases (CodeBuild) of
// the run for the newest commit (or the newest run), with the failed one and its context.
#include <fmt/format.h>

#include "tui/format.hpp"
#include "tui/panes.hpp"
#include "tui/text.hpp"

namespace shipwatch::tui {
namespace {

std::string outcome(CiStatus s, CiConclusion c) {
    if (s == CiStatus::queued) return "queued";
    if (s == CiStatus::in_progress) return "running";
    switch (c) {
        case CiConclusion::success: return "succeeded";
        case CiConclusion::failure: return "failed";
        case CiConclusion::cancelled: return "cancelled";
        case CiConclusion::timed_out: return "timed out";
        case CiConclusion::skipped: return "skipped";
        default: return "completed";
    }
}

Role outcome_role(CiStatus s, CiConclusion c) {
    if (s != CiStatus::completed) return Role::progressing;
    if (c == CiConclusion::success) return Role::ok;
    if (c == CiConclusion::skipped || c == CiConclusion::none) return Role::dim;
    return Role::failed;
}

std::string_view outcome_glyph(CiStatus s, CiConclusion c) {
    if (s != CiStatus::completed) return "↻";
    if (c == CiConclusion::success) return "✔";
    if (c == CiConclusion::skipped || c == CiConclusion::none) return "·";
    return "✖";
}

}  // namespace

void pane_build(Doc& doc, const PaneContext& c) {
    const auto* builds = c.a.snapshot.builds.get();
    const auto& spec = c.a.snapshot.spec;
    kv(doc, "ci", spec.codebuild_project.empty() ? "GitHub Actions workflow " + (spec.workflow.empty() ? "(any)" : spec.workflow)
                                                 : "CodeBuild project " + spec.codebuild_project);
    if (!builds || builds->empty()) {
        doc.line("  no builds fetched", Role::unknown);
        return;
    }
    // The run that matters: the newest for the target commit, else the newest of all.
    const CiRun* focus = &builds->front();
    for (const auto& b : *builds)
        if (b.sha == c.a.diagnosis.target_sha) {
            focus = &b;
            break;
        }

    doc.blank();
    doc.heading("Runs, newest first");
    size_t n = 0;
    for (const auto& b : *builds) {
        if (++n > 12) break;
        Line& l = doc.line();
        l.add(&b == focus ? "▶ " : "  ", Role::accent);
        l.add(std::string(outcome_glyph(b.status, b.conclusion)) + " " + text::fit(outcome(b.status, b.conclusion), 10), outcome_role(b.status, b.conclusion));
        l.add(fmt::format("#{:<5}", b.number), Role::normal);
        l.add(b.sha.substr(0, 7) + " ", Attr{b.sha == c.a.diagnosis.target_sha ? Role::accent : Role::normal});
        l.add(stamp(b.started), Role::dim);
        if (b.finished) l.add("–" + stamp(*b.finished).substr(6) + " (" + format_duration(*b.finished - b.started) + ")", Role::dim);
        l.add("  " + ago(b.started, c.now), Role::dim);
    }

    doc.blank();
    doc.heading(fmt::format("{} #{} for {} — {}", focus->kind == CiKind::codebuild ? "Phases of" : "Steps of", focus->number,
                            focus->sha.substr(0, 7), outcome(focus->status, focus->conclusion)));
    if (!focus->url.empty()) kv(doc, "link", focus->url, Role::accent);
    if (focus->steps.empty()) doc.line("  no steps reported", Role::dim);
    std::string job;
    for (const auto& st : focus->steps) {
        if (!st.job.empty() && st.job != job) {
            job = st.job;
            doc.line("  job " + job, Role::title);
        }
        bool failed = st.status == CiStatus::completed && st.conclusion != CiConclusion::success &&
                      st.conclusion != CiConclusion::skipped && st.conclusion != CiConclusion::none;
        Line& l = doc.line();
        l.add("    " + std::string(outcome_glyph(st.status, st.conclusion)) + " ", outcome_role(st.status, st.conclusion));
        l.add(text::fit(st.name, 28), Attr{failed ? Role::failed : Role::normal, false, failed});
        if (st.started) l.add(" " + stamp(*st.started), Role::dim);
        if (st.started && st.finished) l.add(" " + format_duration(*st.finished - *st.started), Role::dim);
        if (!st.context.empty()) wrapped(doc, "      ", st.context, failed ? Role::error : Role::dim, 6);
    }
}

}  // namespace shipwatch::tui

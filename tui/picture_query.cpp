#include "tui/picture_query.hpp"

#include <algorithm>

#include "report/style.hpp"
#include "tui/text.hpp"

namespace shipwatch::tui {
namespace {

// Lower sorts first: what needs a person now comes first.
int urgency(const Picture::Entry& e) {
    if (!e.analysis) return 5;
    switch (role_of(e.analysis->diagnosis.verdict.code)) {
        case Role::failed: return 0;
        case Role::unknown: return 1;
        case Role::stale: return 2;
        case Role::progressing: return 3;
        case Role::ok: return 6;
        default: return 4;
    }
}

bool matches(const Picture::Entry& e, const std::string& filter) {
    if (filter.empty() || text::contains_ci(e.name, filter)) return true;
    if (!e.analysis) return false;
    const auto& d = e.analysis->diagnosis;
    return text::contains_ci(to_string(d.verdict.code), filter) || text::contains_ci(d.verdict.summary, filter);
}

}  // namespace

std::vector<size_t> overview_rows(const Picture& picture, const ViewState& state) {
    std::vector<size_t> rows;
    for (size_t i = 0; i < picture.pipelines.size(); ++i)
        if (matches(picture.pipelines[i], state.filter)) rows.push_back(i);
    if (state.not_live_first) {
        std::stable_sort(rows.begin(), rows.end(), [&](size_t a, size_t b) {
            const auto& ea = picture.pipelines[a];
            const auto& eb = picture.pipelines[b];
            int ua = urgency(ea), ub = urgency(eb);
            if (ua != ub) return ua < ub;
            if (ea.analysis && eb.analysis)
                return ea.analysis->diagnosis.verdict.code < eb.analysis->diagnosis.verdict.code;
            return false;
        });
    }
    return rows;
}

size_t selected_row(const Picture& picture, const std::vector<size_t>& rows, const ViewState& state) {
    for (size_t r = 0; r < rows.size(); ++r)
        if (picture.pipelines[rows[r]].name == state.pipeline) return r;
    return 0;
}

const Picture::Entry* selected_entry(const Picture& picture, const ViewState& state) {
    for (const auto& e : picture.pipelines)
        if (e.name == state.pipeline) return &e;
    auto rows = overview_rows(picture, state);
    if (!rows.empty()) return &picture.pipelines[rows.front()];
    return picture.pipelines.empty() ? nullptr : &picture.pipelines.front();
}

const PipelineAnalysis* selected_analysis(const Picture& picture, const ViewState& state) {
    const auto* e = selected_entry(picture, state);
    return e ? e->analysis.get() : nullptr;
}

bool is_live(const Picture::Entry& e) {
    return e.analysis && e.analysis->diagnosis.verdict.code == VerdictCode::live;
}

std::vector<Stage> stages_of(const Picture::Entry& e) {
    std::vector<Stage> ids;
    if (e.analysis && !e.analysis->diagnosis.stages.empty()) {
        for (const auto& s : e.analysis->diagnosis.stages) ids.push_back(s.id);
        return ids;
    }
    auto c = chain(e.analysis ? e.analysis->snapshot.spec.kind : PipelineKind::ecs);
    return {c.begin(), c.end()};
}

const StageReport* stage_report(const PipelineAnalysis& a, Stage id) {
    for (const auto& s : a.diagnosis.stages)
        if (s.id == id) return &s;
    return nullptr;
}

std::optional<Duration> verdict_age(const PipelineAnalysis& a) {
    const auto& d = a.diagnosis;
    const TimePoint now = a.snapshot.now;
    if (d.verdict.code == VerdictCode::live) {
        std::optional<TimePoint> latest;
        for (const auto& s : d.stages)
            if (s.since && (!latest || *s.since > *latest)) latest = s.since;
        if (latest) return now - *latest;
        return std::nullopt;
    }
    if (const auto* push = stage_report(a, Stage::push); push && push->since) return now - *push->since;
    return std::nullopt;
}

}  // namespace shipwatch::tui

#include <algorithm>

#include <fmt/format.h>

#include "model/visible.hpp"
#include "report/report.hpp"
#include "report/style.hpp"

namespace shipwatch::tui {
namespace {

class Writer {
public:
    explicit Writer(bool color) : color_(color) {}
    // Every piece is made visible here, where the report's text is assembled: its own colours
    // are added around pieces, never inside one.
    void put(Role role, std::string_view text) {
        if (color_ && role != Role::normal) out_ += fmt::format("{}{}\x1b[0m", ansi(role), visible(text));
        else out_ += visible(text);
    }
    void put(std::string_view text) { out_ += visible(text); }
    void line() { out_ += '\n'; }
    std::string take() { return std::move(out_); }

private:
    bool color_;
    std::string out_;
};

std::string upper(std::string_view s) {
    std::string r(s);
    std::transform(r.begin(), r.end(), r.begin(), [](unsigned char c) { return std::toupper(c); });
    return r;
}

void pipeline(Writer& w, const PipelineAnalysis& p, const TextOptions& o) {
    const Diagnosis& d = p.diagnosis;
    const TimePoint now = p.snapshot.now;
    Role vr = role_of(d.verdict.code);
    w.put(Role::title, d.pipeline);
    w.put(fmt::format("  ({} · {} · now {})  ", p.snapshot.spec.kind == PipelineKind::ecs ? "ECS" : "EC2",
                      p.snapshot.spec.region.empty() ? "-" : p.snapshot.spec.region, format_iso8601(now)));
    w.put(vr, upper(to_string(d.verdict.code)));
    w.line();
    w.put("  ");
    w.put(vr, d.verdict.summary);
    w.line();
    w.line();
    for (const auto& st : d.stages) {
        Role r = role_of(st.health);
        w.put(fmt::format("  {:<10}", to_string(st.id)));
        w.put(r, fmt::format("{} {:<12}", glyph(st.health), to_string(st.health)));
        std::string rev = st.revision.known() ? st.revision.short_sha() : "-------";
        if (st.revision.match == MatchKind::inferred) rev += "~";
        w.put(fmt::format("{:<9}{}", rev, st.summary));
        w.line();
        size_t n = 0;
        for (const auto& e : st.evidence) {
            if (n++ == o.evidence_per_stage) {
                w.put(Role::dim, fmt::format("              … {} more (--json for all)", st.evidence.size() - o.evidence_per_stage));
                w.line();
                break;
            }
            w.put(Role::dim, fmt::format("              {}: {}{}", e.label, e.value,
                                         e.time ? fmt::format(" [{}, {}]", format_iso8601(*e.time), format_ago(*e.time, now)) : ""));
            w.line();
        }
    }
    if (!d.findings.empty()) {
        w.line();
        w.put(Role::title, "  Findings");
        w.line();
        for (const auto& f : d.findings) {
            w.put("    ");
            w.put(role_of(f.severity), fmt::format("{} {:<8}", glyph(f.severity), to_string(f.severity)));
            w.put(fmt::format("{:<10}{}", to_string(f.stage), f.message));
            w.line();
        }
    }
    // What to do about a verdict that is not live; for a live one, the JSON still has its check.
    if (d.verdict.code != VerdictCode::live && !p.next_steps.empty()) {
        w.line();
        w.put(Role::title, "  Next steps (shipwatch runs none of them)");
        w.line();
        for (const auto& n : p.next_steps) {
            w.put("    ");
            w.put(n.kind == StepKind::fix ? Role::warning : Role::accent, fmt::format("{:<9}", to_string(n.kind)));
            w.put(n.why);
            w.line();
            for (const std::string* s : {&n.command, &n.console_url}) {
                if (s->empty()) continue;
                w.put(s == &n.command ? Role::normal : Role::dim, "             " + *s);
                w.line();
            }
        }
    }
    if (!p.timeline.empty() && o.timeline_entries > 0) {
        w.line();
        w.put(Role::title, fmt::format("  Timeline (newest {} of {})", std::min(o.timeline_entries, p.timeline.size()), p.timeline.size()));
        w.line();
        for (size_t i = 0; i < p.timeline.size() && i < o.timeline_entries; ++i) {
            const auto& e = p.timeline[i];
            // An event stamped after `now` (another clock) says so, in the width of "ago  ".
            bool ahead = e.time - now >= std::chrono::seconds(1);
            w.put(Role::dim, fmt::format("    {} {:>7} {}", format_iso8601(e.time),
                                         format_duration(ahead ? e.time - now : now - e.time), ahead ? "ahead" : "ago  "));
            w.put(fmt::format("{:<9}", to_string(e.stage)));
            w.put(role_of(e.severity), e.text);
            w.line();
        }
    }
}

}  // namespace

std::string render_text(const std::vector<PipelineAnalysis>& pipelines, const TextOptions& options) {
    Writer w(options.color);
    for (size_t i = 0; i < pipelines.size(); ++i) {
        if (i) {
            w.line();
            w.put(Role::dim, std::string(78, '-'));
            w.line();
        }
        pipeline(w, pipelines[i], options);
    }
    return w.take();
}

}  // namespace shipwatch::tui

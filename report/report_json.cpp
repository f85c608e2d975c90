#include <nlohmann/json.hpp>

#include "report/report.hpp"

namespace shipwatch::tui {
namespace {

using nlohmann::json;

json time_or_null(const std::optional<TimePoint>& t) { return t ? json(format_iso8601(*t)) : json(nullptr); }

json evidence_json(const std::vector<Evidence>& evidence) {
    json out = json::array();
    for (const auto& e : evidence) out.push_back({{"label", e.label}, {"value", e.value}, {"time", time_or_null(e.time)}});
    return out;
}

json revision_json(const Revision& r) {
    return {{"sha", r.known() ? json(r.sha) : json(nullptr)},
            {"match", std::string(to_string(r.match))},
            {"note", r.note},
            {"digest", r.digest.empty() ? json(nullptr) : json(r.digest)},
            {"commits_behind", r.commits_behind >= 0 ? json(r.commits_behind) : json(nullptr)}};
}

json text_or_null(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

// The error's members for programs: what failed (code, message) and what was asked (call,
// resource, region, profile). `upstream`: the part was not asked because that call failed.
json error_json(const FetchError& e) {
    return {{"source", std::string(to_string(e.source))},
            {"code", text_or_null(e.code)},
            {"message", e.message},
            {"call", text_or_null(e.context.call)},
            {"resource", text_or_null(e.context.resource)},
            {"region", text_or_null(e.context.region)},
            {"profile", text_or_null(e.context.profile)},
            {"upstream", e.upstream},
            {"time", format_iso8601(e.time)}};
}

template <typename T>
json source_json(Part name, const Fetched<T>& part) {
    json out{{"source", std::string(to_string(name))},
             {"configured", part.configured},
             {"fetched_at", time_or_null(part.fetched_at)},
             {"error", part.error ? json(describe(*part.error)) : json(nullptr)}};
    // Only beside an error: a source that is fine reads as it always did.
    if (part.error) out["error_detail"] = error_json(*part.error);
    return out;
}

json next_steps_json(const std::vector<NextStep>& steps) {
    json out = json::array();
    for (const auto& n : steps)
        out.push_back({{"kind", std::string(to_string(n.kind))},
                       {"why", n.why},
                       {"command", n.command.empty() ? json(nullptr) : json(n.command)},
                       {"console_url", n.console_url.empty() ? json(nullptr) : json(n.console_url)}});
    return out;
}

// The stage a verdict names; "" when live (schema 1 writes an empty string, not null).
std::string verdict_stage(const Verdict& v) { return v.stage ? std::string(to_string(*v.stage)) : std::string(); }

}  // namespace

json to_json(const PipelineAnalysis& p) {
    const Diagnosis& d = p.diagnosis;
    const PipelineSnapshot& s = p.snapshot;
    json stages = json::array();
    for (const auto& st : d.stages) {
        stages.push_back({{"id", std::string(to_string(st.id))},
                          {"health", std::string(to_string(st.health))},
                          {"revision", st.revision.known() ? json(st.revision.sha) : json(nullptr)},
                          {"revision_detail", revision_json(st.revision)},
                          {"since", time_or_null(st.since)},
                          {"summary", st.summary},
                          {"evidence", evidence_json(st.evidence)}});
    }
    json findings = json::array();
    for (const auto& f : d.findings)
        findings.push_back({{"severity", std::string(to_string(f.severity))},
                            {"stage", std::string(to_string(f.stage))},
                            {"message", f.message},
                            {"evidence", evidence_json(f.evidence)}});
    json timeline = json::array();
    for (const auto& e : p.timeline)
        timeline.push_back({{"time", format_iso8601(e.time)},
                            {"kind", std::string(to_string(e.kind))},
                            {"severity", std::string(to_string(e.severity))},
                            {"stage", std::string(to_string(e.stage))},
                            {"text", e.text},
                            {"ref", e.ref}});
    json sources = json::array();
    for_each_part(s, [&](Part part, const auto& fetched) { sources.push_back(source_json(part, fetched)); });
    return {{"name", d.pipeline},
            {"kind", s.spec.kind == PipelineKind::ecs ? "ecs" : "ec2"},
            {"now", format_iso8601(s.now)},
            {"target", d.target_sha.empty() ? json(nullptr) : json(d.target_sha)},
            {"verdict", {{"code", std::string(to_string(d.verdict.code))}, {"summary", d.verdict.summary}, {"stage", verdict_stage(d.verdict)}}},
            {"stages", stages},
            {"findings", findings},
            {"next_steps", next_steps_json(p.next_steps)},
            {"timeline", timeline},
            {"sources", sources}};
}

json to_json(const std::vector<PipelineAnalysis>& pipelines) {
    json list = json::array();
    for (const auto& p : pipelines) list.push_back(to_json(p));
    return {{"schema", 1}, {"pipelines", list}, {"exit_code", exit_status(pipelines)}};
}

}  // namespace shipwatch::tui

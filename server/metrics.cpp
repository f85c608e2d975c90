#include "server/metrics.hpp"

#include <sstream>

#include <prometheus/text_serializer.h>

#include "model/stage.hpp"

namespace shipwatch::server {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

ClientMetric gauge(Labels labels, double value) {
    ClientMetric m;
    m.label = std::move(labels);
    m.gauge.value = value;
    return m;
}

double seconds_since_epoch(TimePoint t) { return to_epoch_seconds(t); }

// The link that serves traffic: the chain's last stage.
const StageReport* last_link(const Diagnosis& d) { return d.stages.empty() ? nullptr : &d.stages.back(); }

const Commit* commit_of(const PipelineSnapshot& s, const std::string& sha) {
    if (sha.empty() || !s.commits.value) return nullptr;
    for (const Commit& c : *s.commits.value)
        if (c.sha == sha) return &c;
    return nullptr;
}

// Known not live: a verdict that says where the branch head stopped (not one that cannot tell).
bool known_not_live(VerdictCode code) { return code != VerdictCode::live && code != VerdictCode::unknown; }

struct Families {
    MetricFamily verdict{"shipwatch_pipeline_verdict",
                         "1 for the pipeline's current verdict code, 0 for the others (unknown until judged)",
                         MetricType::Gauge, {}};
    MetricFamily stage{"shipwatch_stage_health", "1 for each stage's current health, 0 for the others",
                       MetricType::Gauge, {}};
    MetricFamily revision{"shipwatch_pipeline_live_revision_info",
                          "the revision (short sha) the chain's last link carries: what serves traffic; one series "
                          "per pipeline",
                          MetricType::Gauge, {}};
    MetricFamily not_live{"shipwatch_pipeline_not_live_seconds",
                          "0 when the branch head is live; else how long since its commit time, as of the last "
                          "refresh (absent when the verdict cannot be told)",
                          MetricType::Gauge, {}};
    MetricFamily behind{"shipwatch_pipeline_live_commits_behind",
                        "commits between what serves traffic and the branch head, when known", MetricType::Gauge, {}};
    MetricFamily judged{"shipwatch_pipeline_judged_timestamp_seconds",
                        "when the pipeline's current picture was judged (its snapshot's time)", MetricType::Gauge, {}};
    MetricFamily up{"shipwatch_source_up", "1 unless the source is failing (backing off after throttling is up)",
                    MetricType::Gauge, {}};
    MetricFamily success{"shipwatch_source_last_success_timestamp_seconds",
                         "when the source last answered a request successfully", MetricType::Gauge, {}};
    MetricFamily requests{"shipwatch_api_requests_total",
                          "requests sent to the APIs, each attempt counted, by service, operation and outcome",
                          MetricType::Counter, {}};
};

void add_pipeline(Families& f, const Picture::Entry& entry) {
    const std::string& name = entry.name;
    VerdictCode current = entry.ready() ? entry.analysis->diagnosis.verdict.code : VerdictCode::unknown;
    for (int c = 0; c <= static_cast<int>(VerdictCode::unknown); ++c) {
        auto code = static_cast<VerdictCode>(c);
        f.verdict.metric.push_back(
            gauge({{"code", std::string(to_string(code))}, {"pipeline", name}}, code == current ? 1 : 0));
    }
    if (!entry.ready()) return;
    const PipelineAnalysis& a = *entry.analysis;
    const Diagnosis& d = a.diagnosis;
    for (const StageReport& st : d.stages)
        for (int h = 0; h <= static_cast<int>(Health::unknown); ++h) {
            auto health = static_cast<Health>(h);
            f.stage.metric.push_back(gauge({{"health", std::string(to_string(health))},
                                            {"pipeline", name},
                                            {"stage", std::string(to_string(st.id))}},
                                           st.health == health ? 1 : 0));
        }
    if (const StageReport* last = last_link(d); last && last->revision.known()) {
        f.revision.metric.push_back(gauge({{"pipeline", name}, {"revision", last->revision.short_sha()}}, 1));
        if (last->revision.commits_behind >= 0)
            f.behind.metric.push_back(gauge({{"pipeline", name}}, last->revision.commits_behind));
    }
    if (current == VerdictCode::live) {
        f.not_live.metric.push_back(gauge({{"pipeline", name}}, 0));
    } else if (const Commit* head = commit_of(a.snapshot, d.target_sha); head && known_not_live(current)) {
        double waited = std::chrono::duration<double>(a.snapshot.now - head->time).count();
        f.not_live.metric.push_back(gauge({{"pipeline", name}}, std::max(0.0, waited)));
    }
    f.judged.metric.push_back(gauge({{"pipeline", name}}, seconds_since_epoch(a.snapshot.now)));
}

void add_source(Families& f, const SourceState& s) {
    SourceLabels l = source_labels(s.name);
    Labels labels{{"profile", l.profile}, {"region", l.region}, {"source", l.source}};
    f.up.metric.push_back(gauge(labels, s.state == SourceState::State::failing ? 0 : 1));
    if (s.last_success) f.success.metric.push_back(gauge(labels, seconds_since_epoch(*s.last_success)));
}

}  // namespace

SourceLabels source_labels(const std::string& name) {
    SourceLabels out;
    std::string rest = name;
    const std::string separator = " · ";
    if (auto at = rest.find(separator); at != std::string::npos) {
        out.profile = rest.substr(0, at);
        rest = rest.substr(at + separator.size());
    }
    auto space = rest.find(' ');
    out.source = rest.substr(0, space);
    if (space != std::string::npos) out.region = rest.substr(space + 1);
    return out;
}

LeadTimes::LeadTimes() {
    auto& family = prometheus::BuildHistogram()
                       .Name("shipwatch_commit_to_live_seconds")
                       .Help("from a commit's time to the refresh that first verified it live, for commits this "
                             "process saw not live first")
                       .Register(registry_);
    histogram_ = &family.Add({}, prometheus::Histogram::BucketBoundaries{60, 120, 300, 600, 900, 1800, 3600, 7200,
                                                                          14400, 43200, 86400});
}

void LeadTimes::observe(const Picture& picture) {
    std::lock_guard lock(mutex_);
    for (const auto& entry : picture.pipelines) {
        if (!entry.ready()) continue;
        const PipelineAnalysis& a = *entry.analysis;
        const std::string& head = a.diagnosis.target_sha;
        VerdictCode code = a.diagnosis.verdict.code;
        if (head.empty()) continue;
        if (known_not_live(code)) {
            waiting_[entry.name] = head;
        } else if (code == VerdictCode::live) {
            auto waited = waiting_.find(entry.name);
            if (waited == waiting_.end() || waited->second != head) continue;
            if (const Commit* c = commit_of(a.snapshot, head))
                histogram_->Observe(std::max(0.0, std::chrono::duration<double>(a.snapshot.now - c->time).count()));
            waiting_.erase(waited);
        }
    }
}

std::vector<prometheus::MetricFamily> LeadTimes::collect() const { return registry_.Collect(); }

std::vector<prometheus::MetricFamily> picture_families(const Picture& picture, const std::vector<RequestCount>& requests) {
    Families f;
    for (const auto& entry : picture.pipelines) add_pipeline(f, entry);
    for (const auto& s : picture.sources) add_source(f, s);
    for (const auto& r : requests) {
        ClientMetric m;
        m.label = {{"operation", r.operation}, {"outcome", r.outcome}, {"service", r.service}};
        m.counter.value = static_cast<double>(r.count);
        f.requests.metric.push_back(std::move(m));
    }
    return {f.verdict, f.stage, f.revision, f.not_live, f.behind, f.judged, f.up, f.success, f.requests};
}

std::string serialize(const std::vector<prometheus::MetricFamily>& families) {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, families);
    return out.str();
}

}  // namespace shipwatch::server

#include "model/timeline.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace shipwatch {

std::string_view to_string(EventKind k) {
    switch (k) {
        case EventKind::commit: return "commit";
        case EventKind::build: return "build";
        case EventKind::build_step: return "build_step";
        case EventKind::image_push: return "image_push";
        case EventKind::taskdef: return "taskdef";
        case EventKind::deployment: return "deployment";
        case EventKind::service_event: return "service_event";
        case EventKind::task_start: return "task_start";
        case EventKind::task_stop: return "task_stop";
        case EventKind::target_health: return "target_health";
        case EventKind::version_change: return "version_change";
        case EventKind::secret_change: return "secret_change";
        case EventKind::log_match: return "log_match";
        case EventKind::instance_launch: return "instance_launch";
    }
    return "commit";
}

namespace {

std::string tail(const std::string& arn) { return arn.substr(arn.rfind('/') + 1); }

std::string td_label(const PipelineSnapshot& s, const std::string& arn) {
    if (s.task_definitions.value)
        if (auto it = s.task_definitions.value->find(arn); it != s.task_definitions.value->end())
            return fmt::format("{}:{}", it->second.family, it->second.revision);
    return tail(arn);
}

Severity event_severity(const std::string& message) {
    if (message.find("unable to") != std::string::npos || message.find("failed") != std::string::npos ||
        message.find("Error") != std::string::npos || message.find("unhealthy") != std::string::npos)
        return Severity::error;
    if (message.find("rolling back") != std::string::npos || message.find("deregistered") != std::string::npos)
        return Severity::warning;
    return Severity::info;
}

class Builder {
public:
    explicit Builder(const PipelineSnapshot& s) : s_(s) {}

    void add(TimePoint t, EventKind k, Severity sev, Stage stage, std::string text, std::string ref = {}) {
        out_.push_back({t, k, sev, stage, std::move(text), std::move(ref)});
    }

    void source() {
        if (s_.commits.value)
            for (const auto& c : *s_.commits.value)
                add(c.time, EventKind::commit, Severity::info, Stage::push,
                    fmt::format("commit {} {}{}", c.sha.substr(0, 7), c.message,
                                c.pull_request ? fmt::format(" (PR #{})", *c.pull_request) : ""),
                    c.sha);
        if (!s_.builds.value) return;
        for (const auto& run : *s_.builds.value) {
            std::string label = run.number ? fmt::format("{} #{}", run.name, run.number) : run.name;
            add(run.started, EventKind::build, Severity::info, Stage::build,
                fmt::format("{} started for {}", label, run.sha.substr(0, 7)), run.sha);
            if (run.finished && run.status == CiStatus::completed) {
                bool ok = run.conclusion == CiConclusion::success;
                add(*run.finished, EventKind::build, ok ? Severity::info : Severity::error, Stage::build,
                    fmt::format("{} {} for {}", label, ok ? "succeeded" : "failed", run.sha.substr(0, 7)), run.sha);
            }
            for (const auto& step : run.steps) {
                if (!step.finished) continue;
                bool failed = step.conclusion == CiConclusion::failure || step.conclusion == CiConclusion::timed_out;
                // Only the phases that tell a story: failures, and the end of a CodeBuild phase.
                if (!failed && run.kind != CiKind::codebuild) continue;
                add(*step.finished, EventKind::build_step, failed ? Severity::error : Severity::info, Stage::build,
                    fmt::format("{} {} {}{}", label, step.name, failed ? "failed" : "done",
                                step.context.empty() ? "" : ": " + step.context),
                    run.sha);
            }
        }
    }

    void registry() {
        if (!s_.images.value) return;
        for (const auto& img : *s_.images.value)
            add(img.pushed_at, EventKind::image_push, Severity::info, Stage::image,
                fmt::format("pushed {} [{}]", img.digest.substr(0, 19), fmt::join(img.tags, ", ")), img.digest);
    }

    void ecs() {
        if (s_.task_definitions.value)
            for (const auto& [arn, td] : *s_.task_definitions.value)
                if (td.registered_at)
                    add(*td.registered_at, EventKind::taskdef, Severity::info, Stage::taskdef,
                        fmt::format("registered {}:{}", td.family, td.revision), arn);
        if (s_.service.value) {
            const Service& svc = *s_.service.value;
            for (const auto& d : svc.deployments)
                add(d.created, EventKind::deployment, d.rollout_state == RolloutState::failed ? Severity::error : Severity::info, Stage::tasks,
                    fmt::format("deployment {} of {} created ({})", d.id, td_label(s_, d.task_definition),
                                d.rollout_state.text.empty() ? d.status.text : d.rollout_state.text),
                    d.id);
            for (const auto& e : svc.events)
                add(e.time, EventKind::service_event, event_severity(e.message), Stage::tasks, e.message, e.id);
        }
        if (!s_.tasks.value) return;
        for (const auto& t : *s_.tasks.value) {
            std::string id = tail(t.arn);
            if (t.started_at)
                add(*t.started_at, EventKind::task_start, Severity::info, Stage::tasks,
                    fmt::format("task {} started ({})", id.substr(0, 12), td_label(s_, t.task_definition)), t.arn);
            if (t.stopped_at) {
                std::vector<std::string> codes;
                for (const auto& c : t.containers)
                    if (c.exit_code) codes.push_back(fmt::format("{}={}", c.name, *c.exit_code));
                bool bad = t.stop_code == StopCode::task_failed_to_start || t.stop_code == StopCode::essential_container_exited ||
                           t.stopped_reason.find("Error") != std::string::npos;
                add(*t.stopped_at, EventKind::task_stop, bad ? Severity::error : Severity::info, Stage::tasks,
                    fmt::format("task {} stopped: {}{}", id.substr(0, 12), t.stopped_reason,
                                codes.empty() ? "" : fmt::format(" (exit {})", fmt::join(codes, ", "))),
                    t.arn);
            }
        }
    }

    void traffic() {
        for (const auto& ch : s_.target_changes)
            add(ch.time, EventKind::target_health, ch.to == TargetState::healthy ? Severity::info : Severity::warning, Stage::alb,
                fmt::format("target {} {} → {}{}", ch.target, ch.from.text.empty() ? "new" : ch.from.text, ch.to.text,
                            ch.reason.empty() ? "" : " (" + ch.reason + ")"),
                ch.target);
        if (s_.versions.value) {
            std::string last;
            for (const auto& v : *s_.versions.value) {
                if (!v.error.empty() || v.reported == last) continue;
                add(v.time, EventKind::version_change, Severity::info, Stage::alb,
                    last.empty() ? fmt::format("endpoint reports {}", v.reported)
                                 : fmt::format("endpoint version {} → {}", last, v.reported),
                    v.reported);
                last = v.reported;
            }
        }
        if (s_.instances.value)
            for (const auto& i : *s_.instances.value)
                add(i.launch_time, EventKind::instance_launch, Severity::info, Stage::instances,
                    fmt::format("instance {} launched ({})", i.id, i.instance_type), i.id);
        if (s_.secrets.value)
            for (const auto& sec : *s_.secrets.value)
                if (sec.last_changed)
                    add(*sec.last_changed, EventKind::secret_change, Severity::warning, Stage::taskdef,
                        fmt::format("secret {} changed", sec.name), sec.arn);
        if (s_.logs.value)
            for (const auto& m : *s_.logs.value)
                add(m.time, EventKind::log_match, Severity::info, Stage::tasks, fmt::format("log: {}", m.message), m.stream);
    }

    std::vector<TimelineEntry> take(size_t limit) {
        std::stable_sort(out_.begin(), out_.end(), [](const auto& a, const auto& b) { return a.time > b.time; });
        if (out_.size() > limit) out_.resize(limit);
        return std::move(out_);
    }

private:
    const PipelineSnapshot& s_;
    std::vector<TimelineEntry> out_;
};

}  // namespace

std::vector<TimelineEntry> build_timeline(const PipelineSnapshot& snapshot, size_t limit) {
    Builder b(snapshot);
    b.source();
    b.registry();
    b.ecs();
    b.traffic();
    return b.take(limit);
}

}  // namespace shipwatch

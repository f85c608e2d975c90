// Tasks pane: the service's deployments (counts, rollout state and reason), the digests the
// running tasks run compared with the one they should run, running and recently stopped tasks
// with stopped reasons and exit codes, and the latest service events.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "tui/format.hpp"
#include "tui/panes.hpp"
#include "tui/picture_query.hpp"
#include "tui/text.hpp"

namespace shipwatch::tui {
namespace {

std::string task_id(const std::string& arn) { return text::arn_tail(arn).substr(0, 12); }

Role rollout_role(RolloutState state) {
    switch (state) {
        case RolloutState::completed: return Role::ok;
        case RolloutState::failed: return Role::failed;
        case RolloutState::in_progress: return Role::progressing;
        default: return Role::dim;  // absent, or a value not known
    }
}

// The digest the tasks should run: the image the diagnosis traced for the newest commit.
std::string expected_digest(const PipelineAnalysis& a) {
    for (Stage id : {Stage::image, Stage::taskdef})
        if (const auto* st = stage_report(a, id); st && !st->revision.digest.empty() && st->health == Health::ok)
            return st->revision.digest;
    return {};
}

void service_section(Doc& doc, const Service& svc) {
    kv(doc, "service", fmt::format("{} · desired {} running {} pending {} · {}", svc.name, svc.desired, svc.running, svc.pending,
                                   svc.launch_type.empty() ? "ECS" : svc.launch_type));
    if (!svc.circuit_breaker)
        kv(doc, "circuit breaker", "not told (no deploymentConfiguration in the answer)", Role::unknown);
    else
        kv(doc, "circuit breaker", *svc.circuit_breaker ? (svc.circuit_breaker_rollback ? "on, with rollback" : "on, no rollback")
                                                        : "off — a failing rollout retries forever",
           *svc.circuit_breaker ? Role::ok : Role::warning);
}

void deployments_section(Doc& doc, const Service& svc, TimePoint now) {
    doc.blank();
    doc.heading(fmt::format("Deployments ({})", svc.deployments.size()));
    for (const auto& d : svc.deployments) {
        Line& l = doc.line();
        l.add("  " + text::fit(d.status.text, 8), Attr{Role::normal, false, d.status == DeploymentStatus::primary});
        l.add(text::fit(text::arn_tail(d.task_definition), 28) + " ", Role::normal);
        l.add(text::fit(d.rollout_state.text.empty() ? "—" : d.rollout_state.text, 12), rollout_role(d.rollout_state.value));
        l.add(fmt::format("run {}/{} pend {} ", d.running, d.desired, d.pending), Role::normal);
        l.add(fmt::format("failed {}", d.failed_tasks), d.failed_tasks ? Role::failed : Role::dim);
        l.add("  created " + ago(d.created, now), Role::dim);
        // ECS's routine "deployment … in progress." says nothing the columns do not.
        if (!d.rollout_state_reason.empty() && d.rollout_state_reason.rfind("ECS deployment", 0) != 0) wrapped(doc, "      ", d.rollout_state_reason, Role::dim, 6);
    }
}

// Digests compared: what runs vs what should run. Same tag, other digest = tasks_stale.
void digests_section(Doc& doc, const PaneContext& c, const std::vector<const Task*>& running) {
    std::string expect = expected_digest(c.a);
    std::map<std::string, int> digests;
    for (const Task* t : running)
        for (const auto& ct : t->containers)
            if (!ct.image_digest.empty()) ++digests[ct.image_digest];
    doc.blank();
    doc.heading("Digests compared");
    kv(doc, "should run", expect.empty() ? "unknown (no image traced for the newest commit)" : digest_with_revision(c.a, expect),
       expect.empty() ? Role::unknown : Role::normal);
    for (const auto& [digest, n] : digests) {
        bool same = !expect.empty() && digest == expect;
        Line& l = kv(doc, fmt::format("runs ({} task{})", n, n == 1 ? "" : "s"), digest_with_revision(c.a, digest), same ? Role::ok : Role::stale);
        l.add(same ? "  ✔ matches" : expect.empty() ? "" : "  ✖ differs from " + text::short_digest(expect), same ? Role::ok : Role::failed);
    }
    if (digests.empty()) kv(doc, "runs", "no running task reports a digest", Role::unknown);
}

void stopped_section(Doc& doc, const std::vector<const Task*>& stopped, TimePoint now) {
    doc.blank();
    doc.heading(fmt::format("Recently stopped tasks ({})", stopped.size()));
    size_t shown = 0;
    for (const Task* t : stopped) {
        if (++shown > 10) {
            doc.line(fmt::format("  … {} more stopped earlier", stopped.size() - 10), Role::dim);
            break;
        }
        Line& l = doc.line();
        l.add("  " + task_id(t->arn) + "  ", Attr{Role::normal, false, true});
        l.add(text::fit(text::arn_tail(t->task_definition), 28) + " ", Role::normal);
        if (t->stopped_at) l.add("stopped " + stamp(*t->stopped_at) + " (" + ago(*t->stopped_at, now) + ")  ", Role::dim);
        l.add(t->stop_code.text, Role::warning);
        for (const auto& ct : t->containers)
            if (ct.exit_code) l.add(fmt::format("  {} exit {}", ct.name, *ct.exit_code), *ct.exit_code ? Role::failed : Role::dim);
        if (!t->stopped_reason.empty()) wrapped(doc, "      reason: ", t->stopped_reason, Role::error, 14);
        for (const auto& ct : t->containers)
            if (!ct.reason.empty()) wrapped(doc, "      " + ct.name + ": ", ct.reason, Role::error, 8);
    }
}

void running_section(Doc& doc, const std::vector<const Task*>& running, TimePoint now) {
    doc.blank();
    doc.heading(fmt::format("Running tasks ({})", running.size()));
    for (const Task* t : running) {
        Line& l = doc.line();
        l.add("  " + task_id(t->arn) + "  ", Attr{Role::normal, false, true});
        l.add(text::fit(text::arn_tail(t->task_definition), 28) + " ", Role::normal);
        l.add(text::fit(t->last_status.text, 9), t->last_status == TaskStatus::running ? Role::ok : Role::progressing);
        l.add(text::fit(t->health.text.empty() ? "—" : t->health.text, 10),
              t->health == HealthStatus::unhealthy ? Role::failed : Role::dim);
        if (t->started_at) l.add("started " + ago(*t->started_at, now) + "  ", Role::dim);
        for (const auto& ct : t->containers) l.add(text::short_digest(ct.image_digest) + " ", Role::dim);
        if (!t->private_ip.empty()) l.add(t->private_ip, Role::dim);
    }
}

void events_section(Doc& doc, const Service& svc, TimePoint now) {
    doc.blank();
    doc.heading(fmt::format("Service events (newest {} of {})", std::min<size_t>(12, svc.events.size()), svc.events.size()));
    size_t n = 0;
    for (const auto& e : svc.events) {
        if (++n > 12) break;
        bool bad = text::contains_ci(e.message, "unable") || text::contains_ci(e.message, "fail");
        Line& l = doc.line();
        l.wrap = true;
        l.indent = 26;
        l.add("  " + stamp(e.time) + " " + text::fit(ago(e.time, now), 9) + " ", Role::dim);
        l.add(e.message, bad ? Role::warning : Role::normal);
    }
}

}  // namespace

void pane_tasks(Doc& doc, const PaneContext& c) {
    const auto& snap = c.a.snapshot;
    const auto* svc = snap.service.get();
    if (!svc) {
        doc.line("  service not fetched", Role::unknown);
        return;
    }
    service_section(doc, *svc);
    deployments_section(doc, *svc, c.now);

    std::vector<const Task*> running, stopped;
    if (const auto* tasks = snap.tasks.get())
        for (const auto& t : *tasks) (t.last_status == TaskStatus::stopped ? stopped : running).push_back(&t);
    std::sort(stopped.begin(), stopped.end(), [](const Task* a, const Task* b) { return a->stopped_at > b->stopped_at; });

    digests_section(doc, c, running);
    stopped_section(doc, stopped, c.now);
    running_section(doc, running, c.now);
    events_section(doc, *svc, c.now);
}

}  // namespace shipwatch::tui

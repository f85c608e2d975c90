// Load balancer pane: each target group's targets with state and reason, the task (and its
// deployment) or instance behind each target, and what the version endpoint reported.
#include <fmt/format.h>

#include "tui/format.hpp"
#include "tui/panes.hpp"
#include "tui/text.hpp"

namespace shipwatch::tui {
namespace {

Role target_role(TargetState state) {
    switch (state) {
        case TargetState::healthy: return Role::ok;
        case TargetState::unhealthy: return Role::failed;
        case TargetState::initial:
        case TargetState::draining: return Role::progressing;
        default: return Role::unknown;  // unused, unavailable, unhealthy.draining, and values not known
    }
}

// Who a target is: an IP target is matched to the task with that ENI address.
std::string owner(const PipelineAnalysis& a, const Target& t) {
    if (const auto* tasks = a.snapshot.tasks.get())
        for (const auto& task : *tasks)
            if (!task.private_ip.empty() && task.private_ip == t.id && task.last_status != TaskStatus::stopped) {
                std::string out = "task " + text::arn_tail(task.arn).substr(0, 8) + " " + text::arn_tail(task.task_definition);
                if (!task.started_by.empty()) out += " (" + task.started_by + ")";
                for (const auto& ct : task.containers)
                    if (!ct.image_digest.empty()) out += " " + digest_with_revision(a, ct.image_digest);
                return out;
            }
    if (const auto* inst = a.snapshot.instances.get())
        for (const auto& i : *inst)
            if (i.id == t.id) return "instance " + i.id + " launched " + stamp(i.launch_time);
    return "not matched to a task or instance";
}

}  // namespace

void pane_alb(Doc& doc, const PaneContext& c) {
    const auto& snap = c.a.snapshot;
    const auto* groups = snap.target_groups.get();
    if (!groups || groups->empty()) doc.line("  no target groups fetched", Role::unknown);
    if (groups)
        for (const auto& tg : *groups) {
            doc.heading(fmt::format("Target group {} ({}, {} targets)", tg.name, tg.target_type, tg.targets.size()));
            for (const auto& dns : tg.load_balancer_dns) kv(doc, "load balancer", dns, Role::dim);
            for (const auto& t : tg.targets) {
                Line& l = doc.line();
                l.add("  " + text::fit(fmt::format("{}:{}", t.id, t.port), 24), Attr{Role::normal, false, true});
                l.add(text::fit(t.state.text, 11), target_role(t.state.value));
                if (!t.reason.empty()) l.add(t.reason + " ", Role::warning);
                l.add("→ " + owner(c.a, t), Role::dim);
                if (!t.description.empty()) wrapped(doc, "      ", t.description, Role::dim, 6);
            }
            doc.blank();
        }
    if (!snap.target_changes.empty()) {
        doc.heading("Target health changes seen");
        size_t n = 0;
        for (auto it = snap.target_changes.rbegin(); it != snap.target_changes.rend() && n < 10; ++it, ++n)
            doc.line().add("  " + stamp(it->time) + "  ", Role::dim).add(it->target + " " + it->from.text + " → " + it->to.text, target_role(it->to.value)).add(it->reason.empty() ? "" : "  " + it->reason, Role::dim);
        doc.blank();
    }
    const auto* versions = snap.versions.get();
    doc.heading("Version endpoint, newest first");
    if (!snap.versions.configured) {
        doc.line("  no version endpoint configured: what serves traffic is told from task digests only", Role::dim);
        return;
    }
    if (!versions || versions->empty()) {
        doc.line("  no observations yet", Role::unknown);
        return;
    }
    kv(doc, "url", versions->back().url, Role::dim);
    RevisionIndex idx{snap.commits.get(), snap.builds.get(), snap.images.get()};
    size_t n = 0;
    for (auto it = versions->rbegin(); it != versions->rend() && n < 10; ++it, ++n) {
        Line& l = doc.line();
        l.add("  " + stamp(it->time) + " " + text::fit(ago(it->time, c.now), 9) + " ", Role::dim);
        if (!it->error.empty()) {
            l.add("✖ " + it->error, Role::error);
            continue;
        }
        l.add(fmt::format("HTTP {} ", it->http_status), it->http_status / 100 == 2 ? Role::dim : Role::failed);
        Revision r = idx.of_reported(it->reported);
        bool target = r.known() && r.sha == c.a.diagnosis.target_sha;
        l.add("\"" + it->reported + "\"", Attr{Role::normal, false, true});
        l.add(" = " + short_sha(r), target ? Role::ok : Role::stale);
    }
}

}  // namespace shipwatch::tui

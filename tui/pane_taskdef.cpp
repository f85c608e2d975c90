// Task definition pane: the revision the service runs, its containers' image references,
// environment variable and secret NAMES (values are never fetched, so never shown), and what
// changed against the previously deployed revision.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "tui/format.hpp"
#include "tui/panes.hpp"
#include "tui/text.hpp"

namespace shipwatch::tui {
namespace {

const TaskDefinition* find_td(const PipelineSnapshot& s, const std::string& arn) {
    const auto* defs = s.task_definitions.get();
    if (!defs) return nullptr;
    auto it = defs->find(arn);
    return it == defs->end() ? nullptr : &it->second;
}

// The revision deployed before the current one: another deployment's, else the highest lower
// revision of the family we happen to know.
const TaskDefinition* previous_td(const PipelineSnapshot& s, const TaskDefinition& cur) {
    if (const auto* svc = s.service.get())
        for (const auto& d : svc->deployments)
            if (d.task_definition != cur.arn)
                if (const auto* td = find_td(s, d.task_definition); td && td->revision < cur.revision) return td;
    const TaskDefinition* best = nullptr;
    if (const auto* defs = s.task_definitions.get())
        for (const auto& [arn, td] : *defs)
            if (td.family == cur.family && td.revision < cur.revision && (!best || td.revision > best->revision)) best = &td;
    return best;
}

std::set<std::string> names(const ContainerDef& c, bool secrets) {
    std::set<std::string> out;
    if (secrets) for (const auto& s : c.secrets) out.insert(s.name);
    else out.insert(c.environment_names.begin(), c.environment_names.end());
    return out;
}

void diff_sets(Doc& doc, const std::string& what, const std::set<std::string>& before, const std::set<std::string>& now) {
    for (const auto& n : now)
        if (!before.count(n)) doc.line("      + " + what + " " + n, Role::ok);
    for (const auto& n : before)
        if (!now.count(n)) doc.line("      - " + what + " " + n, Role::failed);
}

}  // namespace

void pane_taskdef(Doc& doc, const PaneContext& c) {
    const auto& snap = c.a.snapshot;
    const auto* svc = snap.service.get();
    if (!svc) {
        doc.line("  service not fetched", Role::unknown);
        return;
    }
    kv(doc, "service", svc->name + " in " + text::arn_tail(svc->cluster));
    const TaskDefinition* td = find_td(snap, svc->task_definition);
    kv(doc, "task definition", text::arn_tail(svc->task_definition), Role::normal);
    if (!td) {
        doc.line("  task definition not fetched", Role::unknown);
        return;
    }
    if (td->registered_at) kv(doc, "registered", stamp(*td->registered_at) + " (" + ago(*td->registered_at, c.now) + ")");
    if (!td->execution_role.empty()) kv(doc, "execution role", text::arn_tail(td->execution_role), Role::dim);
    RevisionIndex idx{snap.commits.get(), snap.builds.get(), snap.images.get()};
    doc.blank();
    doc.heading(fmt::format("Containers ({})", td->containers.size()));
    for (const auto& ct : td->containers) {
        doc.line().add("  " + ct.name, Attr{Role::normal, false, true}).add(ct.essential ? "" : "  (not essential)", Role::dim);
        Revision r = idx.of_reference(ct.image);
        kv(doc, "  image", ct.image).add("  → " + short_sha(r) + (r.digest.empty() ? "" : " " + text::short_digest(r.digest)),
                                         r.known() && r.sha == c.a.diagnosis.target_sha ? Role::ok : Role::stale);
        std::string env;
        for (const auto& n : ct.environment_names) env += (env.empty() ? "" : ", ") + n;
        kv(doc, "  env (names)", env.empty() ? "—" : env, Role::normal);
        std::string sec;
        for (const auto& s : ct.secrets) sec += (sec.empty() ? "" : ", ") + s.name + " ← " + text::arn_tail(s.value_from);
        kv(doc, "  secrets (names)", sec.empty() ? "—" : sec, Role::normal);
        if (!ct.log_group.empty()) kv(doc, "  logs", ct.log_group + (ct.log_stream_prefix.empty() ? "" : " / " + ct.log_stream_prefix), Role::dim);
    }
    if (const auto* secrets = snap.secrets.get(); secrets && !secrets->empty()) {
        doc.blank();
        doc.heading("Secrets (last changed)");
        for (const auto& s : *secrets)
            kv(doc, "  " + s.name, s.last_changed ? stamp(*s.last_changed) + " (" + ago(*s.last_changed, c.now) + ")" : "unknown",
               Role::normal, 34).add(s.used_by.empty() ? "" : "  used by " + s.used_by, Role::dim);
    }

    doc.blank();
    const TaskDefinition* prev = previous_td(snap, *td);
    if (!prev) {
        doc.heading("Diff: no earlier revision of " + td->family + " known");
        return;
    }
    doc.heading(fmt::format("Diff {}:{} → :{}", td->family, prev->revision, td->revision));
    bool any = false;
    for (const auto& ct : td->containers) {
        auto it = std::find_if(prev->containers.begin(), prev->containers.end(), [&](const ContainerDef& p) { return p.name == ct.name; });
        if (it == prev->containers.end()) {
            doc.line("    + container " + ct.name, Role::ok);
            any = true;
            continue;
        }
        size_t before = doc.lines.size();
        if (it->image != ct.image) {
            doc.line("    " + ct.name + " image", Role::normal);
            doc.line("      - " + it->image, Role::failed);
            doc.line("      + " + ct.image, Role::ok);
        }
        diff_sets(doc, "env", names(*it, false), names(ct, false));
        diff_sets(doc, "secret", names(*it, true), names(ct, true));
        any |= doc.lines.size() != before;
    }
    for (const auto& p : prev->containers)
        if (std::none_of(td->containers.begin(), td->containers.end(), [&](const ContainerDef& c2) { return c2.name == p.name; })) {
            doc.line("    - container " + p.name, Role::failed);
            any = true;
        }
    if (!any) doc.line("    no differences in images, env names or secret names", Role::dim);
}

}  // namespace shipwatch::tui

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

// "service" and "task definition": which service, and the revision it runs.
void service_section(Doc& doc, const Service& svc) {
    kv(doc, "service", svc.name + " in " + text::arn_tail(svc.cluster));
    kv(doc, "task definition", text::arn_tail(svc.task_definition), Role::normal);
}

void revision_section(Doc& doc, const TaskDefinition& td, TimePoint now) {
    if (td.registered_at) kv(doc, "registered", stamp(*td.registered_at) + " (" + ago(*td.registered_at, now) + ")");
    if (!td.execution_role.empty()) kv(doc, "execution role", text::arn_tail(td.execution_role), Role::dim);
}

// "A, B": names only; the values are never fetched.
std::string env_list(const ContainerDef& ct) {
    std::string env;
    for (const auto& n : ct.environment_names) env += (env.empty() ? "" : ", ") + n;
    return env.empty() ? "—" : env;
}

std::string secret_list(const ContainerDef& ct) {
    std::string sec;
    for (const auto& s : ct.secrets) sec += (sec.empty() ? "" : ", ") + s.name + " ← " + text::arn_tail(s.value_from);
    return sec.empty() ? "—" : sec;
}

// One container: its image with the commit it carries (green when it is the newest commit),
// env and secret names, and where it logs.
void container_rows(Doc& doc, const ContainerDef& ct, const RevisionIndex& idx, const std::string& target_sha) {
    doc.line().add("  " + ct.name, Attr{Role::normal, false, true})
        .add(ct.essential ? "" : "  (not essential)", Role::dim);
    Revision r = idx.of_reference(ct.image);
    std::string carries = short_sha(r) + (r.digest.empty() ? "" : " " + text::short_digest(r.digest));
    kv(doc, "  image", ct.image).add("  → " + carries, r.known() && r.sha == target_sha ? Role::ok : Role::stale);
    kv(doc, "  env (names)", env_list(ct), Role::normal);
    kv(doc, "  secrets (names)", secret_list(ct), Role::normal);
    if (!ct.log_group.empty())
        kv(doc, "  logs", ct.log_group + (ct.log_stream_prefix.empty() ? "" : " / " + ct.log_stream_prefix), Role::dim);
}

void containers_section(Doc& doc, const PaneContext& c, const TaskDefinition& td) {
    const auto& snap = c.a.snapshot;
    RevisionIndex idx{snap.commits.get(), snap.builds.get(), snap.images.get()};
    doc.blank();
    doc.heading(fmt::format("Containers ({})", td.containers.size()));
    for (const auto& ct : td.containers) container_rows(doc, ct, idx, c.a.diagnosis.target_sha);
}

void secrets_section(Doc& doc, const PipelineSnapshot& snap, TimePoint now) {
    const auto* secrets = snap.secrets.get();
    if (!secrets || secrets->empty()) return;
    doc.blank();
    doc.heading("Secrets (last changed)");
    for (const auto& s : *secrets) {
        std::string changed =
            s.last_changed ? stamp(*s.last_changed) + " (" + ago(*s.last_changed, now) + ")" : "unknown";
        kv(doc, "  " + s.name, changed, Role::normal, 34)
            .add(s.used_by.empty() ? "" : "  used by " + s.used_by, Role::dim);
    }
}

// One container present in both revisions: its image, env and secret name changes. Returns
// whether it wrote any.
bool container_diff(Doc& doc, const ContainerDef& before, const ContainerDef& now) {
    size_t lines = doc.lines.size();
    if (before.image != now.image) {
        doc.line("    " + now.name + " image", Role::normal);
        doc.line("      - " + before.image, Role::failed);
        doc.line("      + " + now.image, Role::ok);
    }
    diff_sets(doc, "env", names(before, false), names(now, false));
    diff_sets(doc, "secret", names(before, true), names(now, true));
    return doc.lines.size() != lines;
}

// What changed against the revision deployed before: containers added, changed, removed.
void diff_section(Doc& doc, const PipelineSnapshot& snap, const TaskDefinition& td) {
    doc.blank();
    const TaskDefinition* prev = previous_td(snap, td);
    if (!prev) {
        doc.heading("Diff: no earlier revision of " + td.family + " known");
        return;
    }
    doc.heading(fmt::format("Diff {}:{} → :{}", td.family, prev->revision, td.revision));
    auto named = [](const std::string& name) { return [&name](const ContainerDef& ct) { return ct.name == name; }; };
    bool any = false;
    for (const auto& ct : td.containers) {
        auto it = std::find_if(prev->containers.begin(), prev->containers.end(), named(ct.name));
        if (it != prev->containers.end()) {
            any |= container_diff(doc, *it, ct);
        } else {
            doc.line("    + container " + ct.name, Role::ok);
            any = true;
        }
    }
    for (const auto& p : prev->containers)
        if (std::none_of(td.containers.begin(), td.containers.end(), named(p.name))) {
            doc.line("    - container " + p.name, Role::failed);
            any = true;
        }
    if (!any) doc.line("    no differences in images, env names or secret names", Role::dim);
}

}  // namespace

void pane_taskdef(Doc& doc, const PaneContext& c) {
    const auto& snap = c.a.snapshot;
    const auto* svc = snap.service.get();
    if (!svc) {
        doc.line("  service not fetched", Role::unknown);
        return;
    }
    service_section(doc, *svc);
    const TaskDefinition* td = find_td(snap, svc->task_definition);
    if (!td) {
        doc.line("  task definition not fetched", Role::unknown);
        return;
    }
    revision_section(doc, *td, c.now);
    containers_section(doc, c, *td);
    secrets_section(doc, snap, c.now);
    diff_section(doc, snap, *td);
}

}  // namespace shipwatch::tui

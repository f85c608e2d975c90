// EC2 instances pane: launch time against the newest commit (UserData runs only at first boot,
// so an instance older than the commit still runs old code), the UserData summary, and what
// the version endpoint reports.
#include <fmt/format.h>

#include "tui/format.hpp"
#include "tui/panes.hpp"
#include "tui/text.hpp"

namespace shipwatch::tui {

void pane_instances(Doc& doc, const PaneContext& c) {
    const auto& snap = c.a.snapshot;
    const auto* instances = snap.instances.get();
    std::optional<TimePoint> commit_time;
    if (const auto* commits = snap.commits.get(); commits && !commits->empty()) commit_time = commits->front().time;
    if (!instances || instances->empty()) {
        doc.line("  no instances fetched", Role::unknown);
        return;
    }
    for (const auto& i : *instances) {
        doc.heading(fmt::format("Instance {} ({}, {})", i.id, i.instance_type, i.state.text));
        bool older = commit_time && i.launch_time < *commit_time;
        Line& l = kv(doc, "launched", stamp(i.launch_time) + " (" + ago(i.launch_time, c.now) + ")", older ? Role::stale : Role::ok);
        if (commit_time)
            l.add(older ? "  ◆ " + format_duration(*commit_time - i.launch_time) + " before the newest commit"
                        : "  ✔ after the newest commit",
                  older ? Role::stale : Role::ok);
        kv(doc, "image (AMI)", i.image_id, Role::dim);
        kv(doc, "private ip", i.private_ip, Role::dim);
        kv(doc, "user data", i.user_data_digest.empty() ? "none" : "sha256 " + i.user_data_digest.substr(0, 12), Role::dim);
        for (const auto& line : i.user_data_summary) wrapped(doc, "    $ ", line, Role::normal, 6);
        if (older) wrapped(doc, "  ", "UserData runs only at first boot: a deploy that does not replace or re-provision this instance leaves its code as it was at launch.", Role::stale, 2);
        doc.blank();
    }
    const auto* versions = snap.versions.get();
    if (versions && !versions->empty()) {
        const auto& v = versions->back();
        RevisionIndex idx{snap.commits.get(), snap.builds.get(), snap.images.get()};
        Revision r = idx.of_reported(v.reported);
        kv(doc, "endpoint reports", v.error.empty() ? "\"" + v.reported + "\" = " + short_sha(r) + " (" + ago(v.time, c.now) + ")" : "✖ " + v.error,
           v.error.empty() ? (r.known() && r.sha == c.a.diagnosis.target_sha ? Role::ok : Role::stale) : Role::error);
    }
}

}  // namespace shipwatch::tui

// Push pane: the branch history, newest first, marking the commit every stage should carry
// and the commits the later stages actually carry.
#include <fmt/format.h>

#include "tui/format.hpp"
#include "tui/panes.hpp"
#include "tui/text.hpp"

namespace shipwatch::tui {

void pane_push(Doc& doc, const PaneContext& c) {
    const auto& snap = c.a.snapshot;
    kv(doc, "repository", snap.spec.repo.empty() ? "—" : snap.spec.repo + " @ " + snap.spec.branch);
    const auto* commits = snap.commits.get();
    doc.blank();
    doc.heading("Commits, newest first");
    if (!commits || commits->empty()) {
        doc.line("  no commits fetched", Role::unknown);
        return;
    }
    for (const auto& cm : *commits) {
        // Which stages carry this commit: "← build image" tells where the chain stopped.
        std::string carried;
        for (const auto& st : c.a.diagnosis.stages)
            if (st.id != Stage::push && st.revision.known() && st.revision.sha == cm.sha)
                carried += " " + std::string(stage_info(st.id).label);
        bool target = cm.sha == c.a.diagnosis.target_sha;
        Line& l = doc.line();
        l.wrap = true;
        l.indent = 33;
        l.add(target ? "▶ " : "  ", Role::accent);
        l.add(cm.sha.substr(0, 7) + " ", Attr{target ? Role::accent : Role::normal, false, target});
        l.add(stamp(cm.time) + " ", Role::dim);
        l.add(text::fit(ago(cm.time, c.now), 9) + " ", Role::dim);
        l.add(cm.message, Role::normal);
        if (cm.pull_request) l.add(fmt::format(" (PR #{})", *cm.pull_request), Role::dim);
        l.add("  " + cm.author, Role::dim);
        if (!carried.empty()) l.add("  ← carried by" + carried, carried.empty() ? Role::dim : Role::ok);
    }
}

}  // namespace shipwatch::tui

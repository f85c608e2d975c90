// Image pane: the repository's recent images newest first, with tags, digest, push time, the
// commit each carries, and which tasks run it — "latest moved but nothing restarted" shows here.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "tui/format.hpp"
#include "tui/panes.hpp"
#include "tui/text.hpp"

namespace shipwatch::tui {

void pane_image(Doc& doc, const PaneContext& c) {
    const auto& snap = c.a.snapshot;
    const auto* images = snap.images.get();
    kv(doc, "repository", snap.spec.image_repository.empty() ? "—" : snap.spec.image_repository);
    std::map<std::string, int> running;  // digest -> running tasks
    if (const auto* tasks = snap.tasks.get())
        for (const auto& t : *tasks)
            if (t.last_status == TaskStatus::running)
                for (const auto& ct : t.containers)
                    if (!ct.image_digest.empty()) ++running[ct.image_digest];
    doc.blank();
    doc.heading("Images, newest first");
    if (!images || images->empty()) {
        doc.line("  no images fetched", Role::unknown);
        return;
    }
    RevisionIndex idx{snap.commits.get(), snap.builds.get(), images};
    std::vector<const Image*> sorted;
    for (const auto& i : *images) sorted.push_back(&i);
    std::stable_sort(sorted.begin(), sorted.end(), [](const Image* a, const Image* b) { return a->pushed_at > b->pushed_at; });
    size_t n = 0;
    for (const Image* img : sorted) {
        if (++n > 15) break;
        Revision r = idx.of_image(*img);
        bool target = r.known() && r.sha == c.a.diagnosis.target_sha;
        Line& l = doc.line();
        l.wrap = true;
        l.indent = 4;
        l.add(target ? "▶ " : "  ", Role::accent);
        l.add(text::short_digest(img->digest) + "  ", Attr{Role::normal, false, true});
        l.add(stamp(img->pushed_at) + " " + text::fit(ago(img->pushed_at, c.now), 10), Role::dim);
        l.add(text::fit(short_sha(r), 9), Attr{target ? Role::accent : Role::normal});
        std::string tags;
        for (const auto& t : img->tags) tags += (tags.empty() ? "" : ", ") + t;
        l.add("[" + tags + "]", tags.empty() ? Role::dim : Role::normal);
        if (auto it = running.find(img->digest); it != running.end())
            l.add(fmt::format("  ← {} running task{}", it->second, it->second == 1 ? "" : "s"), Role::ok);
        if (img->size_bytes) l.add(fmt::format("  {:.0f} MB", *img->size_bytes / 1e6), Role::dim);
        if (r.match == MatchKind::inferred) kv(doc, "    matched", r.note, Role::dim);
    }
    // Running digests the repository listing does not show (deleted or from another repository).
    for (const auto& [digest, count] : running) {
        bool listed = false;
        for (const auto& i : *images) listed |= i.digest == digest;
        if (!listed) kv(doc, "running unlisted", fmt::format("{} on {} task(s)", text::short_digest(digest), count), Role::warning);
    }
}

}  // namespace shipwatch::tui

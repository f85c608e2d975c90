// Drill-down panes, one per stage kind, each in its own file. A pane turns the snapshot's raw
// data for its stage into a Doc: the values themselves (ids, digests, times, reasons), not
// just the diagnosis' words. The common frame (tabs, data age, evidence) is in view_pane.cpp.
#pragma once

#include "model/analysis.hpp"
#include "tui/doc.hpp"

namespace shipwatch::tui {

struct PaneContext {
    const PipelineAnalysis& a;
    const StageReport& stage;
    TimePoint now;
    int width;  // columns available, for choosing table layouts
};

void pane_push(Doc& doc, const PaneContext& c);
void pane_build(Doc& doc, const PaneContext& c);
void pane_image(Doc& doc, const PaneContext& c);
void pane_taskdef(Doc& doc, const PaneContext& c);
void pane_tasks(Doc& doc, const PaneContext& c);
void pane_alb(Doc& doc, const PaneContext& c);
void pane_instances(Doc& doc, const PaneContext& c);

// Shared by the panes: a "label  value" row, and a wrapping message row.
Line& kv(Doc& doc, const std::string& label, const std::string& value, Role role = Role::normal, int label_width = 16);
Line& wrapped(Doc& doc, const std::string& prefix, const std::string& message, Role role, int indent);
// "sha256:964c2ff" with the commit it carries, e.g. "sha256:964c2ff (d4e9a13~)".
std::string digest_with_revision(const PipelineAnalysis& a, const std::string& digest);

}  // namespace shipwatch::tui

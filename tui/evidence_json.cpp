#include "tui/evidence_json.hpp"

#include <algorithm>

#include "model/visible.hpp"
#include "tui/parts.hpp"
#include "tui/picture_query.hpp"
#include "report/report.hpp"
#include "tui/text.hpp"

namespace shipwatch::tui {

std::string evidence_json(const Picture& picture, const ViewState& state) {
    using nlohmann::json;
    const auto* entry = selected_entry(picture, state);
    if (!entry) return "{}";
    if (!entry->analysis) return json{{"name", entry->name}, {"loading", true}}.dump(2);
    const auto& a = *entry->analysis;
    json full = to_json(a);
    json out = {{"name", full["name"]}, {"now", full["now"]}, {"target", full["target"]}, {"verdict", full["verdict"]}};
    // What to do about the verdict goes with every view of it; the timeline is not one.
    if (state.screen != Screen::timeline) out["next_steps"] = full["next_steps"];
    switch (state.screen) {
        case Screen::overview:
            // The whole judgement without the long timeline.
            out["stages"] = full["stages"];
            out["findings"] = full["findings"];
            out["sources"] = full["sources"];
            break;
        case Screen::pipeline:
        case Screen::pane: {
            int n = static_cast<int>(full["stages"].size());
            if (n == 0) break;
            const json& stage = full["stages"][std::clamp(state.stage, 0, n - 1)];
            out["stage"] = stage;
            json findings = json::array();
            for (const auto& f : full["findings"])
                if (f["stage"] == stage["id"]) findings.push_back(f);
            out["findings"] = findings;
            json sources = json::array();
            // The JSON stages are the diagnosis' stages, in the same order.
            const PartList& wanted = stage_info(a.diagnosis.stages[std::clamp(state.stage, 0, n - 1)].id).parts;
            for (const auto& s : full["sources"])
                if (std::any_of(wanted.begin(), wanted.end(), [&](Part p) { return s["source"] == to_string(p); }))
                    sources.push_back(s);
            out["sources"] = sources;
            break;
        }
        case Screen::timeline: {
            json entries = json::array();
            for (const auto& e : full["timeline"])
                if (state.filter.empty() || text::contains_ci(e["text"].get<std::string>(), state.filter) ||
                    text::contains_ci(e["stage"].get<std::string>(), state.filter))
                    entries.push_back(e);
            out["timeline"] = entries;
            break;
        }
    }
    return json_visible(out.dump(2));  // C1 and bidi escaped too, as check --json does
}

}  // namespace shipwatch::tui

// Headless presenters for `shipwatch check` and `wait`: a readable text report and the stable
// JSON document (schema in README.md, "JSON output").
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/analysis.hpp"

namespace shipwatch::tui {

struct TextOptions {
    bool color = false;
    size_t timeline_entries = 12;
    size_t evidence_per_stage = 4;  // the JSON has them all
};

std::string render_text(const std::vector<PipelineAnalysis>& pipelines, const TextOptions& options = {});

nlohmann::json to_json(const PipelineAnalysis& pipeline);
nlohmann::json to_json(const std::vector<PipelineAnalysis>& pipelines);

}  // namespace shipwatch::tui

#include "model/snapshot.hpp"

#include <fmt/format.h>

namespace shipwatch {

std::string describe(const FetchError& e) {
    std::string what = e.code.empty() ? e.message : (e.message.empty() ? e.code : e.code + ": " + e.message);
    return fmt::format("{}: {} (at {})", to_string(e.source), what, format_clock(e.time));
}

Source source_of(Part part, const PipelineSpec& spec) {
    if (part == Part::builds && !spec.codebuild_project.empty()) return Source::codebuild;
    if (part == Part::images && !spec.image_registry.empty()) return Source::registry;
    return part_info(part).source;
}

}  // namespace shipwatch

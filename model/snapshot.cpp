#include "model/snapshot.hpp"

#include <fmt/format.h>

namespace shipwatch {

std::string describe_failure(const FetchError& e) {
    if (e.upstream && !e.context.empty())
        return fmt::format("{} failed: {}", describe(e.context), describe_failure(ErrorContext{}, e.code, e.message));
    // The call names its service ("ecs:DescribeServices"); only without one is the source said.
    std::string what = describe_failure(e.context, e.code, e.message);
    return e.context.call.empty() ? fmt::format("{}: {}", to_string(e.source), what) : what;
}

std::string describe(const FetchError& e) {
    return fmt::format("{}{} (at {})", e.upstream ? "not asked: " : "", describe_failure(e), format_clock(e.time));
}

Source source_of(Part part, const PipelineSpec& spec) {
    if (part == Part::builds && !spec.codebuild_project.empty()) return Source::codebuild;
    if (part == Part::images && !spec.image_registry.empty()) return Source::registry;
    return part_info(part).source;
}

}  // namespace shipwatch

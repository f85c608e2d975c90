#include "model/source.hpp"

namespace shipwatch {

const SourceInfo& source_info(Source s) { return kSources[static_cast<size_t>(s)]; }

std::string_view to_string(Source s) { return source_info(s).id; }

std::optional<Source> source_from_string(std::string_view id) {
    for (const auto& row : kSources)
        if (row.id == id) return row.source;
    return std::nullopt;
}

const PartInfo& part_info(Part p) { return kParts[static_cast<size_t>(p)]; }

std::string_view to_string(Part p) { return part_info(p).id; }

std::optional<Part> part_from_string(std::string_view id) {
    for (const auto& row : kParts)
        if (row.id == id) return row.part;
    return std::nullopt;
}

}  // namespace shipwatch

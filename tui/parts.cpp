#include "tui/parts.hpp"

#include <algorithm>
#include <map>

namespace shipwatch::tui {

std::vector<PartStatus> parts_of(const PipelineSnapshot& s) {
    std::vector<PartStatus> out;
    for_each_part(s, [&](Part part, const auto& f) {
        out.push_back({part, source_of(part, s.spec), f.configured, f.has(), f.fetched_at, f.error});
    });
    return out;
}

const PartStatus& status_of(const std::vector<PartStatus>& parts, Part part) {
    // parts_of lists every part in Part order.
    return parts.at(static_cast<size_t>(part));
}

std::vector<SourceSummary> summarize_sources(const Picture& picture, TimePoint wall_now, Duration picture_age) {
    std::vector<SourceSummary> out;
    if (!picture.sources.empty()) {
        for (const auto& s : picture.sources) {
            SourceSummary sum{s.name, s.state, std::nullopt, s.error};
            if (s.last_success) sum.age = wall_now - *s.last_success;
            out.push_back(std::move(sum));
        }
        return out;
    }
    // Keep the order APIs appear in the chain (kSources); merge every pipeline's parts of one API.
    std::map<Source, SourceSummary> by_family;
    for (const auto& e : picture.pipelines) {
        if (!e.analysis) continue;
        const TimePoint now = e.analysis->snapshot.now;
        for (const auto& p : parts_of(e.analysis->snapshot)) {
            if (!p.configured) continue;
            auto [it, fresh] = by_family.try_emplace(p.source);
            SourceSummary& s = it->second;
            if (fresh) s.name = source_info(p.source).family;
            // The oldest successful fetch is what the status bar must admit to.
            if (p.fetched_at) {
                Duration age = std::max(Duration{}, now - *p.fetched_at) + picture_age;
                if (!s.age || age > *s.age) s.age = age;
            }
            if (p.error) {
                s.state = SourceState::State::failing;
                s.error = describe(*p.error);
            }
        }
    }
    for (const auto& row : kSources)
        if (auto it = by_family.find(row.source); it != by_family.end()) out.push_back(it->second);
    return out;
}

}  // namespace shipwatch::tui

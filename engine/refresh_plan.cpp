#include "engine/refresh_plan.hpp"

#include <algorithm>
#include <map>

namespace shipwatch {
namespace {

// Even phases for the distinct keys, in order of first appearance (deterministic, and the
// widest possible spacing: hashing could put two big clusters on the same second).
std::vector<Duration> phases(const std::vector<std::string>& keys, Duration interval) {
    std::map<std::string, size_t> index;
    for (const auto& k : keys) index.emplace(k, index.size());
    std::vector<Duration> out;
    out.reserve(keys.size());
    for (const auto& k : keys) out.push_back(interval * static_cast<long long>(index[k]) / static_cast<long long>(index.size()));
    return out;
}

}  // namespace

RefreshGroups refresh_groups(const PipelineSpec& spec) {
    RefreshGroups g;
    g.live = spec.kind == PipelineKind::ecs ? "ecs " + spec.region + "/" + spec.cluster : "pipeline " + spec.name;
    if (!spec.codebuild_project.empty()) g.slow = "codebuild " + spec.region + "/" + spec.codebuild_project;
    else if (!spec.repo.empty()) g.slow = "repo " + spec.repo;
    else g.slow = "pipeline " + spec.name;
    return g;
}

Duration next_in_phase(Duration phase, Duration interval, Duration not_before) {
    if (interval <= Duration::zero() || not_before <= phase) return phase;
    auto k = (not_before - phase + interval - Duration(1)) / interval;  // round up
    return phase + k * interval;
}

RefreshPlan::RefreshPlan(const std::vector<RefreshGroups>& slots, Duration live_interval, Duration slow_interval)
    : live_interval_(live_interval), slow_interval_(slow_interval), slots_(slots.size()) {
    std::vector<std::string> live, slow;
    for (const auto& s : slots) {
        live.push_back(s.live);
        slow.push_back(s.slow);
    }
    auto lp = phases(live, live_interval), sp = phases(slow, slow_interval);
    for (size_t i = 0; i < slots_.size(); ++i) slots_[i] = Slot{lp[i], sp[i], Duration::zero(), Duration::zero()};
}

RefreshParts RefreshPlan::parts_due(size_t slot, Duration now) const {
    return RefreshParts{slots_[slot].next_live <= now, slots_[slot].next_slow <= now};
}

// The next refresh is the first phase slot at least half an interval away: in steady state that
// is exactly one interval later; after the first picture (or a refresh slowed down by the
// budget) it never comes back right away, and a late group keeps its phase instead of drifting.
void RefreshPlan::finished(size_t slot, RefreshParts parts, Duration now) {
    Slot& s = slots_[slot];
    if (parts.live) s.next_live = next_in_phase(s.live_phase, live_interval_, now + live_interval_ / 2);
    if (parts.slow) s.next_slow = next_in_phase(s.slow_phase, slow_interval_, now + slow_interval_ / 2);
}

void RefreshPlan::all_due(Duration now) {
    for (auto& s : slots_) s.next_live = s.next_slow = now;
}

}  // namespace shipwatch

// When each pipeline is refreshed next: a pure function of the intervals, the pipelines' groups
// and when their last refresh finished, so it is tested without clocks or threads.
//
// The first picture comes as fast as the budget allows (everything is due at once). After that
// refreshes are spread over the interval instead of bursting: each group gets a fixed phase,
// evenly spaced through the interval in the order the groups first appear, and its pipelines
// are due at phase + k * interval. Pipelines that share a batched fetch (one ECS cluster for the
// live parts, one repository for the slow ones) share a group, hence a phase, so they still
// share one fetch per interval.
#pragma once

#include <string>
#include <vector>

#include "engine/collector.hpp"
#include "model/time.hpp"

namespace shipwatch {

struct RefreshGroups {
    std::string live;  // e.g. "ecs eu-west-1/prod": pipelines whose live parts are fetched together
    std::string slow;  // e.g. "repo acme/api": pipelines whose slow parts are fetched together
};

// The groups of a pipeline, from its spec: its ECS cluster, its repository (or CodeBuild project).
RefreshGroups refresh_groups(const PipelineSpec& spec);

class RefreshPlan {
public:
    // Times are offsets from the plan's start (the Scheduler's start; a test's zero).
    RefreshPlan(const std::vector<RefreshGroups>& slots, Duration live_interval, Duration slow_interval);

    Duration next_live(size_t slot) const { return slots_[slot].next_live; }
    Duration next_slow(size_t slot) const { return slots_[slot].next_slow; }
    Duration due(size_t slot) const { return std::min(next_live(slot), next_slow(slot)); }
    // What a refresh starting at `now` must fetch.
    RefreshParts parts_due(size_t slot, Duration now) const;
    // A refresh of `parts` finished at `now`: schedule the next ones in the slot's phase.
    void finished(size_t slot, RefreshParts parts, Duration now);
    // Everything due at `now` (the `r` key).
    void all_due(Duration now);

    Duration live_phase(size_t slot) const { return slots_[slot].live_phase; }
    Duration slow_phase(size_t slot) const { return slots_[slot].slow_phase; }

private:
    struct Slot {
        Duration live_phase{}, slow_phase{};
        Duration next_live{}, next_slow{};
    };
    Duration live_interval_, slow_interval_;
    std::vector<Slot> slots_;
};

// The first time phase + k * interval (k >= 0) that is at least `not_before`.
Duration next_in_phase(Duration phase, Duration interval, Duration not_before);

}  // namespace shipwatch

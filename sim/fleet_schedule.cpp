// When each commit is merged and what happens to it in each pipeline of its repository: an
// ordinary rollout, or one of the incidents of shared/incidents.md followed by its recovery.
// The script and the ground truth are both written from this one schedule.
#include <algorithm>

#include "sim/fleet_detail.hpp"

namespace shipwatch::sim::fleet {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr TimePoint kNever = TimePoint::max();

// Fills in the times of one commit's trip through one pipeline.
Cycle plan_cycle(size_t pipeline, int commit, TimePoint merge, Outcome outcome, Rng& rng, bool recover) {
    Cycle c{pipeline, commit, merge, outcome, {}, {}, {}};
    c.build_start = merge + seconds(30) + rng.between(Duration{0}, minutes(3));  // runner pick-up
    const Duration fix_after = rng.between(hours(2), hours(8));  // until someone notices and acts
    const TimePoint pushed = c.build_start + kBuildTime;
    const TimePoint rollout = pushed + kRolloutDelay;
    switch (outcome) {
        case Outcome::normal:
            c.live = rollout + kRolloutDone;
            break;
        case Outcome::merged_after_deploy:
            // No run at all until someone starts the workflow by hand; then an ordinary trip.
            c.recover = recover ? merge + fix_after : kNever;
            c.build_start = c.recover;
            c.live = recover ? c.recover + kBuildTime + kRolloutDelay + kRolloutDone : kNever;
            break;
        case Outcome::image_never_pushed:
            // The run fails at `docker push`; a re-run later pushes and deploys.
            c.recover = recover ? pushed + fix_after : kNever;
            c.live = recover ? c.recover + kBuildTime + kRolloutDelay + kRolloutDone : kNever;
            break;
        case Outcome::cache_trap:
            // `latest` moves, nothing restarts the tasks; someone stops them by hand.
            c.recover = recover ? pushed + fix_after : kNever;
            c.live = recover ? c.recover + kTargetsHealthy : kNever;
            break;
        case Outcome::secret_stuck:
            // The rollout retries every 13 minutes until the secret is fixed.
            c.recover = recover ? rollout + fix_after : kNever;
            c.live = recover ? c.recover + kRolloutDone : kNever;
            break;
    }
    return c;
}

// The incidents a pipeline can have: the cache trap needs a pipeline that deploys `:latest`.
Outcome incident_for(const PipelineLayout& p, uint64_t pick) {
    if (p.latest_tag && pick % 2 == 0) return Outcome::cache_trap;
    static const Outcome others[] = {Outcome::image_never_pushed, Outcome::secret_stuck, Outcome::merged_after_deploy};
    return others[pick % 3];
}

TruthKind kind_of(Outcome o) {
    switch (o) {
        case Outcome::normal: return TruthKind::deploying;
        case Outcome::image_never_pushed: return TruthKind::image_never_pushed;
        case Outcome::cache_trap: return TruthKind::cache_trap;
        case Outcome::secret_stuck: return TruthKind::secret_rollout_stuck;
        case Outcome::merged_after_deploy: return TruthKind::merged_after_deploy;
    }
    return TruthKind::deploying;
}

}  // namespace

Schedule make_schedule(const Layout& layout, Rng& rng, TimePoint from, TimePoint until, bool recover) {
    Schedule s;
    const bool week = recover;
    // Each pipeline's first incident comes at its 2nd-4th commit, so every pipeline has one.
    std::vector<int> forced(layout.pipelines.size());
    for (auto& f : forced) f = 1 + static_cast<int>(rng.below(3));
    std::vector<int> seen(layout.pipelines.size(), 0);
    for (size_t r = 0; r < layout.repos.size(); ++r) {
        const RepoLayout& repo = layout.repos[r];
        int commit = 2;  // 0 and 1 are in the initial world
        if (!week) {
            // Static fleet: about half the repositories had a merge within the last hour and a half.
            if (rng.chance(50)) continue;
            TimePoint merge = until - rng.between(minutes(50), minutes(90));
            s.merges.push_back({r, commit, merge});
            for (size_t p : repo.pipelines) {
                Outcome o = rng.chance(55) ? Outcome::normal : incident_for(layout.pipelines[p], rng.below(6));
                s.cycles.push_back(plan_cycle(p, commit, merge, o, rng, false));
            }
            continue;
        }
        // A week: merges staggered per repository, the next one after every pipeline recovered.
        TimePoint t = from + rng.between(minutes(5), hours(10));
        while (t < until) {
            s.merges.push_back({r, commit, t});
            TimePoint settled = t;
            for (size_t p : repo.pipelines) {
                const PipelineLayout& pl = layout.pipelines[p];
                Outcome o = Outcome::normal;
                if (seen[p] == forced[p]) o = incident_for(pl, pl.latest_tag ? 0 : p + static_cast<size_t>(seen[p]));
                else if (seen[p] > forced[p] && rng.chance(12)) o = incident_for(pl, rng.below(6));
                ++seen[p];
                Cycle c = plan_cycle(p, commit, t, o, rng, true);
                settled = std::max(settled, c.live);
                s.cycles.push_back(c);
            }
            ++commit;
            t = settled + rng.between(hours(3), hours(16));
        }
    }
    std::stable_sort(s.merges.begin(), s.merges.end(), [](const Merge& a, const Merge& b) { return a.at < b.at; });
    std::stable_sort(s.cycles.begin(), s.cycles.end(), [](const Cycle& a, const Cycle& b) {
        return a.pipeline != b.pipeline ? a.pipeline < b.pipeline : a.merge < b.merge;
    });
    return s;
}

FleetTruth truth_of(const Layout& layout, const Schedule& schedule) {
    FleetTruth truth;
    for (const Cycle& c : schedule.cycles)
        truth.broken.push_back({layout.pipelines[c.pipeline].name, c.merge, c.live, kind_of(c.outcome)});
    return truth;
}

}  // namespace shipwatch::sim::fleet

namespace shipwatch::sim {

const char* to_string(TruthKind k) {
    switch (k) {
        case TruthKind::deploying: return "deploying";
        case TruthKind::image_never_pushed: return "image_never_pushed";
        case TruthKind::cache_trap: return "cache_trap";
        case TruthKind::secret_rollout_stuck: return "secret_rollout_stuck";
        case TruthKind::merged_after_deploy: return "merged_after_deploy";
    }
    return "?";
}

bool FleetTruth::broken_throughout(const std::string& pipeline, TimePoint from, TimePoint to) const {
    // Intervals of one pipeline never overlap (the next merge waits for the last recovery), so
    // one interval must cover the whole window.
    for (const TruthInterval& i : broken)
        if (i.pipeline == pipeline && i.from <= from && to < i.to) return true;
    return false;
}

int FleetTruth::deployments(const std::string& pipeline) const {
    int n = 0;
    for (const TruthInterval& i : broken)
        if (i.pipeline == pipeline && i.to != TimePoint::max()) ++n;
    return n;
}

int FleetTruth::incidents(const std::string& pipeline) const {
    int n = 0;
    for (const TruthInterval& i : broken)
        if (i.pipeline == pipeline && i.kind != TruthKind::deploying) ++n;
    return n;
}

}  // namespace shipwatch::sim

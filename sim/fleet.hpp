// Generated fleets: N pipelines over several clusters and regions, repositories shared by a few
// pipelines each, in the same world shapes the curated scenarios use (so SimTransport, SimServer
// and the demo serve them unchanged). Built-in names: "fleet-200" (static, mostly healthy with
// some incidents at the start) and "fleet-50-week" (a 7-day script of deployments and incidents).
// With the week comes the ground truth: when each pipeline is not live, from the same schedule
// that wrote the script, so tests can judge the engine against it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/simulator.hpp"

namespace shipwatch::sim {

struct FleetOptions {
    int pipelines = 20;  // 1..10000
    int clusters = 0;  // 0: one per 8 pipelines, at least one per region used
    std::vector<std::string> regions{"us-west-2", "eu-west-1", "ap-southeast-2"};
    int pipelines_per_repo = 3;  // several pipelines share one GitHub repository (1..10)
    uint64_t seed = 1;
    bool week = false;  // a 7-day script: deployments and incidents, staggered by the seed
};

// Why a pipeline is not live. `deploying` is an ordinary rollout (merge → build → push →
// task definition → rollout → endpoint); the others are the incidents of shared/incidents.md,
// each until it has recovered and the fix is deployed.
enum class TruthKind {
    deploying,
    image_never_pushed,  // the build fails at `docker push`; a later re-run builds and deploys it
    cache_trap,  // `latest` re-pushed, tasks keep the old digest until someone stops them
    secret_rollout_stuck,  // new tasks stop on a secret every few minutes until it is fixed
    merged_after_deploy,  // the commit has no build until someone runs the workflow
};
const char* to_string(TruthKind k);

struct TruthInterval {
    std::string pipeline;
    TimePoint from{};  // the merge
    TimePoint to{};  // the moment the fix is fully live (tasks, targets and endpoint)
    TruthKind kind = TruthKind::deploying;
};

struct FleetTruth {
    std::vector<TruthInterval> broken;  // per pipeline, in time order; half-open [from, to)
    // True when the pipeline is not live at every moment of [from, to] (refresh lag: a snapshot
    // whose parts were fetched over [from, to] may only say `live` if it was live at some point).
    bool broken_throughout(const std::string& pipeline, TimePoint from, TimePoint to) const;
    bool broken_at(const std::string& pipeline, TimePoint t) const { return broken_throughout(pipeline, t, t); }
    int deployments(const std::string& pipeline) const;  // completed rollouts of new commits
    int incidents(const std::string& pipeline) const;
};

struct Fleet {
    Scenario scenario;
    FleetTruth truth;
};

// Errors name the option and the allowed range.
Result<Fleet> make_fleet(const FleetOptions& options);

// "fleet-N" or "fleet-N-week" (N pipelines): nullopt when `name` is not a fleet name at all;
// an error when it is one but N is out of range.
std::optional<Result<FleetOptions>> fleet_options_from_name(const std::string& name);

}  // namespace shipwatch::sim

// Deterministic pictures for the dashboard tests: the built-in scenarios collected once on a
// frozen clock (each at its own start time), analysed, and put into a Picture.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/demo_sources.hpp"
#include "model/analysis.hpp"
#include "model/picture.hpp"

namespace shipwatch::fixtures {

inline Picture demo_picture(const std::vector<std::string>& scenarios) {
    DemoClock clock;
    clock.frozen = true;
    auto demo = make_demo(scenarios, clock);
    if (!demo) throw std::runtime_error(demo.error().message);
    Picture p;
    p.context = "demo";
    for (auto& c : demo.value()->collectors) {
        auto a = std::make_shared<const PipelineAnalysis>(analyze(c->collect()));
        p.pipelines.push_back({a->diagnosis.pipeline, a, false});
    }
    p.generation = 1;
    return p;
}

inline const std::vector<std::string>& scenario_list() {
    static const std::vector<std::string> names = {"phantom-ecs", "ec2-never-updated", "stuck-rollouts", "cache-trap",
                                                   "merged-after-deploy", "healthy", "rollout"};
    return names;
}

}  // namespace shipwatch::fixtures

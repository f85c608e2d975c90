#include "tui/parts.hpp"

#include <algorithm>
#include <map>

namespace shipwatch::tui {
namespace {

template <typename T>
PartStatus part(const char* name, std::string family, const Fetched<T>& f) {
    return {name, std::move(family), f.configured, f.has(), f.fetched_at, f.error};
}

}  // namespace

std::vector<PartStatus> parts_of(const PipelineSnapshot& s) {
    std::string ci = s.spec.codebuild_project.empty() ? "github" : "codebuild";
    return {part("commits", "github", s.commits),
            part("builds", ci, s.builds),
            part("images", "ecr", s.images),
            part("service", "ecs", s.service),
            part("task_definitions", "ecs", s.task_definitions),
            part("tasks", "ecs", s.tasks),
            part("target_groups", "elb", s.target_groups),
            part("instances", "ec2", s.instances),
            part("version", "endpoint", s.versions),
            part("logs", "logs", s.logs),
            part("secrets", "secrets", s.secrets)};
}

std::vector<std::string> parts_for_stage(const std::string& stage) {
    if (stage == "push") return {"commits"};
    if (stage == "build") return {"builds", "commits"};
    if (stage == "image") return {"images", "task_definitions"};
    if (stage == "taskdef") return {"service", "task_definitions", "secrets"};
    if (stage == "tasks") return {"service", "tasks", "logs"};
    if (stage == "alb") return {"target_groups", "version", "tasks"};
    if (stage == "instances") return {"instances", "version"};
    return {};
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
    // Keep the order APIs appear in the chain; merge every pipeline's parts of one family.
    static const std::vector<std::string> order = {"github", "codebuild", "ecr", "ecs", "elb", "ec2", "endpoint", "logs", "secrets"};
    std::map<std::string, SourceSummary> by_family;
    for (const auto& e : picture.pipelines) {
        if (!e.analysis) continue;
        const TimePoint now = e.analysis->snapshot.now;
        for (const auto& p : parts_of(e.analysis->snapshot)) {
            if (!p.configured) continue;
            auto [it, fresh] = by_family.try_emplace(p.family);
            SourceSummary& s = it->second;
            if (fresh) s.name = p.family;
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
    for (const auto& f : order)
        if (auto it = by_family.find(f); it != by_family.end()) out.push_back(it->second);
    return out;
}

}  // namespace shipwatch::tui

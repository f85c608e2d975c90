// Two vocabularies of where data comes from, one descriptor table each:
// - Part: a part of a PipelineSnapshot (commits, builds, ...), named the way the JSON `sources`
//   list and the dashboard's "data" line name it;
// - Source: the API service that fetched a part (github, ecs, elbv2, ...), named the way an error
//   names it ("ecs: AccessDeniedException ...") and, in the status bar, by a shorter family label.
// Several parts come from one source (service, task definitions and tasks from ecs), and one part
// may come from either of two (builds: GitHub Actions or CodeBuild), so they are two enums.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "model/enum_table.hpp"

namespace shipwatch {

// Table order is the order the status bar lists the API families in (as they appear in the chain).
// `registry` is any registry other than private ECR (Docker Hub, GHCR, ECR Public, OCI), read
// through the distribution API.
enum class Source { github, codebuild, ecr, registry, ecs, elbv2, ec2, version, logs, secretsmanager, codedeploy };

struct SourceInfo {
    Source source;
    std::string_view id;  // in errors and describe(): "elbv2"
    std::string_view family;  // in the status bar: "elb"
};

inline constexpr std::array<SourceInfo, 11> kSources{{
    {Source::github, "github", "github"},
    {Source::codebuild, "codebuild", "codebuild"},
    {Source::ecr, "ecr", "ecr"},
    {Source::registry, "registry", "registry"},
    {Source::ecs, "ecs", "ecs"},
    {Source::elbv2, "elbv2", "elb"},
    {Source::ec2, "ec2", "ec2"},
    {Source::version, "version", "endpoint"},
    {Source::logs, "logs", "logs"},
    {Source::secretsmanager, "secretsmanager", "secrets"},
    {Source::codedeploy, "codedeploy", "codedeploy"},
}};

const SourceInfo& source_info(Source s);
std::string_view to_string(Source s);  // the id
std::optional<Source> source_from_string(std::string_view id);

// Table order is the order of the JSON `sources` list and of the dashboard's part list.
enum class Part {
    commits,
    builds,
    images,
    service,
    task_definitions,
    tasks,
    target_groups,
    instances,
    version,
    logs,
    secrets,
    deployment,  // the CodeDeploy deployment of a CODE_DEPLOY service's task sets
};

struct PartInfo {
    Part part;
    std::string_view id;  // JSON `sources[].source`: "task_definitions"
    Source source;  // the API it is fetched from (builds: see source_of)
};

inline constexpr std::array<PartInfo, 12> kParts{{
    {Part::commits, "commits", Source::github},
    {Part::builds, "builds", Source::github},
    {Part::images, "images", Source::ecr},
    {Part::service, "service", Source::ecs},
    {Part::task_definitions, "task_definitions", Source::ecs},
    {Part::tasks, "tasks", Source::ecs},
    {Part::target_groups, "target_groups", Source::elbv2},
    {Part::instances, "instances", Source::ec2},
    {Part::version, "version", Source::version},
    {Part::logs, "logs", Source::logs},
    {Part::secrets, "secrets", Source::secretsmanager},
    {Part::deployment, "deployment", Source::codedeploy},
}};

const PartInfo& part_info(Part p);
std::string_view to_string(Part p);  // the id
std::optional<Part> part_from_string(std::string_view id);

static_assert(rows_in_enum_order(kSources, [](const SourceInfo& r) { return r.source; }));
static_assert(rows_in_enum_order(kParts, [](const PartInfo& r) { return r.part; }));
static_assert(kSources.size() == static_cast<size_t>(Source::codedeploy) + 1, "a Source without a row");
static_assert(kParts.size() == static_cast<size_t>(Part::deployment) + 1, "a Part without a row");

}  // namespace shipwatch

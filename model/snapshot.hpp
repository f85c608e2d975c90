// Everything known about one watched pipeline at one moment: each part with the time it was
// fetched and the error if its fetch failed. Built by the engine (engine/collector.cpp), read by the diagnosis.
#pragma once

#include <concepts>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "model/error_context.hpp"
#include "model/source.hpp"
#include "model/types.hpp"

namespace shipwatch {

struct FetchError {
    Source source{};  // the API that failed
    std::string code;  // AWS error code, HTTP status, or transport error kind
    std::string message;
    TimePoint time{};
    ErrorContext context;  // what the failed request asked for; empty when not known
    // The part was not asked: the call in `context`, which it depends on, failed (the registry
    // is found through the service: "registry not read: ecs:DescribeServices ... failed: ...").
    bool upstream = false;
};

// "ecs:DescribeServices cluster c service s (us-west-2, profile prod): ClusterNotFoundException: Cluster not
// found. (at 16:34:02)"; without a context "ecs: AccessDeniedException: User ... (at 16:34:02)".
std::string describe(const FetchError& e);
// The same without the time, for a sentence: "ecs:DescribeServices ...: ClusterNotFoundException: ...";
// upstream: "ecs:DescribeServices ... failed: ClusterNotFoundException: ...".
std::string describe_failure(const FetchError& e);

// One part of a snapshot. `value` holds the last good data (possibly older than `error`).
template <typename T>
struct Fetched {
    std::optional<T> value;
    std::optional<TimePoint> fetched_at;  // when `value` was obtained
    std::optional<FetchError> error;  // set when the latest attempt failed
    bool configured = true;  // false when the pipeline has no source for this part
    // Data older than this is no evidence: the stages resting on it are unknown ("data 42s old").
    // Set by the engine from how often it refreshes the part; none: any age is trusted (a
    // one-shot check reads everything once).
    std::optional<Duration> max_age;

    bool ok() const { return value.has_value() && !error.has_value(); }
    // The value's age when it is past max_age; nullopt while it may be trusted.
    std::optional<Duration> too_old(TimePoint now) const {
        if (!max_age || !value || !fetched_at || now - *fetched_at <= *max_age) return std::nullopt;
        return now - *fetched_at;
    }
    bool has() const { return value.has_value(); }
    const T* get() const { return value ? &*value : nullptr; }
};

enum class PipelineKind { ecs, ec2 };

// What a pipeline watches, as configured or discovered.
struct PipelineSpec {
    std::string name;
    PipelineKind kind = PipelineKind::ecs;
    std::string region;
    std::string profile;  // the AWS profile configured for it; empty: the default chain
    std::string account;  // when known
    std::string repo;  // GitHub owner/name
    std::string branch = "main";
    std::string workflow;
    std::string codebuild_project;
    std::string cluster;
    std::string service;
    std::vector<std::string> target_groups;
    std::string version_url;
    std::string version_json_pointer;
    std::string expect_log;
    std::string image_repository;  // ECR repository, discovered from the task definition
    // The app image's registry when it is not private ECR ("docker.io", "ghcr.io"): its images
    // come from the distribution API. Empty: ECR.
    std::string image_registry;
};

struct PipelineSnapshot {
    PipelineSpec spec;
    TimePoint now{};  // the clock reading the snapshot was assembled at

    Fetched<std::vector<Commit>> commits;  // newest first
    Fetched<std::vector<CiRun>> builds;  // newest first
    Fetched<std::vector<Image>> images;  // recent images of the repository
    Fetched<Service> service;
    Fetched<std::map<std::string, TaskDefinition>> task_definitions;  // by ARN
    Fetched<std::vector<Task>> tasks;  // running and recently stopped
    Fetched<std::vector<TargetGroup>> target_groups;
    Fetched<std::vector<Instance>> instances;
    Fetched<std::vector<VersionObservation>> versions;  // oldest first; last is current
    Fetched<std::vector<LogMatch>> logs;
    Fetched<std::vector<SecretInfo>> secrets;
    Fetched<CodeDeployDeployment> deployment;  // configured only for a CODE_DEPLOY service's task sets
    std::vector<TargetHealthChange> target_changes;  // seen across refreshes
};

// Calls f(Part, Fetched<T>&) (const when `s` is) for every part of the snapshot in Part order
// (the order of kParts): the one place a Part is tied to its member.
template <typename S, typename F>
    requires std::same_as<std::remove_const_t<S>, PipelineSnapshot>
void for_each_part(S& s, F&& f) {
    f(Part::commits, s.commits);
    f(Part::builds, s.builds);
    f(Part::images, s.images);
    f(Part::service, s.service);
    f(Part::task_definitions, s.task_definitions);
    f(Part::tasks, s.tasks);
    f(Part::target_groups, s.target_groups);
    f(Part::instances, s.instances);
    f(Part::version, s.versions);
    f(Part::logs, s.logs);
    f(Part::secrets, s.secrets);
    f(Part::deployment, s.deployment);
}

// The API a part is fetched from for this pipeline: builds come from CodeBuild when a project
// is configured, else from GitHub Actions.
Source source_of(Part part, const PipelineSpec& spec);

}  // namespace shipwatch

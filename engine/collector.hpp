// Gathers one PipelineSnapshot from the APIs, following the dependency chain
// service → task definition → image repository / log group / secrets, and
// service load balancers → target groups → targets → instances. Keeps what must survive between
// refreshes: the last good data of each part, endpoint observations, target health changes, and
// the task definition cache (a revision never changes).
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>

#include "sources/aws/clients.hpp"
#include "base/clock.hpp"
#include "engine/ecs_cluster.hpp"
#include "sources/github/github_client.hpp"
#include "engine/shared_fetch.hpp"
#include "model/snapshot.hpp"

namespace shipwatch {

struct CollectorSources {
    aws::AwsContext aws;  // transport, region and endpoints for this pipeline
    std::shared_ptr<github::GithubClient> github;  // may be shared by pipelines of one repo
    Transport* http = nullptr;  // for the version endpoint
    std::shared_ptr<EcsClusterFetch> ecs_cluster;  // shared by the pipelines of one cluster; may be null
    std::shared_ptr<SlowSourceCache> slow_cache;  // shared commits/runs/images; may be null
};

// Which parts a refresh asks for. Sources change at different speeds: ECS, targets and the
// endpoint move within seconds during a rollout; commits, builds and images every few minutes.
struct RefreshParts {
    bool live = true;  // ECS service, tasks, task definitions, targets, instances, version endpoint
    bool slow = true;  // GitHub commits and runs, CodeBuild, ECR images, logs, secrets
    static RefreshParts all() { return {}; }
};

class PipelineCollector {
public:
    PipelineCollector(PipelineSpec spec, CollectorSources sources, const ClockSource& clock);
    // One refresh of the given parts (parts never fetched are fetched regardless). Never throws;
    // failures land in the snapshot's parts as errors.
    PipelineSnapshot collect(RefreshParts parts = RefreshParts::all());
    // The last snapshot with every configured part failed for `why`: what the scheduler shows
    // when a refresh ended in an exception outside the parts' own barriers.
    PipelineSnapshot failed(const std::string& why);
    const PipelineSpec& spec() const { return snap_.spec; }

private:
    // Runs one step of the chain; an exception in it becomes the typed error of the parts the
    // step fills (FetchError "parse" with the exception's text) and never leaves the thread.
    void guarded(std::initializer_list<Part> parts, const std::function<void()>& step);
    void mark_failed(std::initializer_list<Part> parts, const std::string& why);
    void collect_source();
    void collect_service();
    EcsClusterFetch::ServiceView fetch_service_alone();
    bool images_outdated() const;
    // `owner` is the client whose credentials the answer depends on: the AWS profile's transport
    // for AWS, the GitHub client (one token) for GitHub, whatever AWS profile the pipeline uses.
    template <typename T>
    Result<T> shared(SharedFetch<T> SlowSourceCache::*member, const void* owner, const std::string& key,
                     const std::function<Result<T>()>& fetch);
    void collect_discovered();
    void collect_targets(const std::vector<std::string>& target_groups);
    void collect_instances();
    void collect_version();
    const TaskDefinition* task_definition(const std::string& arn, std::optional<Error>& error);

    CollectorSources src_;
    const ClockSource& clock_;
    PipelineSnapshot snap_;  // carries last good data between refreshes
    std::map<std::string, TaskDefinition> taskdef_cache_;  // the revisions in use, each fetched once
    bool fetched_once_ = false;
    bool refresh_slow_now_ = true;  // this refresh includes the slow parts
    std::optional<std::vector<TargetGroup>> tg_meta_;  // target groups without their targets
    std::vector<std::string> tg_meta_names_;
};

}  // namespace shipwatch

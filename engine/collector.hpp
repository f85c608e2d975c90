// Gathers one PipelineSnapshot from the APIs as a graph of fetches (engine/fetch_graph.hpp): the
// service's cluster, its task definitions, target health, the registry, logs and secrets, the
// repository's commits and runs and the version endpoint each start the moment what they need is
// known, and run at once when they do not need each other. Every value is merged into the
// snapshot on one thread, the merge thread. Keeps what must survive between refreshes: the last
// good data of each part, endpoint observations and target health changes.
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <stop_token>
#include <string>
#include <type_traits>
#include <vector>

#include "base/clock.hpp"
#include "engine/ecs_cluster.hpp"
#include "engine/fetch_graph.hpp"
#include "engine/shared_fetch.hpp"
#include "engine/target_meta.hpp"
#include "model/snapshot.hpp"
#include "sources/aws/clients.hpp"
#include "sources/github/github_client.hpp"
#include "sources/oci/registry_client.hpp"

namespace shipwatch {

struct CollectorSources {
    aws::AwsContext aws;  // transport, region and endpoints for this pipeline
    std::shared_ptr<github::GithubClient> github;  // may be shared by pipelines of one repo
    Transport* http = nullptr;  // for the version endpoint
    std::shared_ptr<EcsClusterFetch> ecs_cluster;  // shared by the pipelines of one cluster; null: its own
    std::shared_ptr<SlowSourceCache> slow_cache;  // shared commits/runs/images/task definitions; null: its own
    // Registries other than private ECR (asked through `http`): endpoint overrides and Docker
    // credentials. Null: each registry's own host, anonymously.
    std::shared_ptr<const oci::RegistryAccess> registries;
};

// Which parts a refresh asks for. Sources change at different speeds: ECS, targets and the
// endpoint move within seconds during a rollout; commits, builds and images every few minutes.
struct RefreshParts {
    bool live = true;  // ECS service, tasks, task definitions, targets, instances, version endpoint
    bool slow = true;  // GitHub commits and runs, CodeBuild, ECR images, logs, secrets
    static RefreshParts all() { return {}; }
};

// How many requests may be in flight at once in one process (the fetch pool's size).
constexpr int kFetchThreads = 64;

class PipelineCollector {
public:
    PipelineCollector(PipelineSpec spec, CollectorSources sources, const ClockSource& clock);
    ~PipelineCollector();

    // Starts one refresh of the given parts (parts never fetched are fetched regardless). Called
    // on the thread that runs ctx.merge: every merge of this refresh runs there, and `done` gets
    // the snapshot there once the last value is merged. One refresh at a time. Never throws out
    // of a merge; failures land in the snapshot's parts as errors.
    void begin(RefreshParts parts, FetchContext ctx, std::function<void(PipelineSnapshot)> done);
    // One refresh run to its end on the calling thread.
    PipelineSnapshot collect(RefreshParts parts = RefreshParts::all());
    // The last snapshot with every configured part failed for `why`: what the scheduler shows
    // when a refresh ended in an exception outside the parts' own barriers.
    PipelineSnapshot failed(const std::string& why);
    // Stops waiting for the running refresh (a call hangs): returns the snapshot as merged so far,
    // and `done` is never called for it. Its values still coming are merged when they come, unless
    // a later refresh has stored newer data; the calls it still waits for are not asked again
    // until they answer, so a hung call holds one thread, not one per refresh. With `unanswered`
    // the parts it still waited for fail with it ("no answer within 20s"); without, they keep
    // their last data, which ages (Fetched::max_age). Called on the merge thread.
    PipelineSnapshot detach(const std::string& unanswered = {});
    TimePoint now() const { return clock_.now(); }  // the world's time its snapshots are dated in
    // How long the running refresh has heard no answer (real time); zero when none runs.
    Duration quiet_for() const;
    const PipelineSpec& spec() const { return snap_.spec; }

private:
    struct Refresh;
    using RefreshPtr = std::shared_ptr<Refresh>;

    // A merge of refresh `r`: `fn` on the merge thread inside the exception barrier of `parts`
    // (an exception becomes their typed error, FetchError "parse"); then `r` counts one value less.
    template <typename... Args>
    std::function<void(Args...)> merge(const RefreshPtr& r, std::initializer_list<Part> parts,
                                       std::type_identity_t<std::function<void(Args...)>> fn);
    void settle(const RefreshPtr& r);
    void guarded(const std::vector<Part>& parts, const std::function<void()>& step);
    void mark_failed(const std::vector<Part>& parts, const std::string& why);

    void begin_source(const RefreshPtr& r);
    void maybe_steps(const RefreshPtr& r);
    void begin_service(const RefreshPtr& r);
    void on_service(const RefreshPtr& r, const EcsClusterFetch::Services& all);
    void begin_codedeploy(const RefreshPtr& r, const Service& svc);
    void want_rolled_out(const RefreshPtr& r, const std::string& arn);
    void on_tasks(const RefreshPtr& r, const EcsClusterFetch::Tasks& all);
    void want_task_definitions(const RefreshPtr& r, const std::vector<std::string>& arns);
    void maybe_task_definitions_done(const RefreshPtr& r);
    bool images_outdated() const;
    void begin_discovered(const RefreshPtr& r);
    void begin_images(const RefreshPtr& r, const ContainerDef* app);
    void begin_secrets(const RefreshPtr& r, const TaskDefinition& td);
    void begin_targets(const RefreshPtr& r, std::vector<std::string> groups, bool own_meta);
    void on_target_meta(const RefreshPtr& r, std::shared_ptr<const TargetMeta> meta);
    void want_health(const RefreshPtr& r, const std::string& arn);
    void maybe_targets_done(const RefreshPtr& r);
    void begin_instances(const RefreshPtr& r);
    void begin_version(const RefreshPtr& r);
    std::string cache_key(const void* owner, const std::string& what) const;

    CollectorSources src_;
    const ClockSource& clock_;
    PipelineSnapshot snap_;  // carries last good data between refreshes; written on the merge thread only
    std::unique_ptr<TargetMetaFetch> own_target_meta_;  // EC2 pipelines: no cluster to share it with
    bool fetched_once_ = false;
    std::weak_ptr<Refresh> running_;  // the refresh begin() started last
    // Calls of any refresh, detached or not, that have not answered yet ("health|<arn>", "version"):
    // a refresh does not ask them again. Merge thread only.
    std::set<std::string> asking_;
};

// When a one-shot collection stops waiting (`check --timeout`, `wait --timeout`): at `at` every
// refresh still running ends with what it has, the parts it waited for failed "no answer within
// <within>", and `stop` is requested so that the calls in flight end and the pool can be joined.
struct CollectDeadline {
    std::chrono::steady_clock::time_point at;
    std::string within;  // "20s"
    std::stop_source stop;
};

// Refreshes of several collectors at once, run to their end (or to the deadline) on the calling
// thread: their fetches on one pool of `threads`, their merges here. What `check`, `wait` and tests
// use; the dashboard's Scheduler runs its own merge thread.
std::vector<PipelineSnapshot> collect_all(const std::vector<PipelineCollector*>& collectors,
                                          RefreshParts parts = RefreshParts::all(), int threads = kFetchThreads,
                                          const CollectDeadline* deadline = nullptr);

}  // namespace shipwatch

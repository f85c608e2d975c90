#include "engine/collector.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>

#include "base/log.hpp"
#include "model/revision.hpp"
#include "sources/aws/user_data.hpp"
#include "sources/version/version_client.hpp"

namespace shipwatch {
namespace {

constexpr size_t kMaxVersionObservations = 200;
constexpr size_t kMaxTargetChanges = 500;

template <typename T>
void store(Fetched<T>& part, Result<T> result, Source source, TimePoint now) {
    if (result.ok()) {
        part.value = std::move(result).value();
        part.fetched_at = now;
        part.error.reset();
    } else {
        const Error& e = result.error();
        part.error = FetchError{source, e.code, e.message, e.time.value_or(now)};  // a cached error keeps its time
    }
}

template <typename T>
void fail(Fetched<T>& part, Source source, std::string code, std::string message, TimePoint now) {
    part.error = FetchError{source, std::move(code), std::move(message), now};
}

bool is_secretsmanager_arn(const std::string& arn) { return arn.rfind("arn:aws:secretsmanager:", 0) == 0; }
bool is_arn(const std::string& text) { return text.rfind("arn:", 0) == 0; }

// valueFrom may carry a JSON key suffix: arn:...:secret:name-AbCdEf:key::
std::string secret_id(const std::string& value_from) {
    size_t colons = 0;
    for (size_t i = 0; i < value_from.size(); ++i)
        if (value_from[i] == ':' && ++colons == 7) return value_from.substr(0, i);
    return value_from;
}

}  // namespace

// What one refresh carries from value to value. Touched on the merge thread only.
struct PipelineCollector::Refresh {
    FetchContext ctx;
    bool live = true, slow = true;
    std::function<void(PipelineSnapshot)> done;
    int pending = 0;  // values still to merge
    std::chrono::steady_clock::time_point started;  // for the log only

    // Source control: the run's steps need the newest commit and the runs.
    bool commits_merged = false, runs_merged = false;
    std::optional<Result<std::vector<CiRun>>> runs;
    TimePoint runs_at{};

    // ECS: the task definitions are complete once the service and the tasks are merged and
    // every revision either named has come back.
    bool service_merged = false, service_ok = false;
    std::optional<EcsClusterFetch::Tasks> early_tasks;  // came before the service: merged after it
    int td_inputs = 2;  // the service, the tasks
    int td_pending = 0;
    std::set<std::string> td_asked;
    std::map<std::string, TaskDefinition> tds;
    std::optional<Error> td_error;
    TimePoint ecs_at{};  // the task definitions are as fresh as the service and tasks that name them

    // Targets: the groups' metadata and each group's health.
    std::vector<std::string> groups;
    std::shared_ptr<const TargetMeta> meta;
    std::map<std::string, std::optional<Result<std::vector<Target>>>> health;  // by group ARN
    std::optional<TimePoint> health_at;  // the oldest health answer

    // Secrets: every DescribeSecret of the task definition.
    int secrets_pending = 0;
    std::map<size_t, SecretInfo> secrets;  // in the task definition's order
    std::optional<Error> secret_error;

    // EC2 instances: DescribeInstances, then the user data of instances not seen before.
    int user_data_pending = 0;
    std::vector<Instance> instances;
    TimePoint instances_at{};
};

PipelineCollector::PipelineCollector(PipelineSpec spec, CollectorSources sources, const ClockSource& clock)
    : src_(std::move(sources)), clock_(clock) {
    snap_.spec = std::move(spec);
    const auto& s = snap_.spec;
    bool ecs = s.kind == PipelineKind::ecs;
    snap_.commits.configured = !s.repo.empty() && src_.github;
    snap_.builds.configured = !s.codebuild_project.empty() || snap_.commits.configured;
    snap_.images.configured = ecs;
    snap_.service.configured = ecs;
    snap_.task_definitions.configured = ecs;
    snap_.tasks.configured = ecs;
    snap_.instances.configured = !ecs;
    snap_.target_groups.configured = !s.target_groups.empty();
    snap_.versions.configured = !s.version_url.empty();
    snap_.logs.configured = !s.expect_log.empty();
    snap_.secrets.configured = false;  // known once the task definition is read

    // Alone (tests, one-off tools): a cluster fetch and caches of its own, asked every refresh.
    if (!src_.slow_cache) src_.slow_cache = std::make_shared<SlowSourceCache>(clock_, Duration::zero());
    if (ecs && !src_.ecs_cluster) {
        src_.ecs_cluster =
            std::make_shared<EcsClusterFetch>(src_.aws, s.cluster, clock_, Duration::zero(), Duration::zero());
    }
    if (ecs) src_.ecs_cluster->watch(s.service, s.target_groups);
    if (!ecs) own_target_meta_ = std::make_unique<TargetMetaFetch>(src_.aws, clock_, std::chrono::minutes(5));
}

PipelineCollector::~PipelineCollector() = default;

template <typename... Args>
std::function<void(Args...)> PipelineCollector::merge(const RefreshPtr& r, std::initializer_list<Part> parts,
                                                      std::type_identity_t<std::function<void(Args...)>> fn) {
    ++r->pending;
    return [this, r, parts = std::vector<Part>(parts), fn = std::move(fn)](Args... args) {
        guarded(parts, [&] { fn(args...); });
        settle(r);
    };
}

void PipelineCollector::settle(const RefreshPtr& r) {
    if (--r->pending > 0) return;
    snap_.now = clock_.now();
    logging::logger().debug(
        "refresh {}: done in {} ms", snap_.spec.name,
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - r->started).count());
    auto done = std::move(r->done);
    done(snap_);
}

void PipelineCollector::guarded(const std::vector<Part>& parts, const std::function<void()>& step) {
    try {
        step();
    } catch (const std::exception& e) {
        logging::logger().error("refresh {}: {}", snap_.spec.name, e.what());
        mark_failed(parts, e.what());
    } catch (...) {
        logging::logger().error("refresh {}: an exception that is not a std::exception", snap_.spec.name);
        mark_failed(parts, "unknown exception");
    }
}

void PipelineCollector::mark_failed(const std::vector<Part>& parts, const std::string& why) {
    TimePoint now = clock_.now();
    for_each_part(snap_, [&](Part part, auto& fetched) {
        if (std::find(parts.begin(), parts.end(), part) == parts.end() || !fetched.configured) return;
        fetched.error = FetchError{source_of(part, snap_.spec), "parse", why, now};
    });
}

PipelineSnapshot PipelineCollector::failed(const std::string& why) {
    TimePoint now = clock_.now();
    for_each_part(snap_, [&](Part part, auto& fetched) {
        if (fetched.configured) fetched.error = FetchError{source_of(part, snap_.spec), "parse", why, now};
    });
    snap_.now = now;
    return snap_;
}

void PipelineCollector::begin(RefreshParts parts, FetchContext ctx, std::function<void(PipelineSnapshot)> done) {
    bool first = !fetched_once_;
    fetched_once_ = true;
    auto r = std::make_shared<Refresh>(Refresh{ctx.with(clock_)});
    r->slow = parts.slow || first;
    r->live = parts.live || first;
    r->done = std::move(done);
    r->started = std::chrono::steady_clock::now();
    logging::logger().debug("refresh {}: start ({})", snap_.spec.name,
                            r->slow && r->live ? "all"
                            : r->slow          ? "slow sources"
                                               : "live sources");
    ++r->pending;  // held while the first fetches are started, so none can end the refresh early
    guarded({Part::commits, Part::builds}, [&] {
        if (r->slow) begin_source(r);
    });
    guarded({Part::version}, [&] {
        if (r->live) begin_version(r);
    });
    if (snap_.spec.kind == PipelineKind::ecs) {
        guarded({Part::service, Part::tasks, Part::task_definitions, Part::target_groups}, [&] {
            if (r->live) begin_service(r);
        });
        // A slow refresh alone reads the registry, logs and secrets through the service and task
        // definition it already has; with the live parts it waits for the fresh ones.
        guarded({Part::images, Part::logs, Part::secrets}, [&] {
            if (!r->live && (r->slow || images_outdated())) begin_discovered(r);
        });
    } else if (r->live) {
        guarded({Part::target_groups, Part::instances}, [&] { begin_targets(r, snap_.spec.target_groups, true); });
    }
    settle(r);
}

std::string PipelineCollector::cache_key(const void* owner, const std::string& what) const {
    return fmt::format("{}|{}", owner, what);
}

// Commits and runs at once; the steps of the run that matters once both are in.
void PipelineCollector::begin_source(const RefreshPtr& r) {
    const auto& s = snap_.spec;
    auto* cache = src_.slow_cache.get();
    if (snap_.commits.configured) {
        auto gh = src_.github;
        cache->commits.get(
            r->ctx, cache_key(gh.get(), "commits|" + s.repo + "|" + s.branch),
            [gh, repo = s.repo, branch = s.branch] { return gh->commits(repo, branch, 30); },
            merge<const Result<std::vector<Commit>>&, TimePoint>(
                r, {Part::commits, Part::builds}, [this, r](const Result<std::vector<Commit>>& c, TimePoint at) {
                    store(snap_.commits, c, Source::github, at);
                    r->commits_merged = true;
                    maybe_steps(r);
                }));
    } else {
        r->commits_merged = true;
    }
    if (!s.codebuild_project.empty()) {
        auto aws = src_.aws;
        cache->builds.get(
            r->ctx, cache_key(aws.transport, "codebuild|" + s.region + "|" + s.codebuild_project),
            [aws, project = s.codebuild_project] { return aws::CodeBuildClient(aws).recent_builds(project, 20); },
            merge<const Result<std::vector<CiRun>>&, TimePoint>(
                r, {Part::builds}, [this](const Result<std::vector<CiRun>>& b, TimePoint at) {
                    store(snap_.builds, b, source_of(Part::builds, snap_.spec), at);
                }));
    } else if (snap_.commits.configured) {
        auto gh = src_.github;
        cache->runs.get(
            r->ctx, cache_key(gh.get(), "runs|" + s.repo + "|" + s.branch + "|" + s.workflow),
            [gh, repo = s.repo, branch = s.branch, workflow = s.workflow] {
                return gh->workflow_runs(repo, branch, workflow, 20);
            },
            merge<const Result<std::vector<CiRun>>&, TimePoint>(
                r, {Part::builds}, [this, r](const Result<std::vector<CiRun>>& runs, TimePoint at) {
                    r->runs = runs;
                    r->runs_at = at;
                    r->runs_merged = true;
                    maybe_steps(r);
                }));
    }
}

// The steps of the newest commit's newest run: why it failed or where it is.
void PipelineCollector::maybe_steps(const RefreshPtr& r) {
    if (!r->commits_merged || !r->runs_merged || !r->runs) return;
    const Source source = source_of(Part::builds, snap_.spec);
    if (!r->runs->ok()) {
        store(snap_.builds, *r->runs, source, r->runs_at);
        return;
    }
    std::vector<CiRun> runs = r->runs->value();
    r->runs.reset();
    const std::string newest =
        snap_.commits.value && !snap_.commits.value->empty() ? snap_.commits.value->front().sha : "";
    auto run = std::find_if(runs.begin(), runs.end(), [&](const CiRun& c) { return c.sha == newest; });
    if (run == runs.end()) {
        store(snap_.builds, Result<std::vector<CiRun>>(std::move(runs)), source, r->runs_at);
        return;
    }
    const auto& s = snap_.spec;
    auto gh = src_.github;
    size_t index = static_cast<size_t>(run - runs.begin());
    src_.slow_cache->steps.get(
        r->ctx, cache_key(gh.get(), "steps|" + s.repo + "|" + run->id + "|" + run->status_key()),
        [gh, repo = s.repo, id = run->id] { return gh->run_steps(repo, id); },
        merge<const Result<std::vector<CiStep>>&, TimePoint>(
            r, {Part::builds},
            [this, r, runs = std::move(runs), index, source](const Result<std::vector<CiStep>>& steps,
                                                             TimePoint) mutable {
                if (steps) runs[index].steps = steps.value();
                store(snap_.builds, Result<std::vector<CiRun>>(std::move(runs)), source, r->runs_at);
            }));
}

void PipelineCollector::begin_service(const RefreshPtr& r) {
    auto gen = src_.ecs_cluster->get(r->ctx);
    gen->services.then(r->ctx.merge,
                       merge<const EcsClusterFetch::Services&>(
                           r, {Part::service, Part::tasks, Part::task_definitions, Part::target_groups},
                           [this, r](const EcsClusterFetch::Services& all) { on_service(r, all); }));
    gen->tasks.then(r->ctx.merge, merge<const EcsClusterFetch::Tasks&>(
                                      r, {Part::tasks, Part::task_definitions},
                                      [this, r](const EcsClusterFetch::Tasks& all) { on_tasks(r, all); }));
    // The metadata comes after the services (it needs their target groups), so by then
    // on_service has said which groups this pipeline has. No closure holds the generation: one
    // that is never completed (its calls dropped at a quit) is freed with the pool's jobs.
    gen->target_groups.then(r->ctx.merge, merge<const std::shared_ptr<const TargetMeta>&>(
                                              r, {Part::target_groups},
                                              [this, r](const std::shared_ptr<const TargetMeta>& meta) {
                                                  if (!r->groups.empty()) on_target_meta(r, meta);
                                              }));
}

void PipelineCollector::on_service(const RefreshPtr& r, const EcsClusterFetch::Services& all) {
    const auto& s = snap_.spec;
    store(snap_.service, all.of(s.service, s.cluster), Source::ecs, all.at);
    r->ecs_at = std::max(r->ecs_at, all.at);
    r->service_merged = true;
    --r->td_inputs;
    if (!snap_.service.ok()) {
        // Without the service nothing downstream can be asked; mark the parts as failed too.
        auto e = *snap_.service.error;
        snap_.tasks.error = e;
        snap_.task_definitions.error = e;
        r->td_inputs = -1;  // the task definitions are not asked for this time
        if (r->slow || images_outdated()) begin_discovered(r);
        return;
    }
    r->service_ok = true;
    const Service& svc = *snap_.service.value;
    // Task definitions of the service and of every deployment (a failed one tells a rollback).
    std::vector<std::string> wanted{svc.task_definition};
    for (const auto& d : svc.deployments) wanted.push_back(d.task_definition);
    want_task_definitions(r, wanted);

    std::vector<std::string> groups = s.target_groups;
    for (const auto& lb : svc.load_balancers)
        if (!lb.target_group_arn.empty() &&
            std::find(groups.begin(), groups.end(), lb.target_group_arn) == groups.end())
            groups.push_back(lb.target_group_arn);
    snap_.target_groups.configured = !groups.empty();
    if (!groups.empty()) begin_targets(r, std::move(groups), false);
    if (r->early_tasks) {
        EcsClusterFetch::Tasks tasks = std::move(*r->early_tasks);
        r->early_tasks.reset();
        on_tasks(r, tasks);
        return;
    }
    maybe_task_definitions_done(r);
}

// The listing does not wait for DescribeServices, so the tasks can come first; they are merged
// once the service is, which decides whether they count.
void PipelineCollector::on_tasks(const RefreshPtr& r, const EcsClusterFetch::Tasks& all) {
    if (!r->service_merged) {
        r->early_tasks = all;
        return;
    }
    if (!r->service_ok) return;  // the service's error stands for its tasks too
    store(snap_.tasks, all.of(snap_.spec.service), Source::ecs, all.at);
    r->ecs_at = std::max(r->ecs_at, all.at);
    --r->td_inputs;
    // A task can run a revision no deployment names any more (stopped tasks of older ones).
    std::vector<std::string> wanted;
    if (snap_.tasks.value)
        for (const auto& t : *snap_.tasks.value) wanted.push_back(t.task_definition);
    want_task_definitions(r, wanted);
    maybe_task_definitions_done(r);
}

// Each revision once per account and region, shared by every pipeline (a revision never changes).
void PipelineCollector::want_task_definitions(const RefreshPtr& r, const std::vector<std::string>& arns) {
    for (const auto& arn : arns) {
        if (arn.empty() || !r->td_asked.insert(arn).second) continue;
        ++r->td_pending;
        auto aws = src_.aws;
        src_.slow_cache->task_definitions.get(
            r->ctx, cache_key(aws.transport, "taskdef|" + aws.region + "|" + arn),
            [aws, arn] { return aws::EcsClient(aws).describe_task_definition(arn); },
            merge<const Result<TaskDefinition>&, TimePoint>(
                r, {Part::task_definitions}, [this, r, arn](const Result<TaskDefinition>& td, TimePoint) {
                    if (td) r->tds.emplace(arn, td.value());
                    else r->td_error = td.error();
                    --r->td_pending;
                    maybe_task_definitions_done(r);
                }));
    }
}

void PipelineCollector::maybe_task_definitions_done(const RefreshPtr& r) {
    if (r->td_inputs != 0 || r->td_pending != 0) return;
    r->td_inputs = -1;  // stored once
    if (r->td_error)
        store(snap_.task_definitions, Result<std::map<std::string, TaskDefinition>>(*r->td_error), Source::ecs,
              r->ecs_at);
    else
        store(snap_.task_definitions, Result<std::map<std::string, TaskDefinition>>(std::move(r->tds)), Source::ecs,
              r->ecs_at);
    guarded({Part::images, Part::logs, Part::secrets}, [&] {
        if (r->slow || images_outdated()) begin_discovered(r);
    });
}

// A new task definition can reference an image pushed after the last (slow) registry refresh;
// then the registry is asked now rather than showing the image as unknown for half a minute.
bool PipelineCollector::images_outdated() const {
    if (!snap_.images.value || !snap_.service.value || !snap_.task_definitions.value) return false;
    auto it = snap_.task_definitions.value->find(snap_.service.value->task_definition);
    if (it == snap_.task_definitions.value->end()) return false;
    RevisionIndex index;
    index.images = &*snap_.images.value;
    for (const auto& c : it->second.containers) {
        ImageRef ref = parse_image_ref(c.image);
        if (ref.repository == snap_.spec.image_repository && !index.resolve(ref)) return true;
    }
    return false;
}

// Discovery from the service's task definition: image repository, log group, secrets.
void PipelineCollector::begin_discovered(const RefreshPtr& r) {
    const auto& s = snap_.spec;
    if (!snap_.service.value) {
        // The registry is found through the service; say why it could not be asked.
        if (snap_.service.error && snap_.images.configured) snap_.images.error = snap_.service.error;
        return;
    }
    const Service& svc = *snap_.service.value;
    const TaskDefinition* td = nullptr;
    if (snap_.task_definitions.value)
        if (auto it = snap_.task_definitions.value->find(svc.task_definition);
            it != snap_.task_definitions.value->end())
            td = &it->second;
    if (!td) {
        if (snap_.images.configured && !snap_.images.value) {
            if (snap_.task_definitions.error) snap_.images.error = snap_.task_definitions.error;
            else
                fail(snap_.images, Source::ecr, "NoTaskDefinition",
                     "the image repository is found through the task definition, which is unavailable", clock_.now());
        }
        return;
    }
    const ContainerDef* app = app_container(*td, snap_.spec.image_repository);
    if (app && snap_.spec.image_repository.empty())
        snap_.spec.image_repository = parse_image_ref(app->image).repository;
    auto aws = src_.aws;
    if (!snap_.spec.image_repository.empty()) {
        const std::string repo = snap_.spec.image_repository;
        src_.slow_cache->images.get(
            r->ctx, cache_key(aws.transport, "ecr|" + s.region + "|" + repo),
            [aws, repo] { return aws::EcrClient(aws).recent_images(repo, 200); },
            merge<const Result<std::vector<Image>>&, TimePoint>(
                r, {Part::images}, [this](const Result<std::vector<Image>>& images, TimePoint at) {
                    store(snap_.images, images, Source::ecr, at);
                }));
    }
    if (!s.expect_log.empty() && app && !app->log_group.empty()) {
        TimePoint since = clock_.now() - std::chrono::hours(6);
        fetch_then<std::vector<LogMatch>>(
            r->ctx,
            [aws, group = app->log_group, literal = s.expect_log, since] {
                return aws::LogsClient(aws).filter(group, literal, since, 50);
            },
            merge<Result<std::vector<LogMatch>>, TimePoint>(r, {Part::logs},
                                                            [this](Result<std::vector<LogMatch>> logs, TimePoint at) {
                                                                store(snap_.logs, std::move(logs), Source::logs, at);
                                                            }));
    }
    begin_secrets(r, *td);
}

// DescribeSecret for every Secrets Manager reference, all at once: metadata only, never a value.
void PipelineCollector::begin_secrets(const RefreshPtr& r, const TaskDefinition& td) {
    auto aws = src_.aws;
    r->secrets.clear();
    r->secret_error.reset();
    auto finish = [this, r] {
        snap_.secrets.configured = !r->secrets.empty() || r->secret_error;
        if (!snap_.secrets.configured) return;
        std::vector<SecretInfo> secrets;
        for (auto& [order, info] : r->secrets) secrets.push_back(std::move(info));
        if (r->secret_error)
            store(snap_.secrets, Result<std::vector<SecretInfo>>(*r->secret_error), Source::secretsmanager,
                  clock_.now());
        else
            store(snap_.secrets, Result<std::vector<SecretInfo>>(std::move(secrets)), Source::secretsmanager,
                  clock_.now());
    };
    size_t order = 0;
    for (const auto& c : td.containers)
        for (const auto& ref : c.secrets) {
            if (!is_secretsmanager_arn(ref.value_from)) continue;
            ++r->secrets_pending;
            fetch_then<SecretInfo>(
                r->ctx, [aws, id = secret_id(ref.value_from)] { return aws::SecretsClient(aws).describe_secret(id); },
                merge<Result<SecretInfo>, TimePoint>(r, {Part::secrets},
                                                     [r, finish, used_by = c.name + " $" + ref.name, slot = order++](
                                                         Result<SecretInfo> info, TimePoint) {
                                                         if (info) {
                                                             SecretInfo value = std::move(info).value();
                                                             value.used_by = used_by;
                                                             r->secrets.emplace(slot, std::move(value));
                                                         } else {
                                                             r->secret_error = info.error();
                                                         }
                                                         if (--r->secrets_pending == 0) finish();
                                                     }));
        }
    if (r->secrets_pending == 0) finish();
}

// Health is asked for every group the moment its ARN is known (the service names them); groups
// named in the config by name wait for the metadata, which says their ARNs.
void PipelineCollector::begin_targets(const RefreshPtr& r, std::vector<std::string> groups, bool own_meta) {
    if (groups.empty()) {
        if (snap_.spec.kind == PipelineKind::ec2) begin_instances(r);
        return;
    }
    r->groups = std::move(groups);
    for (const auto& g : r->groups)
        if (is_arn(g)) want_health(r, g);
    if (!own_meta) return;  // an ECS service's come with its cluster (begin_service)
    // EC2: which load balancer a group belongs to is asked again on slow refreshes.
    own_target_meta_->get(r->ctx, r->groups, r->slow,
                          merge<std::shared_ptr<const TargetMeta>>(
                              r, {Part::target_groups, Part::instances},
                              [this, r](std::shared_ptr<const TargetMeta> meta) { on_target_meta(r, std::move(meta)); }));
}

void PipelineCollector::on_target_meta(const RefreshPtr& r, std::shared_ptr<const TargetMeta> meta) {
    r->meta = std::move(meta);
    if (auto groups = r->meta->of(r->groups))
        for (const auto& g : groups.value()) want_health(r, g.arn);
    maybe_targets_done(r);
}

void PipelineCollector::want_health(const RefreshPtr& r, const std::string& arn) {
    if (r->health.count(arn)) return;
    r->health[arn];  // asked
    fetch_then<std::vector<Target>>(
        r->ctx, [aws = src_.aws, arn] { return aws::Elbv2Client(aws).describe_target_health(arn); },
        merge<Result<std::vector<Target>>, TimePoint>(
            r, {Part::target_groups, Part::instances},
            [this, r, arn](Result<std::vector<Target>> targets, TimePoint at) {
                r->health[arn] = std::move(targets);
                r->health_at = std::min(r->health_at.value_or(at), at);
                maybe_targets_done(r);
            }));
}

void PipelineCollector::maybe_targets_done(const RefreshPtr& r) {
    if (!r->meta) return;
    for (const auto& [arn, health] : r->health)
        if (!health) return;
    auto groups = r->meta->of(r->groups);
    r->meta.reset();  // stored once
    TimePoint at = r->health_at.value_or(clock_.now());  // groups without health: the metadata's time
    auto end = [&](Result<std::vector<TargetGroup>> result) {
        store(snap_.target_groups, std::move(result), Source::elbv2, at);
        if (snap_.spec.kind == PipelineKind::ec2) begin_instances(r);
    };
    if (!groups) return end(groups.error());
    std::vector<TargetGroup> result = std::move(groups).value();
    for (auto& g : result) {
        auto it = r->health.find(g.arn);
        if (it == r->health.end() || !it->second)
            return end(Error{"TargetHealthMissing", "no health asked for " + g.arn, 0, false});
        if (!*it->second) return end(it->second->error());
        g.targets = it->second->value();
    }
    // Record target health changes against what we saw last time.
    TimePoint now = at;
    if (snap_.target_groups.value) {
        for (const auto& g : result)
            for (const auto& t : g.targets) {
                ApiEnum<TargetState> before;  // text empty: a target not seen before
                for (const auto& old : *snap_.target_groups.value)
                    if (old.arn == g.arn)
                        for (const auto& ot : old.targets)
                            if (ot.id == t.id && ot.port == t.port) before = ot.state;
                if (before != t.state) snap_.target_changes.push_back({now, g.name, t.id, before, t.state, t.reason});
            }
        if (snap_.target_changes.size() > kMaxTargetChanges)
            snap_.target_changes.erase(
                snap_.target_changes.begin(),
                snap_.target_changes.begin() + static_cast<long>(snap_.target_changes.size() - kMaxTargetChanges));
    }
    end(Result<std::vector<TargetGroup>>(std::move(result)));
}

void PipelineCollector::begin_instances(const RefreshPtr& r) {
    if (!snap_.target_groups.value) {
        if (snap_.target_groups.error) snap_.instances.error = snap_.target_groups.error;
        else
            fail(snap_.instances, Source::ec2, "NoTargetGroup",
                 "an EC2 pipeline needs target_group to find its instances", clock_.now());
        return;
    }
    std::vector<std::string> ids;
    for (const auto& g : *snap_.target_groups.value)
        for (const auto& t : g.targets)
            if (t.id.rfind("i-", 0) == 0 && std::find(ids.begin(), ids.end(), t.id) == ids.end()) ids.push_back(t.id);
    if (ids.empty()) {
        store(snap_.instances, Result<std::vector<Instance>>(std::vector<Instance>{}), Source::ec2, clock_.now());
        return;
    }
    auto aws = src_.aws;
    fetch_then<std::vector<Instance>>(
        r->ctx, [aws, ids] { return aws::Ec2Client(aws).describe_instances(ids); },
        merge<Result<std::vector<Instance>>, TimePoint>(
            r, {Part::instances}, [this, r, aws](Result<std::vector<Instance>> found, TimePoint at) {
                if (!found) {
                    store(snap_.instances, std::move(found), Source::ec2, at);
                    return;
                }
                r->instances = std::move(found).value();
                r->instances_at = at;
                auto finish = [this, r] {
                    store(snap_.instances, Result<std::vector<Instance>>(std::move(r->instances)), Source::ec2,
                          r->instances_at);
                };
                for (size_t i = 0; i < r->instances.size(); ++i) {
                    Instance& inst = r->instances[i];
                    // UserData of a running instance never changes; keep what we read before.
                    bool known = false;
                    if (snap_.instances.value)
                        for (const auto& old : *snap_.instances.value)
                            if (old.id == inst.id && !old.user_data_digest.empty()) {
                                inst.user_data_digest = old.user_data_digest;
                                inst.user_data_summary = old.user_data_summary;
                                known = true;
                            }
                    if (known) continue;
                    ++r->user_data_pending;
                    fetch_then<std::string>(
                        r->ctx, [aws, id = inst.id] { return aws::Ec2Client(aws).user_data(id); },
                        merge<Result<std::string>, TimePoint>(
                            r, {Part::instances}, [r, i, finish](Result<std::string> script, TimePoint) {
                                if (script) summarize_user_data(script.value(), r->instances[i]);
                                if (--r->user_data_pending == 0) finish();
                            }));
                }
                if (r->user_data_pending == 0) finish();
            }));
}

void PipelineCollector::begin_version(const RefreshPtr& r) {
    const auto& s = snap_.spec;
    if (s.version_url.empty() || !src_.http) return;
    fetch_then<VersionObservation>(
        r->ctx,
        [http = src_.http, url = s.version_url, pointer = s.version_json_pointer,
         this]() -> Result<VersionObservation> { return fetch_version(*http, url, pointer, clock_.now()); },
        merge<Result<VersionObservation>, TimePoint>(
            r, {Part::version}, [this](Result<VersionObservation> result, TimePoint) {
                if (!result)
                    throw std::runtime_error(result.error().message);  // the barrier turns it into the part's error
                VersionObservation obs = std::move(result).value();
                if (!snap_.versions.value) snap_.versions.value.emplace();
                auto& list = *snap_.versions.value;
                // Keep changes, not every poll: a repeat of the last answer only refreshes fetched_at.
                bool same = !list.empty() && list.back().reported == obs.reported && list.back().error == obs.error &&
                            list.back().http_status == obs.http_status;
                if (!same) list.push_back(obs);
                if (list.size() > kMaxVersionObservations) list.erase(list.begin());
                snap_.versions.fetched_at = obs.time;
                if (obs.error.empty()) snap_.versions.error.reset();
                else snap_.versions.error = FetchError{Source::version, "", obs.error, obs.time};
            }));
}

PipelineSnapshot PipelineCollector::collect(RefreshParts parts) {
    return std::move(collect_all({this}, parts).front());
}

std::vector<PipelineSnapshot> collect_all(const std::vector<PipelineCollector*>& collectors, RefreshParts parts,
                                          int threads) {
    FetchPool pool(threads);
    MergeQueue merge;
    std::vector<std::optional<PipelineSnapshot>> out(collectors.size());
    size_t left = collectors.size();
    for (size_t i = 0; i < collectors.size(); ++i)
        collectors[i]->begin(parts, FetchContext{pool, merge}, [&out, &left, i](PipelineSnapshot snap) {
            out[i] = std::move(snap);
            --left;
        });
    while (left > 0)
        if (merge.run_ready() == 0 && !pool.run_one())
            merge.run_until(MergeQueue::Clock::now() + std::chrono::seconds(1));
    pool.shutdown();
    std::vector<PipelineSnapshot> snaps;
    snaps.reserve(out.size());
    for (auto& s : out) snaps.push_back(std::move(*s));
    return snaps;
}

}  // namespace shipwatch

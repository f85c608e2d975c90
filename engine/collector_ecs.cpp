// The ECS chain of a refresh: the cluster's answer for this service, its tasks, the task
// definitions they name, and what the service's task definition leads to (registry, logs, secrets).
#include <algorithm>

#include "engine/collector_refresh.hpp"
#include "model/revision.hpp"

namespace shipwatch {
namespace {

using collector_detail::fail;
using collector_detail::store;
using collector_detail::upstream_error;

bool is_secretsmanager_arn(const std::string& arn) { return arn.rfind("arn:aws:secretsmanager:", 0) == 0; }

// valueFrom may carry a JSON key suffix: arn:...:secret:name-AbCdEf:key::
std::string secret_id(const std::string& value_from) {
    size_t colons = 0;
    for (size_t i = 0; i < value_from.size(); ++i)
        if (value_from[i] == ':' && ++colons == 7) return value_from.substr(0, i);
    return value_from;
}

}  // namespace

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
        auto e = upstream_error(*snap_.service.error);
        snap_.tasks.error = e;
        snap_.task_definitions.error = e;
        r->td_inputs = -1;  // the task definitions are not asked for this time
        if (r->slow || images_outdated()) begin_discovered(r);
        return;
    }
    r->service_ok = true;
    const Service& svc = *snap_.service.value;
    // Task definitions of the service, of every deployment (a failed one tells a rollback) and
    // of every task set (blue/green: the replacement is the one being rolled out).
    std::vector<std::string> wanted{svc.task_definition};
    for (const auto& d : svc.deployments) wanted.push_back(d.task_definition);
    for (const auto& t : svc.task_sets) wanted.push_back(t.task_definition);
    want_task_definitions(r, wanted);
    begin_codedeploy(r, svc);

    std::vector<std::string> groups = s.target_groups;
    add_target_groups(svc, groups);
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

// A CODE_DEPLOY service's task sets name the deployment that created them (externalId); the
// newest deployment of its group tells a shift in progress, its traffic split, or a rollback.
void PipelineCollector::begin_codedeploy(const RefreshPtr& r, const Service& svc) {
    const TaskSet* newest = nullptr;
    for (const auto& t : svc.task_sets)
        if (!t.external_id.empty() && t.started_by == "CodeDeploy" &&
            (!newest || t.created.value_or(TimePoint{}) > newest->created.value_or(TimePoint{})))
            newest = &t;
    snap_.deployment.configured = newest != nullptr;
    if (!newest) return;
    auto last = [](const std::string& arn) { return arn.substr(arn.rfind('/') + 1); };
    std::string cluster = last(svc.cluster.empty() ? snap_.spec.cluster : svc.cluster);
    auto aws = src_.aws;
    fetch_then<CodeDeployDeployment>(
        r->ctx,
        [aws, id = newest->external_id, cluster, service = svc.name] {
            return aws::CodeDeployClient(aws).newest_for_service(id, cluster, service);
        },
        merge<Result<CodeDeployDeployment>, TimePoint>(
            r, {Part::deployment}, [this, r](Result<CodeDeployDeployment> d, TimePoint at) {
                std::string rolled_out = d ? d->task_definition : "";
                store(snap_.deployment, std::move(d), Source::codedeploy, at);
                want_rolled_out(r, rolled_out);
            }));
}

// The task definition a deployment's AppSpec names: once ECS has deleted a failed deployment's
// replacement set and forgotten its tasks, only this tells what was rolled out (and rolled back).
// Asked with the others while they are pending; added to them when they were stored already, so
// the registry and logs never wait for CodeDeploy.
void PipelineCollector::want_rolled_out(const RefreshPtr& r, const std::string& arn) {
    if (arn.empty() || r->td_asked.count(arn)) return;
    if (r->td_inputs != -1) return want_task_definitions(r, {arn});
    r->td_asked.insert(arn);
    auto aws = src_.aws;
    src_.slow_cache->task_definitions.get(
        r->ctx, cache_key(aws.transport, "taskdef|" + aws.region + "|" + arn),
        [aws, arn] { return aws::EcsClient(aws).describe_task_definition(arn); },
        merge<const Result<TaskDefinition>&, TimePoint>(
            r, {Part::task_definitions}, [this, arn](const Result<TaskDefinition>& td, TimePoint) {
                // Its error is not the others': the stage that needs it says it is not known.
                if (td && snap_.task_definitions.value) snap_.task_definitions.value->emplace(arn, td.value());
            }));
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

// The images of the app container's registry: private ECR (any account, the host's region)
// through DescribeImages, any other registry through the distribution API. The shared cache
// key names the registry, so two registries' repositories of one name never share an answer.
void PipelineCollector::begin_images(const RefreshPtr& r, const ContainerDef* app) {
    const std::string repo = snap_.spec.image_repository;
    ImageRef ref = app ? parse_image_ref(app->image) : ImageRef{};
    if (app && !ref.valid()) {
        // The task definition holds the reference; no registry was asked.
        fail(snap_.images, Source::ecs, "InvalidImageReference", ref.error, clock_.now());
        return;
    }
    // A configured repository the app container does not name is looked up in this account's ECR.
    Registry where = app && ref.repository == repo ? ref.where() : Registry{RegistryKind::ecr};
    if (where.kind == RegistryKind::ecr) {
        snap_.spec.image_registry.clear();
        bool same_region = where.region.empty() || (where.region == src_.aws.region && !where.fips);
        aws::AwsContext ctx = same_region ? src_.aws : src_.aws.in_region(where.region, where.fips);
        const std::string account = where.account;
        const std::string key = "ecr|" + ctx.endpoints.base_url(aws::ServiceId::ecr) + "|" + account + "|" + repo;
        src_.slow_cache->images.get(
            r->ctx, cache_key(ctx.transport, key),
            [ctx, repo, account] { return aws::EcrClient(ctx).recent_images(repo, 200, account); },
            merge<const Result<std::vector<Image>>&, TimePoint>(
                r, {Part::images}, [this](const Result<std::vector<Image>>& images, TimePoint at) {
                    store(snap_.images, images, Source::ecr, at);
                }));
        return;
    }
    snap_.spec.image_registry = where.host;
    static const oci::RegistryAccess kAnonymous;
    const oci::RegistryAccess& access = src_.registries ? *src_.registries : kAnonymous;
    if (access.docker_error) {
        store(snap_.images, Result<std::vector<Image>>(*access.docker_error), Source::registry, clock_.now());
        return;
    }
    oci::RegistryTarget target = access.target(where);
    Transport* http = src_.http;
    const std::string reference = ref.digest.empty() ? ref.tag : ref.digest;
    src_.slow_cache->images.get(
        r->ctx, cache_key(http, "oci|" + target.base_url + "|" + where.host + "|" + ref.path + "|" + reference),
        [http, target, path = ref.path, reference, written = ref.repository] {
            auto images = oci::RegistryClient(*http, target).image_of(path, reference);
            // Named as the task definition writes it ("nginx", not "library/nginx"): the revision
            // index matches an image to a reference by that name.
            if (images)
                for (auto& image : images.value()) image.repository = written;
            return images;
        },
        merge<const Result<std::vector<Image>>&, TimePoint>(
            r, {Part::images}, [this](const Result<std::vector<Image>>& images, TimePoint at) {
                store(snap_.images, images, Source::registry, at);
            }));
}

// Discovery from the service's task definition: image repository, log group, secrets.
void PipelineCollector::begin_discovered(const RefreshPtr& r) {
    const auto& s = snap_.spec;
    if (!snap_.service.value) {
        // The registry is found through the service; say why it could not be asked.
        if (snap_.service.error && snap_.images.configured) snap_.images.error = upstream_error(*snap_.service.error);
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
            if (snap_.task_definitions.error) snap_.images.error = upstream_error(*snap_.task_definitions.error);
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
    if (!snap_.spec.image_repository.empty()) begin_images(r, app);
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

}  // namespace shipwatch

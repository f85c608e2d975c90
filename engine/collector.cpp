#include "engine/collector.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <future>
#include <set>

#include "base/log.hpp"
#include "sources/aws/user_data.hpp"
#include "model/revision.hpp"
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

}  // namespace

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
}

PipelineSnapshot PipelineCollector::collect(RefreshParts parts) {
    bool first = !fetched_once_;
    fetched_once_ = true;
    bool slow = parts.slow || first;
    bool live = parts.live || first;
    refresh_slow_now_ = slow;
    auto started = std::chrono::steady_clock::now();  // for the log only
    logging::logger().debug("refresh {}: start ({})", snap_.spec.name, slow && live ? "all" : slow ? "slow sources" : "live sources");
    // Three independent chains, in parallel: source control, AWS, the endpoint. A full picture
    // costs the round trips of the longest chain, not the sum of all calls.
    auto source = std::async(std::launch::async, [this, slow] {
        if (slow) guarded({Part::commits, Part::builds}, [this] { collect_source(); });
    });
    auto endpoint = std::async(std::launch::async, [this, live] {
        if (live) guarded({Part::version}, [this] { collect_version(); });
    });
    if (snap_.spec.kind == PipelineKind::ecs) {
        // Target groups are not among the parts: their own thread inside has its own barrier.
        if (live) guarded({Part::service, Part::tasks, Part::task_definitions}, [this] { collect_service(); });
        if (slow || images_outdated())
            guarded({Part::images, Part::logs, Part::secrets}, [this] { collect_discovered(); });
    } else if (live) {
        guarded({Part::target_groups}, [this] { collect_targets(snap_.spec.target_groups); });
        guarded({Part::instances}, [this] { collect_instances(); });
    }
    source.get();
    endpoint.get();
    snap_.now = clock_.now();
    logging::logger().debug("refresh {}: done in {} ms", snap_.spec.name,
                            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
    return snap_;
}

void PipelineCollector::guarded(std::initializer_list<Part> parts, const std::function<void()>& step) {
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

// Only the given parts are touched (others may be written by another thread of this refresh).
void PipelineCollector::mark_failed(std::initializer_list<Part> parts, const std::string& why) {
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

// Through the shared cache when there is one, else straight to the API.
template <typename T>
Result<T> PipelineCollector::shared(SharedFetch<T> SlowSourceCache::*member, const void* owner, const std::string& key,
                                    const std::function<Result<T>()>& fetch) {
    if (!src_.slow_cache) return fetch();
    return ((*src_.slow_cache).*member).get(fmt::format("{}|{}", owner, key), fetch);
}

void PipelineCollector::collect_source() {
    const auto& s = snap_.spec;
    if (snap_.commits.configured)
        store(snap_.commits,
              shared<std::vector<Commit>>(&SlowSourceCache::commits, src_.github.get(), "commits|" + s.repo + "|" + s.branch,
                                          [&] { return src_.github->commits(s.repo, s.branch, 30); }),
              Source::github, clock_.now());

    std::vector<CiRun> runs;
    std::optional<Error> error;
    if (!s.codebuild_project.empty()) {
        auto r = shared<std::vector<CiRun>>(&SlowSourceCache::builds, src_.aws.transport, "codebuild|" + s.region + "|" + s.codebuild_project, [&] {
            return aws::CodeBuildClient(src_.aws).recent_builds(s.codebuild_project, 20);
        });
        if (r) runs = std::move(r).value();
        else error = r.error();
    } else if (snap_.commits.configured) {
        auto r = shared<std::vector<CiRun>>(&SlowSourceCache::runs, src_.github.get(), "runs|" + s.repo + "|" + s.branch + "|" + s.workflow,
                                            [&] { return src_.github->workflow_runs(s.repo, s.branch, s.workflow, 20); });
        if (r) {
            runs = std::move(r).value();
            // Steps of the run that matters (the newest commit's newest run): why it failed or
            // where it is.
            const std::string newest = snap_.commits.value && !snap_.commits.value->empty() ? snap_.commits.value->front().sha : "";
            for (auto& run : runs) {
                if (run.sha != newest) continue;
                auto steps = shared<std::vector<CiStep>>(&SlowSourceCache::steps, src_.github.get(), "steps|" + s.repo + "|" + run.id + "|" + run.status_key(),
                                                         [&] { return src_.github->run_steps(s.repo, run.id); });
                if (steps) run.steps = std::move(steps).value();
                break;
            }
        } else {
            error = r.error();
        }
    }
    if (!snap_.builds.configured) return;
    const Source source = source_of(Part::builds, s);
    if (error) store(snap_.builds, Result<std::vector<CiRun>>(*error), source, clock_.now());
    else store(snap_.builds, Result<std::vector<CiRun>>(std::move(runs)), source, clock_.now());
}

const TaskDefinition* PipelineCollector::task_definition(const std::string& arn, std::optional<Error>& error) {
    if (auto it = taskdef_cache_.find(arn); it != taskdef_cache_.end()) return &it->second;
    aws::EcsClient ecs(src_.aws);
    auto r = ecs.describe_task_definition(arn);
    if (!r) {
        error = r.error();
        return nullptr;
    }
    return &taskdef_cache_.emplace(arn, std::move(r).value()).first->second;
}

void PipelineCollector::collect_service() {
    const auto& s = snap_.spec;
    TimePoint now = clock_.now();
    EcsClusterFetch::ServiceView view = src_.ecs_cluster ? src_.ecs_cluster->get(s.service) : fetch_service_alone();
    store(snap_.service, std::move(view.service), Source::ecs, now);
    if (!snap_.service.ok()) {
        // Without the service nothing downstream can be asked; mark the parts as failed too.
        auto e = *snap_.service.error;
        snap_.tasks.error = e;
        snap_.task_definitions.error = e;
        return;
    }
    store(snap_.tasks, std::move(view.tasks), Source::ecs, now);
    const Service& svc = *snap_.service.value;

    std::vector<std::string> tgs = s.target_groups;
    for (const auto& lb : svc.load_balancers)
        if (!lb.target_group_arn.empty() && std::find(tgs.begin(), tgs.end(), lb.target_group_arn) == tgs.end())
            tgs.push_back(lb.target_group_arn);
    snap_.target_groups.configured = !tgs.empty();
    // Targets do not depend on the task definitions: ask for both at once.
    auto targets = std::async(std::launch::async, [this, tgs] {
        if (!tgs.empty()) guarded({Part::target_groups}, [this, &tgs] { collect_targets(tgs); });
    });

    // Task definitions of the service, of every deployment (a failed one tells a rollback) and
    // of every task; each revision is fetched once and cached forever (it never changes).
    std::set<std::string> wanted{svc.task_definition};
    for (const auto& d : svc.deployments) wanted.insert(d.task_definition);
    if (snap_.tasks.value)
        for (const auto& t : *snap_.tasks.value) wanted.insert(t.task_definition);
    std::map<std::string, TaskDefinition> tds;
    std::optional<Error> td_error;
    for (const auto& arn : wanted)
        if (const TaskDefinition* td = task_definition(arn, td_error)) tds.emplace(arn, *td);
    // Revisions nothing refers to any more are dropped: a week of deployments must not pile up
    // (one brought back by a rollback is fetched again, once).
    if (!td_error) std::erase_if(taskdef_cache_, [&](const auto& kv) { return !wanted.count(kv.first); });
    if (td_error) store(snap_.task_definitions, Result<std::map<std::string, TaskDefinition>>(*td_error), Source::ecs, clock_.now());
    else store(snap_.task_definitions, Result<std::map<std::string, TaskDefinition>>(std::move(tds)), Source::ecs, clock_.now());
    targets.get();
}

EcsClusterFetch::ServiceView PipelineCollector::fetch_service_alone() {
    const auto& s = snap_.spec;
    aws::EcsClient ecs(src_.aws);
    EcsClusterFetch::ServiceView view{Error{}, std::vector<Task>{}};
    auto services = ecs.describe_services(s.cluster, {s.service});
    if (!services) {
        view.service = services.error();
        return view;
    }
    if (services->empty()) {
        view.service = Error{"ServiceNotFound", "service " + s.service + " not found in cluster " + s.cluster, 400, false};
        return view;
    }
    view.service = services->front();
    std::vector<std::string> arns;
    for (const char* status : {"RUNNING", "STOPPED"}) {
        auto r = ecs.list_tasks(s.cluster, s.service, status);
        if (!r) {
            view.tasks = r.error();
            return view;
        }
        arns.insert(arns.end(), r->begin(), r->end());
    }
    if (!arns.empty()) view.tasks = ecs.describe_tasks(s.cluster, arns);
    return view;
}

// Discovery from the service's task definition: image repository, log group, secrets.
void PipelineCollector::collect_discovered() {
    const auto& s = snap_.spec;
    if (!snap_.service.value) {
        // The registry is found through the service; say why it could not be asked.
        if (snap_.service.error && snap_.images.configured) snap_.images.error = snap_.service.error;
        return;
    }
    const Service& svc = *snap_.service.value;
    const TaskDefinition* td = nullptr;
    if (snap_.task_definitions.value)
        if (auto it = snap_.task_definitions.value->find(svc.task_definition); it != snap_.task_definitions.value->end())
            td = &it->second;
    if (td) {
        const ContainerDef* app = app_container(*td, snap_.spec.image_repository);
        if (app && snap_.spec.image_repository.empty()) snap_.spec.image_repository = parse_image_ref(app->image).repository;

        if (!snap_.spec.image_repository.empty()) {
            const std::string repo = snap_.spec.image_repository;
            store(snap_.images,
                  shared<std::vector<Image>>(&SlowSourceCache::images, src_.aws.transport, "ecr|" + s.region + "|" + repo,
                                             [&] { return aws::EcrClient(src_.aws).recent_images(repo, 200); }),
                  Source::ecr, clock_.now());
        }
        if (!s.expect_log.empty() && app && !app->log_group.empty()) {
            aws::LogsClient logs(src_.aws);
            TimePoint since = clock_.now() - std::chrono::hours(6);
            store(snap_.logs, logs.filter(app->log_group, s.expect_log, since, 50), Source::logs, clock_.now());
        }
        std::vector<SecretInfo> secrets;
        std::optional<Error> secret_error;
        aws::SecretsClient sm(src_.aws);
        for (const auto& c : td->containers)
            for (const auto& ref : c.secrets) {
                if (!is_secretsmanager_arn(ref.value_from)) continue;
                // valueFrom may carry a JSON key suffix: arn:...:secret:name-AbCdEf:key::
                std::string id = ref.value_from;
                size_t colons = 0, cut = std::string::npos;
                for (size_t i = 0; i < id.size(); ++i)
                    if (id[i] == ':' && ++colons == 7) cut = i;
                if (cut != std::string::npos) id = id.substr(0, cut);
                auto r = sm.describe_secret(id);
                if (!r) {
                    secret_error = r.error();
                    continue;
                }
                SecretInfo info = std::move(r).value();
                info.used_by = c.name + " $" + ref.name;
                secrets.push_back(std::move(info));
            }
        snap_.secrets.configured = !secrets.empty() || secret_error;
        if (snap_.secrets.configured) {
            if (secret_error) store(snap_.secrets, Result<std::vector<SecretInfo>>(*secret_error), Source::secretsmanager, clock_.now());
            else store(snap_.secrets, Result<std::vector<SecretInfo>>(std::move(secrets)), Source::secretsmanager, clock_.now());
        }
    } else if (snap_.images.configured && !snap_.images.value) {
        if (snap_.task_definitions.error) snap_.images.error = snap_.task_definitions.error;
        else fail(snap_.images, Source::ecr, "NoTaskDefinition", "the image repository is found through the task definition, which is unavailable",
                  clock_.now());
    }

}

void PipelineCollector::collect_targets(const std::vector<std::string>& names) {
    if (names.empty()) return;
    aws::Elbv2Client elb(src_.aws);
    // Which load balancer a target group belongs to, and its DNS name, hardly ever change: ask
    // again only on slow refreshes (or when the list of groups changed). Health is asked every time.
    if (!tg_meta_ || tg_meta_names_ != names || refresh_slow_now_) {
        auto groups = elb.describe_target_groups(names);
        if (!groups) {
            store(snap_.target_groups, std::move(groups), Source::elbv2, clock_.now());
            return;
        }
        std::vector<TargetGroup> meta = std::move(groups).value();
        std::vector<std::string> lb_arns;
        for (const auto& g : meta)
            for (const auto& a : g.load_balancer_arns)
                if (std::find(lb_arns.begin(), lb_arns.end(), a) == lb_arns.end()) lb_arns.push_back(a);
        if (!lb_arns.empty()) {
            if (auto dns = elb.load_balancer_dns(lb_arns))
                for (auto& g : meta)
                    for (const auto& a : g.load_balancer_arns)
                        for (const auto& [arn, name] : *dns)
                            if (arn == a) g.load_balancer_dns.push_back(name);
        }
        tg_meta_ = std::move(meta);
        tg_meta_names_ = names;
    }
    std::vector<TargetGroup> result = *tg_meta_;
    for (auto& g : result) {
        auto health = elb.describe_target_health(g.arn);
        if (!health) {
            store(snap_.target_groups, Result<std::vector<TargetGroup>>(health.error()), Source::elbv2, clock_.now());
            return;
        }
        g.targets = std::move(health).value();
    }
    // Record target health changes against what we saw last time.
    TimePoint now = clock_.now();
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
            snap_.target_changes.erase(snap_.target_changes.begin(),
                                       snap_.target_changes.begin() + static_cast<long>(snap_.target_changes.size() - kMaxTargetChanges));
    }
    store(snap_.target_groups, Result<std::vector<TargetGroup>>(std::move(result)), Source::elbv2, now);
}

void PipelineCollector::collect_instances() {
    if (!snap_.target_groups.value) {
        if (snap_.target_groups.error) snap_.instances.error = snap_.target_groups.error;
        else fail(snap_.instances, Source::ec2, "NoTargetGroup", "an EC2 pipeline needs target_group to find its instances", clock_.now());
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
    aws::Ec2Client ec2(src_.aws);
    auto r = ec2.describe_instances(ids);
    if (!r) {
        store(snap_.instances, std::move(r), Source::ec2, clock_.now());
        return;
    }
    std::vector<Instance> instances = std::move(r).value();
    for (auto& inst : instances) {
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
        auto ud = ec2.user_data(inst.id);
        if (ud) summarize_user_data(*ud, inst);
    }
    store(snap_.instances, Result<std::vector<Instance>>(std::move(instances)), Source::ec2, clock_.now());
}

void PipelineCollector::collect_version() {
    const auto& s = snap_.spec;
    if (s.version_url.empty() || !src_.http) return;
    VersionObservation obs = fetch_version(*src_.http, s.version_url, s.version_json_pointer, clock_.now());
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
}

}  // namespace shipwatch

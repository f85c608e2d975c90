// A healthy ECS pipeline snapshot built in code; each test breaks one link of it.
#pragma once

#include "model/snapshot.hpp"

namespace shipwatch::testing {

inline TimePoint at(const char* iso) { return *parse_iso8601(iso); }

constexpr const char* kNewSha = "194af44c0ffee0000000000000000000000000aa";
constexpr const char* kOldSha = "8c3e1d2deadbeef0000000000000000000000bb";
constexpr const char* kRegistry = "210987654321.dkr.ecr.eu-west-1.amazonaws.com";
constexpr const char* kNewDigest = "sha256:80bf6ba0000000000000000000000000000000000000000000000000000000001";
constexpr const char* kOldDigest = "sha256:964c2ff0000000000000000000000000000000000000000000000000000000002";
constexpr const char* kTdNew = "arn:aws:ecs:eu-west-1:210987654321:task-definition/app:24";
constexpr const char* kTdOld = "arn:aws:ecs:eu-west-1:210987654321:task-definition/app:23";
constexpr const char* kTg = "arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup/app-tg/0123456789abcdef";

template <typename T>
void set(Fetched<T>& part, T value, TimePoint when) {
    part.value = std::move(value);
    part.fetched_at = when;
    part.error.reset();
    part.configured = true;
}

inline Task running_task(const std::string& id, const std::string& td, const std::string& digest, const std::string& ip,
                         TimePoint started) {
    Task t;
    t.arn = "arn:aws:ecs:eu-west-1:210987654321:task/app-cluster/" + id;
    t.task_definition = td;
    t.last_status = "RUNNING";
    t.desired_status = "RUNNING";
    t.started_at = started;
    t.private_ip = ip;
    t.containers.push_back({"app", std::string(kRegistry) + "/app", digest, "RUNNING", std::nullopt, "", "HEALTHY"});
    return t;
}

inline TaskDefinition taskdef(const std::string& arn, int revision, const std::string& image, TimePoint registered) {
    TaskDefinition td;
    td.arn = arn;
    td.family = "app";
    td.revision = revision;
    td.registered_at = registered;
    ContainerDef c;
    c.name = "app";
    c.image = image;
    td.containers.push_back(c);
    return td;
}

// newest commit 194af44 built, pushed (tag = short SHA), deployed as app:24, two tasks running
// it behind two healthy targets, version endpoint reporting it.
inline PipelineSnapshot healthy_snapshot() {
    PipelineSnapshot s;
    TimePoint now = at("2025-06-10T15:00:00Z");
    s.now = now;
    s.spec.name = "app";
    s.spec.kind = PipelineKind::ecs;
    s.spec.region = "eu-west-1";
    s.spec.repo = "acme/app";
    s.spec.branch = "main";
    s.spec.cluster = "app-cluster";
    s.spec.service = "app";
    s.spec.version_url = "https://app.example/version";

    set(s.commits, std::vector<Commit>{{kNewSha, "Stream Lifecycle System", "petri", at("2025-06-10T13:52:10Z"), std::nullopt, ""},
                                       {kOldSha, "Fix pagination", "anna", at("2025-06-09T16:18:44Z"), std::nullopt, ""}},
        now);
    CiRun newer;
    newer.id = "142";
    newer.name = "Deploy";
    newer.number = 142;
    newer.sha = kNewSha;
    newer.status = CiStatus::completed;
    newer.conclusion = CiConclusion::success;
    newer.started = at("2025-06-10T13:52:40Z");
    newer.finished = at("2025-06-10T14:01:05Z");
    CiRun older = newer;
    older.id = "141";
    older.number = 141;
    older.sha = kOldSha;
    older.started = at("2025-06-09T16:19:20Z");
    older.finished = at("2025-06-09T16:30:12Z");
    set(s.builds, std::vector<CiRun>{newer, older}, now);

    set(s.images, std::vector<Image>{{kRegistry, "app", {"194af44"}, kNewDigest, at("2025-06-10T13:58:31Z"), std::nullopt},
                                     {kRegistry, "app", {"8c3e1d2"}, kOldDigest, at("2025-06-09T16:27:02Z"), std::nullopt}},
        now);

    Service svc;
    svc.name = "app";
    svc.task_definition = kTdNew;
    svc.desired = 2;
    svc.running = 2;
    svc.circuit_breaker = true;
    svc.circuit_breaker_rollback = true;
    Deployment d;
    d.id = "ecs-svc/1";
    d.status = "PRIMARY";
    d.task_definition = kTdNew;
    d.rollout_state = "COMPLETED";
    d.desired = 2;
    d.running = 2;
    d.created = at("2025-06-10T14:01:00Z");
    d.updated = at("2025-06-10T14:05:00Z");
    svc.deployments.push_back(d);
    svc.load_balancers.push_back({kTg, "app", 8080});
    set(s.service, svc, now);

    std::map<std::string, TaskDefinition> tds;
    tds[kTdNew] = taskdef(kTdNew, 24, std::string(kRegistry) + "/app:194af44", at("2025-06-10T14:00:50Z"));
    tds[kTdOld] = taskdef(kTdOld, 23, std::string(kRegistry) + "/app:8c3e1d2", at("2025-06-09T16:29:40Z"));
    set(s.task_definitions, tds, now);

    set(s.tasks, std::vector<Task>{running_task("t1", kTdNew, kNewDigest, "10.0.1.1", at("2025-06-10T14:02:00Z")),
                                   running_task("t2", kTdNew, kNewDigest, "10.0.1.2", at("2025-06-10T14:02:10Z"))},
        now);

    TargetGroup tg;
    tg.arn = kTg;
    tg.name = "app-tg";
    tg.target_type = "ip";
    tg.targets = {{"10.0.1.1", 8080, "healthy", "", ""}, {"10.0.1.2", 8080, "healthy", "", ""}};
    set(s.target_groups, std::vector<TargetGroup>{tg}, now);

    set(s.versions, std::vector<VersionObservation>{{now, "https://app.example/version", 200, kNewSha, ""}}, now);
    s.instances.configured = false;
    s.logs.configured = false;
    s.secrets.configured = false;
    return s;
}

// The healthy service after the ECS circuit breaker rolled back the deployment of app:24: the
// failed deployment ACTIVE, a completed PRIMARY deployment of app:23, the tasks on the old image.
inline PipelineSnapshot rolled_back_snapshot() {
    auto s = healthy_snapshot();
    auto& svc = *s.service.value;
    svc.task_definition = kTdOld;
    svc.deployments[0].status = "ACTIVE";
    svc.deployments[0].rollout_state = "FAILED";
    svc.deployments[0].rollout_state_reason = "ECS deployment circuit breaker: tasks failed to start.";
    Deployment back;
    back.id = "ecs-svc/2";
    back.status = "PRIMARY";
    back.task_definition = kTdOld;
    back.rollout_state = "COMPLETED";
    back.desired = back.running = 2;
    back.created = at("2025-06-10T14:20:00Z");
    svc.deployments.push_back(back);
    for (auto& t : *s.tasks.value) {
        t.task_definition = kTdOld;
        t.containers[0].image_digest = kOldDigest;
    }
    return s;
}

}  // namespace shipwatch::testing

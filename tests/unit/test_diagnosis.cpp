// Every verdict code, from a healthy snapshot with one link broken at a time.
#include <gtest/gtest.h>

#include <algorithm>

#include "model/analysis.hpp"
#include "model/diagnosis.hpp"
#include "snapshot_builder.hpp"

using namespace shipwatch;
using namespace shipwatch::testing;

namespace {

const StageReport& stage(const Diagnosis& d, const std::string& id) {
    for (const auto& s : d.stages)
        if (to_string(s.id) == id) return s;
    throw std::runtime_error("no stage " + id);
}

bool has_finding(const Diagnosis& d, const std::string& text) {
    for (const auto& f : d.findings)
        if (f.message.find(text) != std::string::npos) return true;
    return false;
}

bool evidence_contains(const StageReport& s, const std::string& text) {
    for (const auto& e : s.evidence)
        if (e.value.find(text) != std::string::npos || e.label.find(text) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST(Verdict, LiveOnlyWithEvidenceAtEveryStage) {
    Diagnosis d = diagnose(healthy_snapshot());
    EXPECT_EQ(d.verdict.code, VerdictCode::live) << d.verdict.summary;
    ASSERT_EQ(d.stages.size(), 6u);
    for (const auto& s : d.stages) {
        EXPECT_EQ(s.health, Health::ok) << s.id << ": " << s.summary;
        EXPECT_EQ(s.revision.sha, kNewSha) << s.id;
    }
    EXPECT_NE(d.verdict.summary.find("194af44"), std::string::npos);
}

TEST(Verdict, NotLiveWithoutAnythingThatShowsWhatServes) {
    auto s = healthy_snapshot();
    s.target_groups = {};
    s.target_groups.configured = false;
    s.versions = {};
    s.versions.configured = false;
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::unknown);
    EXPECT_EQ(stage(d, "alb").health, Health::unknown);
}

TEST(Verdict, BuildRunning) {
    auto s = healthy_snapshot();
    auto& run = (*s.builds.value)[0];
    run.status = CiStatus::in_progress;
    run.conclusion = CiConclusion::none;
    run.finished.reset();
    run.steps.push_back({"build", "docker build", CiStatus::in_progress, CiConclusion::none, std::nullopt, std::nullopt, ""});
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::build_running);
    EXPECT_EQ(stage(d, "build").health, Health::progressing);
    EXPECT_NE(stage(d, "build").summary.find("docker build"), std::string::npos);
}

TEST(Verdict, BuildFailedNamesThePhaseAndContext) {
    auto s = healthy_snapshot();
    auto& run = (*s.builds.value)[0];
    run.kind = CiKind::codebuild;
    run.conclusion = CiConclusion::failure;
    run.steps.push_back({"", "BUILD", CiStatus::completed, CiConclusion::success, std::nullopt, at("2025-06-10T13:57:00Z"), ""});
    run.steps.push_back({"", "POST_BUILD", CiStatus::completed, CiConclusion::failure, std::nullopt, at("2025-06-10T13:58:00Z"),
                         "COMMAND_EXECUTION_ERROR: Error while executing command: docker push"});
    s.images.value->erase(s.images.value->begin());
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::build_failed);
    EXPECT_EQ(d.verdict.stage, Stage::build);
    EXPECT_EQ(stage(d, "build").health, Health::failed);
    EXPECT_TRUE(evidence_contains(stage(d, "build"), "docker push"));
    EXPECT_NE(d.verdict.summary.find("POST_BUILD"), std::string::npos);
    EXPECT_EQ(stage(d, "image").health, Health::stale) << "the newest image is the previous commit's";
}

TEST(Verdict, NotBuiltShowsTheGapAfterTheLastDeployment) {
    auto s = healthy_snapshot();
    s.builds.value->erase(s.builds.value->begin());
    // Deployed at 14:01; the newest commit lands 38 minutes later.
    s.commits.value->front().time = at("2025-06-10T14:39:00Z");
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::not_built);
    EXPECT_EQ(stage(d, "build").health, Health::stale);
    EXPECT_TRUE(evidence_contains(stage(d, "build"), "38m later"));
    EXPECT_NE(d.verdict.summary.find("38m after the last deployment"), std::string::npos) << d.verdict.summary;
}

TEST(Verdict, FreshCommitWaitsForCiInsteadOfNotBuilt) {
    auto s = healthy_snapshot();
    s.builds.value->erase(s.builds.value->begin());
    s.commits.value->front().time = s.now - std::chrono::seconds(40);
    EXPECT_EQ(diagnose(s).verdict.code, VerdictCode::build_running);
}

TEST(Verdict, ImageMissingAfterGreenBuild) {
    auto s = healthy_snapshot();
    s.images.value->erase(s.images.value->begin());
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::image_missing);
    EXPECT_EQ(stage(d, "image").health, Health::failed);
}

TEST(Verdict, TaskdefStaleWhenTheServiceStillReferencesTheOldImage) {
    auto s = healthy_snapshot();
    s.service.value->task_definition = kTdOld;
    s.service.value->deployments[0].task_definition = kTdOld;
    s.service.value->deployments[0].created = at("2025-06-09T16:30:05Z");
    for (auto& t : *s.tasks.value) {
        t.task_definition = kTdOld;
        t.containers[0].image_digest = kOldDigest;
    }
    s.versions.value->back().reported = kOldSha;
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::taskdef_stale);
    EXPECT_EQ(stage(d, "image").health, Health::ok);
    EXPECT_EQ(stage(d, "taskdef").health, Health::stale);
    EXPECT_EQ(stage(d, "taskdef").revision.sha, kOldSha);
    EXPECT_EQ(stage(d, "tasks").health, Health::stale);
    EXPECT_EQ(stage(d, "alb").health, Health::stale);
    EXPECT_TRUE(has_finding(d, "no deployment since the image for 194af44 was pushed"));
}

TEST(Verdict, DeployInProgress) {
    auto s = healthy_snapshot();
    auto& svc = *s.service.value;
    svc.deployments[0].rollout_state = "IN_PROGRESS";
    svc.deployments[0].running = 1;
    Deployment old;
    old.id = "ecs-svc/0";
    old.status = "ACTIVE";
    old.task_definition = kTdOld;
    old.rollout_state = "COMPLETED";
    old.desired = 2;
    old.running = 1;
    svc.deployments.push_back(old);
    (*s.tasks.value)[1] = running_task("t0", kTdOld, kOldDigest, "10.0.1.2", at("2025-06-09T16:31:00Z"));
    (*s.target_groups.value)[0].targets[0].state = "initial";
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::deploy_in_progress) << d.verdict.summary;
    EXPECT_EQ(stage(d, "taskdef").health, Health::ok);
    EXPECT_EQ(stage(d, "tasks").health, Health::progressing);
}

TEST(Verdict, DeployFailingShowsTheStoppedTaskReason) {
    auto s = healthy_snapshot();
    auto& svc = *s.service.value;
    svc.circuit_breaker = false;
    svc.deployments[0].rollout_state = "IN_PROGRESS";
    svc.deployments[0].running = 0;
    svc.deployments[0].failed_tasks = 27;
    Task stopped = running_task("t9", kTdNew, "", "10.0.1.9", at("2025-06-10T14:50:00Z"));
    stopped.last_status = "STOPPED";
    stopped.desired_status = "STOPPED";
    stopped.started_at.reset();
    stopped.stopped_at = at("2025-06-10T14:51:10Z");
    stopped.stop_code = "TaskFailedToStart";
    stopped.stopped_reason = "ResourceInitializationError: unable to pull secrets or registry auth";
    *s.tasks.value = {running_task("t0", kTdOld, kOldDigest, "10.0.1.1", at("2025-06-09T16:31:00Z")), stopped};
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::deploy_failing);
    EXPECT_EQ(stage(d, "tasks").health, Health::failed);
    EXPECT_TRUE(evidence_contains(stage(d, "tasks"), "ResourceInitializationError"));
    EXPECT_NE(d.verdict.summary.find("ResourceInitializationError"), std::string::npos);
    EXPECT_TRUE(has_finding(d, "no deployment circuit breaker"));
    EXPECT_TRUE(has_finding(d, "27 failed tasks"));
}

TEST(Verdict, DeployRolledBack) {
    auto s = rolled_back_snapshot();
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::deploy_rolled_back) << d.verdict.summary;
    // The task definition did its part (app:24 references the new image); the rollout failed.
    EXPECT_EQ(stage(d, "taskdef").health, Health::ok) << stage(d, "taskdef").summary;
    EXPECT_EQ(stage(d, "tasks").health, Health::failed);
    EXPECT_EQ(d.verdict.stage, Stage::tasks);
    EXPECT_NE(d.verdict.summary.find("circuit breaker"), std::string::npos);
    // ECS finished: the completed rollback and the failed deployment move nothing.
    EXPECT_EQ(stage(d, "tasks").summary.find("rolling out"), std::string::npos) << stage(d, "tasks").summary;
}

// Blue/green through CodeDeploy: the service lists task sets, not deployments.
PipelineSnapshot blue_green_snapshot() {
    auto s = healthy_snapshot();
    auto& svc = *s.service.value;
    svc.controller = "CODE_DEPLOY";
    svc.deployments.clear();
    svc.circuit_breaker.reset();
    svc.task_definition = kTdOld;
    TaskSet blue;
    blue.id = "ecs-svc/blue";
    blue.status = "PRIMARY";
    blue.task_definition = kTdOld;
    blue.started_by = "CodeDeploy";
    blue.external_id = "d-OLD";
    blue.computed_desired = blue.running = 2;
    blue.stability = "STEADY_STATE";
    blue.created = at("2025-06-09T16:31:00Z");
    TaskSet green = blue;
    green.id = "ecs-svc/green";
    green.status = "ACTIVE";
    green.task_definition = kTdNew;
    green.external_id = "d-NEW";
    green.created = at("2025-06-10T14:01:00Z");
    svc.task_sets = {blue, green};
    auto& tasks = *s.tasks.value;
    for (auto& t : tasks) t.started_by = "ecs-svc/green";
    for (const char* id : {"b1", "b2"}) {
        Task t = running_task(id, kTdOld, kOldDigest, "10.0.2.1", at("2025-06-09T16:32:00Z"));
        t.started_by = "ecs-svc/blue";
        tasks.push_back(t);
    }
    return s;
}

CodeDeployDeployment codedeploy(const char* status) {
    CodeDeployDeployment d;
    d.id = "d-NEW";
    d.application = "app";
    d.group = "app-dg";
    d.status = status;
    d.created = at("2025-06-10T14:00:55Z");
    d.target_read = true;
    d.task_sets = {{"ecs-svc/blue", "Blue", "PRIMARY", 100.0, "app-blue", 2, 2},
                   {"ecs-svc/green", "Green", "ACTIVE", 0.0, "app-green", 2, 2}};
    return d;
}

TEST(BlueGreen, AShiftInProgressIsDeployInProgressWithTheTrafficSplit) {
    auto s = blue_green_snapshot();
    set(s.deployment, codedeploy("InProgress"), s.now);
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::deploy_in_progress) << d.verdict.summary;
    EXPECT_EQ(d.verdict.stage, Stage::tasks);
    EXPECT_EQ(stage(d, "taskdef").health, Health::ok) << stage(d, "taskdef").summary;  // the replacement's revision
    EXPECT_NE(d.verdict.summary.find("Blue 100% (app-blue), Green 0% (app-green)"), std::string::npos) << d.verdict.summary;
    for (const auto& f : d.findings) EXPECT_EQ(f.message.find("circuit breaker"), std::string::npos) << f.message;
}

TEST(BlueGreen, WithoutCodeDeployAccessAReplacementBesideThePrimaryIsStillInProgress) {
    auto s = blue_green_snapshot();
    s.deployment.configured = true;
    s.deployment.error = FetchError{Source::codedeploy, "AccessDeniedException", "not authorized to perform codedeploy:GetDeployment", s.now};
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::deploy_in_progress) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("traffic split not read"), std::string::npos) << d.verdict.summary;
}

TEST(BlueGreen, ACompletedShiftIsLive) {
    auto s = blue_green_snapshot();
    auto& svc = *s.service.value;
    svc.task_sets.erase(svc.task_sets.begin());
    svc.task_sets[0].status = "PRIMARY";
    svc.task_definition = kTdNew;
    auto& tasks = *s.tasks.value;
    std::erase_if(tasks, [](const Task& t) { return t.started_by == "ecs-svc/blue"; });
    set(s.deployment, codedeploy("Succeeded"), s.now);
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::live) << d.verdict.summary;
}

TEST(BlueGreen, AStoppedAndRolledBackDeploymentFailsTheTasksStage) {
    auto s = blue_green_snapshot();
    auto& svc = *s.service.value;
    svc.task_sets.pop_back();  // the rollback removed the replacement set
    auto& tasks = *s.tasks.value;
    for (auto& t : tasks)
        if (t.started_by == "ecs-svc/green") {
            t.last_status = "STOPPED";
            t.desired_status = "STOPPED";
            t.stopped_reason = "Scaling activity initiated by (deployment d-NEW)";
        }
    auto cd = codedeploy("Stopped");
    cd.error_code = "ALARM_ACTIVE";
    cd.error_message = "One or more alarms have been activated";
    cd.rollback_deployment_id = "d-BACK";
    set(s.deployment, cd, s.now);
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::deploy_rolled_back) << d.verdict.summary;
    EXPECT_EQ(d.verdict.stage, Stage::tasks);
    EXPECT_EQ(stage(d, "taskdef").health, Health::ok) << stage(d, "taskdef").summary;
    EXPECT_NE(d.verdict.summary.find("ALARM_ACTIVE"), std::string::npos) << d.verdict.summary;
}

TEST(BlueGreen, AFailedDeploymentWithoutItsReplacementStillFails) {
    auto s = blue_green_snapshot();
    s.service.value->task_sets.pop_back();
    std::erase_if(*s.tasks.value, [](const Task& t) { return t.started_by == "ecs-svc/green"; });
    auto cd = codedeploy("Failed");
    cd.error_code = "HEALTH_CONSTRAINTS";
    cd.error_message = "too many tasks failed";
    set(s.deployment, cd, s.now);
    Diagnosis d = diagnose(s);
    EXPECT_NE(d.verdict.code, VerdictCode::live);
    EXPECT_EQ(stage(d, "tasks").health, Health::failed) << stage(d, "tasks").summary;
}

TEST(DigestGaps, TasksWithoutADigestAreToldByAShaTagNotJudgedStale) {
    auto s = healthy_snapshot();
    for (auto& t : *s.tasks.value) t.containers[0].image_digest.clear();
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::live) << d.verdict.summary;
    EXPECT_NE(stage(d, "tasks").summary.find("report no digest"), std::string::npos) << stage(d, "tasks").summary;
}

TEST(DigestGaps, TasksWithoutADigestOnAMutableTagCannotBeTold) {
    auto s = healthy_snapshot();
    (*s.task_definitions.value)[kTdNew].containers[0].image = std::string(kRegistry) + "/app:latest";
    (*s.images.value)[0].tags.push_back("latest");
    for (auto& t : *s.tasks.value) t.containers[0].image_digest.clear();
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::unknown) << d.verdict.summary;
    EXPECT_EQ(d.verdict.stage, Stage::tasks);
    EXPECT_NE(stage(d, "tasks").summary.find("mutable"), std::string::npos) << stage(d, "tasks").summary;
}

// A task pulls its image when it starts: without a digest, one that started before the newest
// image was pushed still cannot run it (the cache trap without digests), beyond the clocks' slack.
TEST(DigestGaps, TasksWithoutADigestThatStartedBeforeTheImageWasPushedAreStale) {
    auto s = healthy_snapshot();
    (*s.task_definitions.value)[kTdNew].containers[0].image = std::string(kRegistry) + "/app:latest";
    (*s.images.value)[0].tags.push_back("latest");
    const TimePoint pushed = (*s.images.value)[0].pushed_at;
    for (auto& t : *s.tasks.value) {
        t.containers[0].image_digest.clear();
        t.started_at = pushed - std::chrono::hours(2);
    }
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::tasks_stale) << d.verdict.summary;
    EXPECT_EQ(d.verdict.stage, Stage::tasks);
    EXPECT_NE(d.verdict.summary.find("2h before the image for"), std::string::npos) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("under tag latest"), std::string::npos) << d.verdict.summary;
    EXPECT_NE(stage(d, "tasks").summary.find("report no digest"), std::string::npos) << stage(d, "tasks").summary;
    EXPECT_EQ(stage(d, "tasks").summary.find("not ?"), std::string::npos) << stage(d, "tasks").summary;

    // Two minutes before the push is within the tolerance of the clocks: nothing is proven.
    for (auto& t : *s.tasks.value) t.started_at = pushed - std::chrono::minutes(2);
    d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::unknown) << d.verdict.summary;
}

TEST(DigestGaps, WithoutARepositoryNoSentenceComparesWithNothing) {
    auto s = healthy_snapshot();
    s.commits = {};
    s.commits.configured = false;
    s.builds = {};
    s.builds.configured = false;
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::unknown) << d.verdict.summary;
    for (const auto& st : d.stages) EXPECT_EQ(st.summary.find("not ?"), std::string::npos) << st.summary;
    EXPECT_NE(stage(d, "tasks").summary.find("newest commit unknown"), std::string::npos) << stage(d, "tasks").summary;
}

TEST(ServiceLifecycle, ADeletedServiceIsAKnownFailureNamingClusterAndService) {
    auto s = healthy_snapshot();
    s.service.value->status = "INACTIVE";
    s.service.value->desired = 0;
    s.tasks.value->clear();
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::deploy_failing) << d.verdict.summary;
    EXPECT_NE(stage(d, "tasks").summary.find("service app in cluster app-cluster is INACTIVE"), std::string::npos)
        << stage(d, "tasks").summary;
}

TEST(ClockSkew, AMutableTagPushedJustAfterTheRunEndedIsThatRunsImage) {
    auto s = healthy_snapshot();
    auto& images = *s.images.value;
    images[0].tags = {"latest"};
    images[0].pushed_at = at("2025-06-10T14:02:05Z");  // the run ended 14:01:05
    (*s.task_definitions.value)[kTdNew].containers[0].image = std::string(kRegistry) + "/app:latest";
    Diagnosis d = diagnose(s);
    EXPECT_NE(d.verdict.code, VerdictCode::image_missing) << d.verdict.summary;
    EXPECT_EQ(stage(d, "image").health, Health::ok) << stage(d, "image").summary;
    bool gap_shown = false;
    for (const auto& e : stage(d, "image").evidence) gap_shown |= e.value.find("clocks differ") != std::string::npos;
    EXPECT_TRUE(gap_shown);
}

TEST(Verdict, TasksStaleComparedByDigestNotByTag) {
    auto s = healthy_snapshot();
    // Both images carry "latest" history; the registry's latest is the new digest now.
    (*s.images.value)[0].tags = {"latest"};
    (*s.images.value)[1].tags = {};
    (*s.images.value)[1].pushed_at = at("2025-06-10T13:55:00Z");  // also inside run #142: same commit
    (*s.task_definitions.value)[kTdNew].containers[0].image = std::string(kRegistry) + "/app:latest";
    for (auto& t : *s.tasks.value) t.containers[0].image_digest = kOldDigest;
    for (auto& t : *s.tasks.value) t.started_at = at("2025-06-10T13:56:00Z");
    s.versions.configured = false;
    s.versions.value.reset();
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::tasks_stale) << d.verdict.summary;
    EXPECT_EQ(stage(d, "taskdef").health, Health::ok) << "latest resolves to the new digest";
    EXPECT_EQ(stage(d, "tasks").health, Health::stale);
    EXPECT_EQ(stage(d, "tasks").revision.sha, kNewSha) << "same commit, different digest: still stale";
    EXPECT_NE(d.verdict.summary.find("sha256:964c2ff"), std::string::npos) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("sha256:80bf6ba"), std::string::npos) << d.verdict.summary;
    EXPECT_TRUE(has_finding(d, "before the image it should run was pushed"));
    EXPECT_EQ(stage(d, "alb").health, Health::stale) << "healthy targets serve the old digest";
}

TEST(Verdict, TargetsUnhealthy) {
    auto s = healthy_snapshot();
    for (auto& t : (*s.target_groups.value)[0].targets) {
        t.state = "unhealthy";
        t.reason = "Target.ResponseCodeMismatch";
        t.description = "Health checks failed with these codes: [502]";
    }
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::targets_unhealthy);
    EXPECT_NE(d.verdict.summary.find("[502]"), std::string::npos);
}

TEST(Verdict, VersionMismatch) {
    auto s = healthy_snapshot();
    s.versions.value->back().reported = "8c3e1d2";
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::version_mismatch);
    EXPECT_EQ(stage(d, "alb").revision.sha, kOldSha);
}

// An EC2 pipeline: one running instance behind the healthy target, launched after the build.
PipelineSnapshot ec2_snapshot() {
    auto s = healthy_snapshot();
    s.spec.kind = PipelineKind::ec2;
    s.service = {};
    s.service.configured = false;
    s.tasks = {};
    s.tasks.configured = false;
    s.task_definitions = {};
    s.task_definitions.configured = false;
    s.images = {};
    s.images.configured = false;
    Instance i;
    i.id = "i-0c5a5c767bec5c27e";
    i.state = "running";
    i.launch_time = at("2025-06-10T14:10:00Z");
    set(s.instances, std::vector<Instance>{i}, s.now);
    (*s.target_groups.value)[0].targets = {{"i-0c5a5c767bec5c27e", 3000, "healthy", "", ""}};
    return s;
}

TEST(Verdict, InstanceStaleForEc2Pipelines) {
    auto s = ec2_snapshot();
    Instance& i = s.instances.value->front();
    i.launch_time = at("2025-05-28T09:14:22Z");  // before the build: UserData ran the old commit
    i.user_data_digest = "ab12";
    s.versions.value->back().reported = kOldSha;
    Diagnosis d = diagnose(s);
    ASSERT_EQ(d.stages.size(), 4u);
    EXPECT_EQ(d.stages[2].id, Stage::instances);
    EXPECT_EQ(d.verdict.code, VerdictCode::instance_stale) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("i-0c5a5c767bec5c27e"), std::string::npos);
    EXPECT_NE(d.verdict.summary.find("first boot"), std::string::npos);

    // Relaunched after the build, reporting the new commit: live.
    (*s.instances.value)[0].launch_time = at("2025-06-10T14:10:00Z");
    s.versions.value->back().reported = kNewSha;
    EXPECT_EQ(diagnose(s).verdict.code, VerdictCode::live);
}

TEST(Verdict, UnknownWhenASourceFailedEvenWithOldData) {
    auto s = healthy_snapshot();
    s.service.error = FetchError{Source::ecs, "AccessDeniedException", "not authorized to perform ecs:DescribeServices", s.now};
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::unknown);
    EXPECT_EQ(stage(d, "taskdef").health, Health::unknown) << "old data with a fresh error is not ok";
    EXPECT_TRUE(evidence_contains(stage(d, "taskdef"), "AccessDeniedException"));
    EXPECT_NE(d.verdict.summary.find("AccessDeniedException"), std::string::npos);
}

TEST(Verdict, UnknownWhenGithubFailedButStillNamesALaterFailure) {
    auto s = healthy_snapshot();
    s.commits.value.reset();
    s.commits.error = FetchError{Source::github, "RateLimited", "API rate limit exceeded", s.now};
    for (auto& t : (*s.target_groups.value)[0].targets) t.state = "unhealthy";
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::unknown);
    EXPECT_EQ(d.verdict.stage, Stage::push);
    EXPECT_NE(d.verdict.summary.find("alb"), std::string::npos) << d.verdict.summary;
}

TEST(Verdict, EveryCodeHasAName) {
    for (auto code : {VerdictCode::live, VerdictCode::build_running, VerdictCode::build_failed, VerdictCode::not_built,
                      VerdictCode::image_missing, VerdictCode::taskdef_stale, VerdictCode::deploy_in_progress,
                      VerdictCode::deploy_failing, VerdictCode::deploy_rolled_back, VerdictCode::tasks_stale,
                      VerdictCode::targets_unhealthy, VerdictCode::version_mismatch, VerdictCode::instance_stale,
                      VerdictCode::unknown}) {
        auto name = to_string(code);
        EXPECT_EQ(verdict_from_string(name), code) << name;
    }
}

TEST(Findings, SecretChangedAfterTasksStartedAndMainAhead) {
    auto s = healthy_snapshot();
    for (auto& t : *s.tasks.value) {
        t.task_definition = kTdOld;
        t.containers[0].image_digest = kOldDigest;
    }
    set(s.secrets, std::vector<SecretInfo>{{"arn:aws:secretsmanager:eu-west-1:1:secret:db-AbC", "db", at("2025-06-10T14:30:00Z"), "app $DB"}},
        s.now);
    Diagnosis d = diagnose(s);
    EXPECT_TRUE(has_finding(d, "secret db changed at 14:30:00, after the running tasks started"));
    EXPECT_TRUE(has_finding(d, "main is 1 commit ahead of what runs"));
}

// ---- the rules read states as values ------------------------------------------------------------

namespace {

// Every value but `unknown` has a spelling, and no text is spelled twice.
template <class E>
void expect_table_complete(E last) {
    auto table = spellings(E{});
    for (int v = 1; v <= static_cast<int>(last); ++v) {
        auto n = std::count_if(table.begin(), table.end(), [v](const auto& row) { return static_cast<int>(row.value) == v; });
        EXPECT_EQ(n, 1) << "value " << v;
    }
    for (const auto& row : table) {
        EXPECT_NE(row.value, E::unknown) << row.text;
        auto same = std::count_if(table.begin(), table.end(), [&](const auto& other) { return other.text == row.text; });
        EXPECT_EQ(same, 1) << row.text;
    }
}

// A rollout in progress with one failed task and every task running: only the stopped task's
// stop code tells whether it failed.
PipelineSnapshot rollout_with_a_stop(const char* stop_code) {
    auto s = healthy_snapshot();
    auto& d = (*s.service.value).deployments[0];
    d.rollout_state = "IN_PROGRESS";
    d.failed_tasks = 1;
    Task stopped = running_task("t9", kTdNew, kNewDigest, "10.0.1.9", at("2025-06-10T14:02:30Z"));
    stopped.last_status = "STOPPED";
    stopped.desired_status = "STOPPED";
    stopped.stopped_at = at("2025-06-10T14:03:00Z");
    stopped.stop_code = stop_code;
    stopped.stopped_reason = "Task stopped by the scheduler";
    s.tasks.value->push_back(stopped);
    return s;
}

}  // namespace

// The model compares values: comparing a state with a string does not compile.
template <class S, class T>
concept equality_comparable_to = requires(const S& s, const T& t) { s == t; };
static_assert(!equality_comparable_to<ApiEnum<TaskStatus>, const char*>);
static_assert(!equality_comparable_to<ApiEnum<TaskStatus>, char[8]>);
static_assert(!equality_comparable_to<ApiEnum<TaskStatus>, std::string>);
static_assert(equality_comparable_to<ApiEnum<TaskStatus>, TaskStatus>);

TEST(States, EveryEnumHasOneSpellingPerValue) {
    expect_table_complete(DeploymentStatus::inactive);
    expect_table_complete(RolloutState::in_progress);
    expect_table_complete(ServiceStatus::inactive);
    expect_table_complete(TaskStatus::deleted);
    expect_table_complete(HealthStatus::undetermined);
    expect_table_complete(StopCode::termination_notice);
    expect_table_complete(TargetState::unavailable);
    expect_table_complete(InstanceState::stopped);
}

TEST(States, TextOutsideTheTableIsUnknownAndKept) {
    ApiEnum<TaskStatus> odd("HIBERNATING");
    EXPECT_EQ(odd, TaskStatus::unknown);
    EXPECT_FALSE(odd.known());
    EXPECT_EQ(odd.text, "HIBERNATING");
    ApiEnum<TaskStatus> running("RUNNING");
    EXPECT_EQ(running, TaskStatus::running);
    EXPECT_TRUE(running.known());
    EXPECT_FALSE(ApiEnum<StopCode>().known()) << "absent is not a known value";
    EXPECT_EQ(ApiEnum<RolloutState>(""), RolloutState::absent);
    // Two readings are one state when the API wrote the same text; two unknown values differ.
    EXPECT_TRUE(ApiEnum<TargetState>("warming") == ApiEnum<TargetState>("warming"));
    EXPECT_FALSE(ApiEnum<TargetState>("warming") == ApiEnum<TargetState>("cooling"));
}

TEST(States, StopCodeDecidesWhetherAStoppedTaskFailed) {
    for (const char* failed : {"TaskFailedToStart", "EssentialContainerExited"}) {
        Diagnosis d = diagnose(rollout_with_a_stop(failed));
        EXPECT_EQ(d.verdict.code, VerdictCode::deploy_failing) << failed << ": " << d.verdict.summary;
    }
    // A stop the scheduler or a person asked for, or a code shipwatch does not know, is not a failure.
    for (const char* benign : {"ServiceSchedulerInitiated", "UserInitiated", "MaintenanceStop"}) {
        Diagnosis d = diagnose(rollout_with_a_stop(benign));
        EXPECT_EQ(d.verdict.code, VerdictCode::deploy_in_progress) << benign << ": " << d.verdict.summary;
    }
}

TEST(States, PrimaryRolloutFailedIsAFailingDeployEvenWithTasksRunning) {
    auto s = healthy_snapshot();
    auto& d = (*s.service.value).deployments[0];
    d.rollout_state = "FAILED";
    d.rollout_state_reason = "ECS deployment circuit breaker: tasks failed to start.";
    Diagnosis diagnosis = diagnose(s);
    EXPECT_EQ(diagnosis.verdict.code, VerdictCode::deploy_failing) << diagnosis.verdict.summary;
    EXPECT_NE(diagnosis.verdict.summary.find("circuit breaker"), std::string::npos) << diagnosis.verdict.summary;
}

TEST(States, RunningTaskWithANewDesiredStatusStillCounts) {
    auto s = healthy_snapshot();
    for (auto& t : *s.tasks.value) t.desired_status = "PAUSED";  // only STOPPED takes a task out
    EXPECT_EQ(diagnose(s).verdict.code, VerdictCode::live);
    for (auto& t : *s.tasks.value) t.desired_status = "STOPPED";
    EXPECT_EQ(stage(diagnose(s), "tasks").health, Health::failed) << "no task meant to keep running";
}

TEST(States, AbsentRolloutStateShowsAsADash) {
    auto s = healthy_snapshot();
    (*s.service.value).deployments[0].rollout_state = "";
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::live);
    EXPECT_TRUE(evidence_contains(stage(d, "tasks"), "app:24 - running 2/2"));
}

TEST(States, TargetsOutsideHealthyInitialDrainingAreUnhealthyAndShownAsWritten) {
    auto s = healthy_snapshot();
    (*s.target_groups.value)[0].targets[1].state = "unhealthy.draining";
    (*s.target_groups.value)[0].targets[1].reason = "Target.FailedHealthChecks";
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::targets_unhealthy) << d.verdict.summary;
    EXPECT_EQ(stage(d, "alb").summary, "1/2 targets healthy; 10.0.1.2 unhealthy.draining (Target.FailedHealthChecks)");
    (*s.target_groups.value)[0].targets[1].state = "draining";
    EXPECT_EQ(stage(diagnose(s), "alb").health, Health::progressing);
}

TEST(States, AnInstanceNotRunningIsNamedWithItsState) {
    auto s = ec2_snapshot();
    s.instances.value->front().state = "shutting-down";
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::instance_stale);
    EXPECT_EQ(d.verdict.summary, "Instance i-0c5a5c767bec5c27e is shutting-down, not running.");
}

TEST(Verdict, InstancesCannotTellWhenTheEndpointNamesNoKnownCommit) {
    auto s = ec2_snapshot();
    s.versions.value->back().reported = "release-banana";
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::unknown);
    EXPECT_EQ(stage(d, "instances").health, Health::unknown);
    EXPECT_EQ(stage(d, "instances").summary, "endpoint reports a version that names no known commit");

    // An endpoint that fails is not taken for the boot-time guess either.
    s.versions.value->back().error = "connection refused";
    d = diagnose(s);
    EXPECT_EQ(stage(d, "instances").health, Health::unknown);
    EXPECT_EQ(d.verdict.summary, "Cannot tell: version endpoint failed.");
}

TEST(Verdict, TaskdefCannotTellWhenItsImageNamesNoKnownCommit) {
    auto s = healthy_snapshot();
    const std::string image = std::string(kRegistry) + "/app:stable";
    (*s.task_definitions.value)[kTdNew].containers[0].image = image;
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::unknown);
    EXPECT_EQ(stage(d, "taskdef").health, Health::unknown);
    EXPECT_EQ(d.verdict.summary, "Cannot tell: cannot tell which commit " + image + " carries.");
    EXPECT_TRUE(has_finding(d, "app:24 references tag \"stable\", which does not exist in"));
}

namespace {

std::vector<PipelineAnalysis> analyses_with(std::initializer_list<VerdictCode> codes) {
    std::vector<PipelineAnalysis> out;
    for (VerdictCode c : codes) {
        PipelineAnalysis a;
        a.diagnosis.verdict.code = c;
        out.push_back(std::move(a));
    }
    return out;
}

}  // namespace

// CI must hear "broken" whenever something is known broken: a pipeline that cannot be told does
// not turn a known failure into "could not tell".
TEST(ExitStatus, AKnownFailureOutranksAnUnknownPipeline) {
    EXPECT_EQ(exit_status(analyses_with({VerdictCode::unknown, VerdictCode::tasks_stale})), 1);
    EXPECT_EQ(exit_status(analyses_with({VerdictCode::tasks_stale, VerdictCode::unknown})), 1);
    EXPECT_EQ(exit_status(analyses_with({VerdictCode::live, VerdictCode::unknown})), 2);
    EXPECT_EQ(exit_status(analyses_with({VerdictCode::live, VerdictCode::live})), 0);
    EXPECT_EQ(exit_status(analyses_with({VerdictCode::live, VerdictCode::deploy_in_progress})), 1);
    EXPECT_EQ(exit_status({}), 2);
}

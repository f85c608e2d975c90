// The next steps of each verdict: what confirms it and what would fix it, fitted to the
// controller, the tag style and the registry, every value shell-quoted. From the healthy
// snapshot with one link broken at a time (as test_diagnosis does).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "model/analysis.hpp"
#include "model/next_steps.hpp"
#include "snapshot_builder.hpp"

using namespace shipwatch;
using namespace shipwatch::testing;

namespace {

struct Judged {
    Diagnosis d;
    std::vector<NextStep> steps;

    // The first step of `kind` whose command holds `needle`; nullptr when none.
    const NextStep* find(StepKind kind, const std::string& needle) const {
        for (const auto& n : steps)
            if (n.kind == kind && n.command.find(needle) != std::string::npos) return &n;
        return nullptr;
    }
    bool any_command_has(const std::string& needle) const {
        return std::any_of(steps.begin(), steps.end(),
                           [&](const NextStep& n) { return n.command.find(needle) != std::string::npos; });
    }
    std::string dump() const {
        std::string out = std::string(to_string(d.verdict.code)) + ": " + d.verdict.summary + "\n";
        for (const auto& n : steps)
            out += std::string(to_string(n.kind)) + " | " + n.why + " | " + n.command + " | " + n.console_url + "\n";
        return out;
    }
};

Judged judge(const PipelineSnapshot& s) {
    Judged j{diagnose(s), {}};
    j.steps = next_steps(j.d, s);
    return j;
}

// The tasks run the old digest while `latest` moved to the new one (test_diagnosis' recipe).
PipelineSnapshot moved_latest() {
    auto s = healthy_snapshot();
    (*s.images.value)[0].tags = {"latest"};
    (*s.images.value)[1].tags = {};
    (*s.images.value)[1].pushed_at = at("2025-06-10T13:55:00Z");
    (*s.task_definitions.value)[kTdNew].containers[0].image = std::string(kRegistry) + "/app:latest";
    for (auto& t : *s.tasks.value) t.containers[0].image_digest = kOldDigest;
    for (auto& t : *s.tasks.value) t.started_at = at("2025-06-10T13:56:00Z");
    s.versions.configured = false;
    s.versions.value.reset();
    return s;
}

// The service still runs app:23 (tag 8c3e1d2) while the image for 194af44 is pushed.
PipelineSnapshot stale_taskdef() {
    auto s = healthy_snapshot();
    s.service.value->task_definition = kTdOld;
    s.service.value->deployments[0].task_definition = kTdOld;
    s.service.value->deployments[0].created = at("2025-06-09T16:30:05Z");
    for (auto& t : *s.tasks.value) {
        t.task_definition = kTdOld;
        t.containers[0].image_digest = kOldDigest;
    }
    s.versions.value->back().reported = kOldSha;
    return s;
}

void code_deploy(PipelineSnapshot& s) {
    Service& svc = *s.service.value;
    svc.controller = "CODE_DEPLOY";
    TaskSet primary;
    primary.id = "ecs-svc/primary";
    primary.status = "PRIMARY";
    primary.task_definition = svc.task_definition;
    primary.external_id = "d-PRIMARY01";
    TaskSet replacement = primary;
    replacement.id = "ecs-svc/replacement";
    replacement.status = "ACTIVE";
    replacement.external_id = "d-SHIFT0001";
    svc.task_sets = {primary, replacement};
}

// Every command a pipeline's steps hold names its region, and its profile when it has one.
void expect_region_and_profile(const Judged& j, const std::string& profile) {
    for (const auto& n : j.steps) {
        if (!n.command.starts_with("aws ")) continue;
        EXPECT_NE(n.command.find("--region eu-west-1"), std::string::npos) << n.command;
        if (!profile.empty()) EXPECT_NE(n.command.find("--profile " + profile), std::string::npos) << n.command;
    }
}

}  // namespace

TEST(ShellQuote, BareWordsStayBareEverythingElseIsQuoted) {
    EXPECT_EQ(shell_quote("app-cluster"), "app-cluster");
    EXPECT_EQ(shell_quote("arn:aws:ecs:eu-west-1:1:service/c/s"), "arn:aws:ecs:eu-west-1:1:service/c/s");
    EXPECT_EQ(shell_quote(""), "''");
    EXPECT_EQ(shell_quote("my service"), "'my service'");
    EXPECT_EQ(shell_quote("$(rm -rf ~)"), "'$(rm -rf ~)'");
    EXPECT_EQ(shell_quote("`id`;x|y&z*"), "'`id`;x|y&z*'");
    EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
}

TEST(ShellQuote, ControlCharactersAreWrittenAsEscapesNeverRaw) {
    std::string q = shell_quote("evil\x1b]52;c;\x07\nname's");
    EXPECT_EQ(q, "$'evil\\x1b]52;c;\\x07\\x0aname\\'s'");
    EXPECT_EQ(std::count_if(q.begin(), q.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }), 0);
}

TEST(NextSteps, ConsoleHostFollowsThePartition) {
    EXPECT_EQ(console_base("eu-west-1"), "https://eu-west-1.console.aws.amazon.com");
    EXPECT_EQ(console_base("cn-north-1"), "https://console.amazonaws.cn");
    EXPECT_EQ(console_base("us-gov-west-1"), "https://console.amazonaws-us-gov.com");
    EXPECT_EQ(console_base("eu-west-1/../x"), "") << "a region that is not one gets no link";
}

TEST(NextSteps, MovedMutableTagOnARollingServiceIsAForcedNewDeployment) {
    auto j = judge(moved_latest());
    ASSERT_EQ(j.d.verdict.code, VerdictCode::tasks_stale) << j.dump();
    ASSERT_FALSE(j.steps.empty());
    EXPECT_EQ(j.steps.front().kind, StepKind::confirm);
    EXPECT_TRUE(j.find(StepKind::confirm, "aws ecs describe-tasks --cluster app-cluster --tasks t1 t2")) << j.dump();
    EXPECT_TRUE(j.find(StepKind::confirm,
                       "aws ecr describe-images --repository-name app --registry-id 210987654321 "
                       "--image-ids imageTag=latest"))
        << j.dump();
    const NextStep* fix =
        j.find(StepKind::fix, "aws ecs update-service --cluster app-cluster --service app --force-new-deployment");
    ASSERT_TRUE(fix) << j.dump();
    EXPECT_NE(fix->why.find("latest"), std::string::npos);
    EXPECT_EQ(fix->console_url,
              "https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/app-cluster/services/app/"
              "deployments?region=eu-west-1");
    expect_region_and_profile(j, "");
}

TEST(NextSteps, ConfirmStepsComeBeforeFixSteps) {
    for (const auto& s : {moved_latest(), stale_taskdef(), healthy_snapshot()}) {
        auto j = judge(s);
        auto first_fix =
            std::find_if(j.steps.begin(), j.steps.end(), [](const NextStep& n) { return n.kind == StepKind::fix; });
        EXPECT_TRUE(std::all_of(first_fix, j.steps.end(), [](const NextStep& n) { return n.kind == StepKind::fix; }))
            << j.dump();
    }
}

TEST(NextSteps, CodeDeployServiceIsFixedThroughCodeDeployNotUpdateService) {
    auto s = moved_latest();
    code_deploy(s);
    // Steady state after a shift: the replacement became the primary set, alone.
    auto& sets = s.service.value->task_sets;
    sets.erase(sets.begin());
    sets[0].status = "PRIMARY";
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::tasks_stale) << j.dump();
    EXPECT_FALSE(j.any_command_has("update-service")) << "UpdateService cannot roll out a CODE_DEPLOY service\n"
                                                      << j.dump();
    EXPECT_TRUE(j.find(StepKind::confirm, "aws deploy get-deployment --deployment-id d-SHIFT0001")) << j.dump();
    const NextStep* fix = j.find(StepKind::fix, "aws deploy create-deployment");
    ASSERT_TRUE(fix) << j.dump();
    EXPECT_NE(fix->command.find("AppSpecContent"), std::string::npos);
    EXPECT_NE(fix->command.find(kTdNew), std::string::npos) << "the AppSpec names the task definition to deploy";
    EXPECT_NE(fix->command.find(R"(\"ContainerName\":\"app\",\"ContainerPort\":8080)"), std::string::npos)
        << fix->command;
    EXPECT_EQ(fix->console_url,
              "https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-SHIFT0001?region=eu-west-1");
}

TEST(NextSteps, ExternalControllerSaysTheFixIsInTheController) {
    auto s = moved_latest();
    s.service.value->controller = "EXTERNAL";
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::tasks_stale) << j.dump();
    EXPECT_FALSE(j.any_command_has("update-service")) << j.dump();
    EXPECT_FALSE(j.any_command_has("aws deploy")) << j.dump();
    auto fix = std::find_if(j.steps.begin(), j.steps.end(), [](const NextStep& n) { return n.kind == StepKind::fix; });
    ASSERT_NE(fix, j.steps.end()) << j.dump();
    EXPECT_TRUE(fix->command.empty());
    EXPECT_NE(fix->why.find("EXTERNAL controller"), std::string::npos) << fix->why;
}

TEST(NextSteps, StaleTaskdefWithCommitTagsRegistersTheNewTagThenRollsOut) {
    auto j = judge(stale_taskdef());
    ASSERT_EQ(j.d.verdict.code, VerdictCode::taskdef_stale) << j.dump();
    EXPECT_TRUE(j.find(StepKind::confirm, "aws ecs describe-task-definition --task-definition app:23")) << j.dump();
    const NextStep* reg = j.find(StepKind::fix, "aws ecs register-task-definition");
    ASSERT_TRUE(reg) << j.dump();
    EXPECT_NE(reg->why.find(std::string(kRegistry) + "/app:194af44"), std::string::npos)
        << "the tag style of the task definition";
    EXPECT_TRUE(
        j.find(StepKind::fix, "aws ecs update-service --cluster app-cluster --service app --task-definition app "))
        << j.dump();
}

TEST(NextSteps, StaleTaskdefPinnedByDigestIsFixedWithTheNewDigest) {
    auto s = stale_taskdef();
    (*s.task_definitions.value)[kTdOld].containers[0].image = std::string(kRegistry) + "/app@" + kOldDigest;
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::taskdef_stale) << j.dump();
    const NextStep* reg = j.find(StepKind::fix, "register-task-definition");
    ASSERT_TRUE(reg) << j.dump();
    EXPECT_NE(reg->why.find(std::string(kRegistry) + "/app@" + kNewDigest), std::string::npos) << reg->why;
}

TEST(NextSteps, StaleTaskdefOnCodeDeployDeploysThroughCodeDeploy) {
    auto s = stale_taskdef();
    code_deploy(s);
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::taskdef_stale) << j.dump();
    EXPECT_TRUE(j.find(StepKind::fix, "aws ecs deploy --cluster app-cluster --service app")) << j.dump();
    EXPECT_FALSE(j.any_command_has("update-service")) << j.dump();
}

TEST(NextSteps, BuildFailedOnGithubActionsShowsTheFailedLogAndReruns) {
    auto s = healthy_snapshot();
    (*s.builds.value)[0].conclusion = CiConclusion::failure;
    (*s.builds.value)[0].url = "https://github.com/acme/app/actions/runs/142";
    s.images.value->erase(s.images.value->begin());
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::build_failed) << j.dump();
    const NextStep* view = j.find(StepKind::confirm, "gh run view 142 --log-failed --repo acme/app");
    ASSERT_TRUE(view) << j.dump();
    EXPECT_EQ(view->console_url, "https://github.com/acme/app/actions/runs/142");
    EXPECT_TRUE(j.find(StepKind::fix, "gh run rerun 142 --failed --repo acme/app")) << j.dump();
}

TEST(NextSteps, BuildFailedOnCodeBuildRetriesTheBuild) {
    auto s = healthy_snapshot();
    s.spec.codebuild_project = "app-build";
    auto& run = (*s.builds.value)[0];
    run.kind = CiKind::codebuild;
    run.id = "app-build:0b7e";
    run.conclusion = CiConclusion::failure;
    s.images.value->erase(s.images.value->begin());
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::build_failed) << j.dump();
    const NextStep* view = j.find(StepKind::confirm, "aws codebuild batch-get-builds --ids app-build:0b7e");
    ASSERT_TRUE(view) << j.dump();
    EXPECT_EQ(view->console_url,
              "https://eu-west-1.console.aws.amazon.com/codesuite/codebuild/projects/app-build/build/"
              "app-build%3A0b7e/?region=eu-west-1");
    EXPECT_TRUE(j.find(StepKind::fix, "aws codebuild retry-build --id app-build:0b7e")) << j.dump();
}

TEST(NextSteps, NotBuiltListsTheCommitsRunsAndStartsTheWorkflow) {
    auto s = healthy_snapshot();
    s.spec.workflow = "deploy.yml";
    s.builds.value->erase(s.builds.value->begin());
    s.commits.value->front().time = at("2025-06-10T14:39:00Z");
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::not_built) << j.dump();
    EXPECT_TRUE(j.find(StepKind::confirm, std::string("gh run list --commit ") + kNewSha)) << j.dump();
    EXPECT_TRUE(j.find(StepKind::fix, "gh workflow run deploy.yml --ref main --repo acme/app")) << j.dump();
}

TEST(NextSteps, ImageMissingLooksForTheCommitsTagInTheRightAccount) {
    auto s = healthy_snapshot();
    s.images.value->erase(s.images.value->begin());
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::image_missing) << j.dump();
    // The task definition's tag is 194af44-style: the new commit's tag is the same pattern.
    EXPECT_TRUE(j.find(StepKind::confirm,
                       "aws ecr describe-images --repository-name app --registry-id 210987654321 "
                       "--image-ids imageTag=194af44"))
        << j.dump();
    EXPECT_TRUE(j.find(StepKind::fix, "gh run rerun 142 --repo acme/app")) << j.dump();
}

TEST(NextSteps, ImageMissingFromARegistryOutsideEcrIsReadWithDocker) {
    auto s = healthy_snapshot();
    s.images.value->erase(s.images.value->begin());
    (*s.task_definitions.value)[kTdNew].containers[0].image = "ghcr.io/acme/app:main-8c3e1d2";
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::image_missing) << j.dump();
    EXPECT_TRUE(j.find(StepKind::confirm, "docker buildx imagetools inspect ghcr.io/acme/app:main-194af44"))
        << j.dump();
    EXPECT_FALSE(j.any_command_has("aws ecr")) << "never another registry's API\n" << j.dump();
}

TEST(NextSteps, DeployFailingShowsTheStoppedTaskItsLogsAndGoesBack) {
    auto s = healthy_snapshot();
    auto& svc = *s.service.value;
    svc.deployments[0].rollout_state = "IN_PROGRESS";
    svc.deployments[0].running = 0;
    svc.deployments[0].failed_tasks = 27;
    Deployment old;
    old.id = "ecs-svc/0";
    old.status = "ACTIVE";
    old.task_definition = kTdOld;
    old.rollout_state = "COMPLETED";
    old.desired = old.running = 1;
    svc.deployments.push_back(old);
    auto& app = (*s.task_definitions.value)[kTdNew].containers[0];
    app.log_group = "/ecs/app";
    app.log_stream_prefix = "ecs";
    Task stopped = running_task("t9", kTdNew, "", "10.0.1.9", at("2025-06-10T14:50:00Z"));
    stopped.last_status = "STOPPED";
    stopped.desired_status = "STOPPED";
    stopped.stopped_at = at("2025-06-10T14:51:10Z");
    stopped.stop_code = "TaskFailedToStart";
    stopped.stopped_reason = "ResourceInitializationError: unable to pull secrets or registry auth";
    *s.tasks.value = {running_task("t0", kTdOld, kOldDigest, "10.0.1.1", at("2025-06-09T16:31:00Z")), stopped};
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::deploy_failing) << j.dump();
    EXPECT_TRUE(j.find(StepKind::confirm, "aws ecs describe-tasks --cluster app-cluster --tasks t9")) << j.dump();
    const NextStep* logs =
        j.find(StepKind::confirm, "aws logs tail /ecs/app --since 1h --log-stream-name-prefix ecs/app/t9");
    ASSERT_TRUE(logs) << j.dump();
    EXPECT_NE(logs->console_url.find("#logsV2:log-groups/log-group/$252Fecs$252Fapp"), std::string::npos)
        << logs->console_url;
    EXPECT_TRUE(
        j.find(StepKind::fix, "aws ecs update-service --cluster app-cluster --service app --task-definition app:23"))
        << j.dump();
}

TEST(NextSteps, AStoppedTaskWithoutStoppedAtIsStillTheOneToDescribe) {
    auto s = healthy_snapshot();
    s.service.value->deployments[0].rollout_state = "FAILED";
    Task stopped = running_task("t8", kTdNew, "", "10.0.1.8", at("2025-06-10T14:50:00Z"));
    stopped.last_status = "STOPPED";
    stopped.desired_status = "STOPPED";
    stopped.stop_code = "EssentialContainerExited";
    s.tasks.value->push_back(stopped);
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::deploy_failing) << j.dump();
    EXPECT_TRUE(j.find(StepKind::confirm, "--tasks t8")) << j.dump();
}

TEST(NextSteps, CodeDeployFailingIsStoppedWithRollback) {
    auto s = healthy_snapshot();
    code_deploy(s);
    // The replacement set's tasks keep failing while the shift waits for them.
    Task stopped = running_task("t9", kTdNew, "", "10.0.1.9", at("2025-06-10T14:50:00Z"));
    stopped.started_by = "ecs-svc/replacement";
    stopped.last_status = "STOPPED";
    stopped.desired_status = "STOPPED";
    stopped.stop_code = "EssentialContainerExited";
    s.tasks.value->push_back(stopped);
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::deploy_failing) << j.dump();
    EXPECT_TRUE(j.find(StepKind::fix, "aws deploy stop-deployment --deployment-id d-SHIFT0001 --auto-rollback-enabled"))
        << j.dump();
    EXPECT_FALSE(j.any_command_has("update-service")) << j.dump();
}

TEST(NextSteps, RolledBackDeploysTheFailedRevisionAgainOnceFixed) {
    auto s = rolled_back_snapshot();
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::deploy_rolled_back) << j.dump();
    EXPECT_TRUE(j.find(StepKind::confirm, "deployments[?rolloutState==`FAILED`]")) << j.dump();
    EXPECT_TRUE(j.find(StepKind::fix, "--task-definition app:24")) << j.dump();
}

TEST(NextSteps, CodeDeployRollbackIsConfirmedThroughItsDeploymentNotEcsRolloutState) {
    auto s = healthy_snapshot();
    auto& svc = *s.service.value;
    svc.task_definition = kTdOld;
    svc.deployments[0].status = "ACTIVE";
    svc.deployments[0].rollout_state = "FAILED";
    Deployment back = svc.deployments[0];
    back.status = "PRIMARY";
    back.task_definition = kTdOld;
    back.rollout_state = "COMPLETED";
    svc.deployments.push_back(back);
    for (auto& t : *s.tasks.value) {
        t.task_definition = kTdOld;
        t.containers[0].image_digest = kOldDigest;
    }
    code_deploy(s);
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::deploy_rolled_back) << j.dump();
    EXPECT_FALSE(j.any_command_has("rolloutState")) << j.dump();
    EXPECT_TRUE(j.find(StepKind::confirm, "aws deploy get-deployment --deployment-id d-SHIFT0001")) << j.dump();
    EXPECT_TRUE(j.find(StepKind::fix, "aws deploy create-deployment")) << j.dump();
}

TEST(NextSteps, DeployInProgressWatchesTheRolloutAndFixesNothing) {
    auto s = healthy_snapshot();
    auto& svc = *s.service.value;
    svc.deployments[0].rollout_state = "IN_PROGRESS";
    svc.deployments[0].running = 1;
    (*s.tasks.value).pop_back();
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::deploy_in_progress) << j.dump();
    EXPECT_TRUE(j.find(StepKind::confirm, "aws ecs wait services-stable --cluster app-cluster --services app"))
        << j.dump();
    EXPECT_TRUE(std::none_of(j.steps.begin(), j.steps.end(), [](const NextStep& n) { return n.kind == StepKind::fix; }))
        << j.dump();
}

TEST(NextSteps, TargetsUnhealthyShowsTheirHealthAndTheCheck) {
    auto s = healthy_snapshot();
    for (auto& t : (*s.target_groups.value)[0].targets) t.state = "unhealthy";
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::targets_unhealthy) << j.dump();
    const NextStep* health =
        j.find(StepKind::confirm, std::string("aws elbv2 describe-target-health --target-group-arn ") + kTg);
    ASSERT_TRUE(health) << j.dump();
    EXPECT_NE(health->console_url.find("#TargetGroup:targetGroupArn=arn%3Aaws%3Aelasticloadbalancing"),
              std::string::npos)
        << health->console_url;
    EXPECT_TRUE(j.find(StepKind::confirm, "aws elbv2 describe-target-groups")) << j.dump();
}

TEST(NextSteps, VersionMismatchAsksTheEndpoint) {
    auto s = healthy_snapshot();
    s.versions.value->back().reported = "8c3e1d2";
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::version_mismatch) << j.dump();
    EXPECT_EQ(j.steps.front().command, "curl -sS https://app.example/version") << j.dump();
}

TEST(NextSteps, InstanceStaleDescribesTheInstanceAndRefreshesItsGroup) {
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
    i.launch_time = at("2025-05-28T09:14:22Z");
    set(s.instances, std::vector<Instance>{i}, s.now);
    (*s.target_groups.value)[0].targets = {{"i-0c5a5c767bec5c27e", 3000, "healthy", "", ""}};
    s.versions.value->back().reported = kOldSha;
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::instance_stale) << j.dump();
    EXPECT_TRUE(j.find(StepKind::confirm, "aws ec2 describe-instances --instance-ids i-0c5a5c767bec5c27e")) << j.dump();
    EXPECT_TRUE(j.find(StepKind::fix, "aws autoscaling start-instance-refresh")) << j.dump();

    s.instances.value->front().state = "stopped";
    j = judge(s);
    EXPECT_TRUE(j.find(StepKind::fix, "aws ec2 start-instances --instance-ids i-0c5a5c767bec5c27e")) << j.dump();
}

TEST(NextSteps, UnknownShowsTheCallThatFailedAndWhoTheCredentialsAre) {
    auto s = healthy_snapshot();
    s.service.error =
        FetchError{Source::ecs, "AccessDeniedException", "not authorized to perform ecs:DescribeServices", s.now};
    auto j = judge(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::unknown) << j.dump();
    EXPECT_TRUE(j.find(StepKind::confirm, "aws ecs describe-services --cluster app-cluster --services app"))
        << j.dump();
    EXPECT_TRUE(j.find(StepKind::confirm, "aws sts get-caller-identity --region eu-west-1")) << j.dump();
    EXPECT_TRUE(
        std::none_of(j.steps.begin(), j.steps.end(), [](const NextStep& n) { return n.kind == StepKind::fix; }));
}

TEST(NextSteps, LiveHasOnlyAConfirmStep) {
    auto j = judge(healthy_snapshot());
    ASSERT_EQ(j.d.verdict.code, VerdictCode::live);
    ASSERT_EQ(j.steps.size(), 1u) << j.dump();
    EXPECT_EQ(j.steps.front().kind, StepKind::confirm);
}

TEST(NextSteps, ProfileAndRegionAreInEveryAwsCommand) {
    auto s = moved_latest();
    s.spec.profile = "prod";
    auto j = judge(s);
    ASSERT_GE(j.steps.size(), 3u) << j.dump();
    expect_region_and_profile(j, "prod");
}

TEST(NextSteps, NamesFromTheApiAreQuotedSoNoneRunsAsShell) {
    auto s = moved_latest();
    s.spec.cluster = "prod $(touch /tmp/pwned)";
    s.spec.service = "it's; rm -rf ~";
    s.spec.profile = "a b";
    auto j = judge(s);
    const NextStep* fix = j.find(StepKind::fix, "update-service");
    ASSERT_TRUE(fix) << j.dump();
    EXPECT_EQ(fix->command,
              "aws ecs update-service --cluster 'prod $(touch /tmp/pwned)' --service 'it'\\''s; rm -rf ~' "
              "--force-new-deployment --region eu-west-1 --profile 'a b'");
    EXPECT_NE(
        fix->console_url.find("/clusters/prod%20%24%28touch%20%2Ftmp%2Fpwned%29/services/it%27s%3B%20rm%20-rf%20~/"),
        std::string::npos)
        << fix->console_url;
}

TEST(NextSteps, AnalysisCarriesThem) {
    PipelineAnalysis a = analyze(moved_latest());
    EXPECT_EQ(a.next_steps.size(), next_steps(a.diagnosis, a.snapshot).size());
    EXPECT_FALSE(a.next_steps.empty());
}

// What the steps cost per refresh of a pipeline (analyze() computes them once): printed, not asserted.
TEST(NextSteps, PrintsWhatTheyCost) {
    const PipelineSnapshot s = moved_latest();
    const Diagnosis d = diagnose(s);
    constexpr int kRounds = 20000;
    size_t steps = 0;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRounds; ++i) steps += next_steps(d, s).size();
    auto per_call = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start) / kRounds;
    auto d_start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRounds / 10; ++i) steps += diagnose(s).stages.size();
    auto per_diagnosis =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - d_start) / (kRounds / 10);
    std::printf("next_steps: %.2f us per call (diagnose: %.2f us)\n", per_call.count(), per_diagnosis.count());
    EXPECT_GT(steps, 0u);
}

// A rolled-back CODE_DEPLOY deployment after ECS has forgotten it: the replacement task set is
// deleted and its stopped tasks are gone (ECS keeps them about an hour). The deployment's AppSpec,
// which CodeDeploy keeps, still tells what was rolled out: the verdict stays deploy_rolled_back at
// the tasks stage, naming that revision; without the AppSpec it cannot be told and is not invented.
// Then the same on the real path: the simulator's blue-green world two hours on, through the
// CodeDeploy client and the collector.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "app_fixture.hpp"
#include "model/diagnosis.hpp"
#include "model/next_steps.hpp"
#include "snapshot_builder.hpp"

namespace shipwatch {
namespace {

using namespace shipwatch::testing;

constexpr const char* kTdNew = "arn:aws:ecs:eu-west-1:210987654321:task-definition/app:24";
constexpr const char* kTdOld = "arn:aws:ecs:eu-west-1:210987654321:task-definition/app:23";
constexpr const char* kOldDigest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

// The service after CodeDeploy rolled back d-NEW (app:24, the newest commit): only the original
// (blue) set of d-OLD is left, and only its tasks.
PipelineSnapshot forgotten_snapshot() {
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
    svc.task_sets = {blue};
    auto& tasks = *s.tasks.value;
    tasks.clear();
    for (const char* id : {"b1", "b2"}) {
        Task t = running_task(id, kTdOld, kOldDigest, "10.0.2.1", at("2025-06-09T16:32:00Z"));
        t.started_by = "ecs-svc/blue";
        tasks.push_back(t);
    }
    CodeDeployDeployment d;
    d.id = "d-NEW";
    d.application = "app";
    d.group = "app-dg";
    d.status = "Stopped";
    d.error_code = "ALARM_ACTIVE";
    d.error_message = "One or more alarms have been activated";
    d.rollback_deployment_id = "d-BACK";
    d.created = at("2025-06-10T14:00:55Z");
    d.completed = at("2025-06-10T14:20:00Z");
    d.target_read = true;
    d.task_sets = {{"ecs-svc/blue", "Blue", "PRIMARY", 100.0, "app-blue", 2, 2},
                   {"ecs-svc/green", "Green", "ACTIVE", 0.0, "app-green", 2, 0}};
    d.task_definition = kTdNew;  // from its AppSpec
    set(s.deployment, d, s.now);
    return s;
}

const StageReport& stage(const Diagnosis& d, Stage id) {
    for (const auto& st : d.stages)
        if (st.id == id) return st;
    throw std::runtime_error("no stage");
}

TEST(CodeDeployForgotten, TheAppSpecTellsTheRolledBackRevisionOnceTheSetAndTasksAreGone) {
    auto s = forgotten_snapshot();
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::deploy_rolled_back) << d.verdict.summary;
    EXPECT_EQ(d.verdict.stage, Stage::tasks);
    EXPECT_EQ(stage(d, Stage::taskdef).health, Health::ok) << stage(d, Stage::taskdef).summary;
    EXPECT_NE(d.verdict.summary.find("(app:24)"), std::string::npos) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("rolled back to app:23"), std::string::npos) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("ALARM_ACTIVE"), std::string::npos) << d.verdict.summary;
}

TEST(CodeDeployForgotten, AnAppSpecThatWritesFamilyAndRevisionNamesTheSameRevision) {
    auto s = forgotten_snapshot();
    s.deployment.value->task_definition = "app:24";
    auto tds = *s.task_definitions.value;
    tds.emplace("app:24", tds.at(kTdNew));  // the collector asks DescribeTaskDefinition with the AppSpec's text
    set(s.task_definitions, tds, s.now);
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::deploy_rolled_back) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("(app:24)"), std::string::npos) << d.verdict.summary;
}

TEST(CodeDeployForgotten, WithoutTheAppSpecTheRevisionIsNotInvented) {
    auto s = forgotten_snapshot();
    s.deployment.value->task_definition.clear();
    s.deployment.value->revision_untold = "the AppSpec is in S3 (shipwatch reads no buckets or repositories for it)";
    Diagnosis d = diagnose(s);
    EXPECT_NE(d.verdict.code, VerdictCode::live);
    EXPECT_EQ(d.verdict.summary.find("app:24"), std::string::npos) << d.verdict.summary;
}

TEST(CodeDeployForgotten, AnAppSpecOfAnOlderCommitIsNoRollbackOfTheNewest) {
    auto s = forgotten_snapshot();
    s.deployment.value->task_definition = kTdOld;  // the failed deployment rolled out what runs
    Diagnosis d = diagnose(s);
    EXPECT_NE(d.verdict.code, VerdictCode::deploy_rolled_back) << d.verdict.summary;
}

// ---- the next steps of a failed or rolled-back CodeDeploy deployment ---------------------------

constexpr const char* kAppSpec =
    "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n"
    "        TaskDefinition: \"arn:aws:ecs:eu-west-1:210987654321:task-definition/app:24\"\n"
    "Hooks:\n  - AfterAllowTestTraffic: \"app-smoke\"\n";

struct Steps {
    Diagnosis d;
    std::vector<NextStep> list;
    const NextStep* find(StepKind kind, const std::string& needle) const {
        for (const auto& n : list)
            if (n.kind == kind && n.command.find(needle) != std::string::npos) return &n;
        return nullptr;
    }
    const NextStep* fix() const {
        for (const auto& n : list)
            if (n.kind == StepKind::fix) return &n;
        return nullptr;
    }
    std::string dump() const {
        std::string out = d.verdict.summary + "\n";
        for (const auto& n : list) out += std::string(to_string(n.kind)) + ": " + n.why + "\n  " + n.command + "\n  " + n.console_url + "\n";
        return out;
    }
};

Steps steps_of(const PipelineSnapshot& s) {
    Steps out{diagnose(s), {}};
    out.list = next_steps(out.d, s);
    return out;
}

TEST(CodeDeploySteps, ARollbackIsConfirmedOnTheDeploymentAndDeployedAgainWithItsAppSpec) {
    auto s = forgotten_snapshot();
    s.deployment.value->appspec_content = kAppSpec;
    Steps j = steps_of(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::deploy_rolled_back) << j.dump();
    EXPECT_TRUE(j.find(StepKind::confirm,
                       "aws deploy get-deployment --deployment-id d-NEW --query "
                       "'deploymentInfo.[status,errorInformation,rollbackInfo]' --region eu-west-1"))
        << "the failed deployment, not the one the primary set names (d-OLD)\n" << j.dump();
    EXPECT_TRUE(j.find(StepKind::confirm, "aws deploy get-deployment-target --deployment-id d-NEW --target-id "))
        << j.dump();
    const NextStep* fix = j.fix();
    ASSERT_TRUE(fix) << j.dump();
    EXPECT_EQ(fix->command.rfind("aws deploy create-deployment --application-name app --deployment-group-name app-dg "
                                 "--revision '{\"revisionType\":\"AppSpecContent\",\"appSpecContent\":{\"content\":"
                                 "\"version: 0.0\\nResources:",
                                 0),
              0u)
        << j.dump();
    EXPECT_NE(fix->command.find("AfterAllowTestTraffic: \\\"app-smoke\\\""), std::string::npos)
        << "the AppSpec it tried, hooks included\n" << j.dump();
    EXPECT_NE(fix->why.find("app:24"), std::string::npos) << fix->why;
    EXPECT_EQ(fix->console_url, "https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/applications/app/"
                        "deployment-groups/app-dg?region=eu-west-1");
}

TEST(CodeDeploySteps, ATaskDefinitionToldWithoutItsAppSpecGetsOneWrittenForIt) {
    auto s = forgotten_snapshot();  // the AppSpec was too long to keep
    Steps j = steps_of(s);
    const NextStep* fix = j.fix();
    ASSERT_TRUE(fix) << j.dump();
    EXPECT_NE(fix->command.find("aws deploy create-deployment --application-name app --deployment-group-name app-dg"),
              std::string::npos) << j.dump();
    EXPECT_NE(fix->command.find(R"(\"TaskDefinition\":\")" + std::string(kTdNew)), std::string::npos) << j.dump();
    EXPECT_NE(fix->why.find("without the original's hooks"), std::string::npos) << fix->why;
}

TEST(CodeDeploySteps, ARevisionNotToldLeadsToTheDeploymentGroupsPage) {
    auto s = forgotten_snapshot();
    // The set and its tasks are still there (so the rollback is told), the AppSpec is in S3.
    TaskSet green = s.service.value->task_sets.front();
    green.id = "ecs-svc/green";
    green.status = "ACTIVE";
    green.task_definition = kTdNew;
    green.external_id = "d-NEW";
    green.computed_desired = green.running = 0;
    s.service.value->task_sets.push_back(green);
    s.deployment.value->task_definition.clear();
    s.deployment.value->revision_untold = "the AppSpec is in S3 (shipwatch reads no buckets or repositories for it)";
    Steps j = steps_of(s);
    const NextStep* fix = j.fix();
    ASSERT_TRUE(fix) << j.dump();
    EXPECT_EQ(fix->command, "") << j.dump();
    EXPECT_NE(fix->why.find("the AppSpec is in S3"), std::string::npos) << fix->why;
    EXPECT_NE(fix->console_url.find("/codesuite/codedeploy/applications/app/deployment-groups/app-dg"), std::string::npos);
}

TEST(CodeDeploySteps, AFailedDeploymentIsNotStoppedAgain) {
    auto s = forgotten_snapshot();
    TaskSet green = s.service.value->task_sets.front();
    green.id = "ecs-svc/green";
    green.status = "ACTIVE";
    green.task_definition = kTdNew;
    green.external_id = "d-NEW";
    green.created = at("2025-06-10T14:01:00Z");
    s.service.value->task_sets.push_back(green);
    auto& cd = *s.deployment.value;
    cd.status = "Failed";
    cd.rollback_deployment_id.clear();
    cd.error_code = "HEALTH_CONSTRAINTS";
    cd.appspec_content = std::string(kAppSpec) + "# \x1b]52;c;x\x07\n";
    Steps j = steps_of(s);
    ASSERT_EQ(j.d.verdict.code, VerdictCode::deploy_failing) << j.dump();
    EXPECT_FALSE(j.find(StepKind::fix, "stop-deployment")) << j.dump();
    EXPECT_TRUE(j.find(StepKind::confirm, "aws deploy get-deployment --deployment-id d-NEW")) << j.dump();
    const NextStep* fix = j.find(StepKind::fix, "aws deploy create-deployment");
    ASSERT_TRUE(fix) << j.dump();
    for (unsigned char c : fix->command) EXPECT_TRUE(c >= 0x20 && c != 0x7f) << "no control character is sent raw";
    EXPECT_NE(fix->command.find("\\u001b]52;c;x\\u0007"), std::string::npos) << fix->command;
}

// The real path: blue-green two hours on, when ECS has dropped ledger-api's stopped tasks.
TEST(CodeDeployForgotten, BlueGreenTwoHoursOnStillReadsTheRollbackThroughTheCollector) {
    test::CapturedIo io;
    auto o = test::demo_options(app::Command::check, {"blue-green"});
    o.at = "2h";
    o.json = true;
    app::run_check(o, io.io);
    auto doc = nlohmann::json::parse(io.out.str());
    const nlohmann::json* ledger = nullptr;
    for (const auto& p : doc["pipelines"])
        if (p["name"] == "ledger-api") ledger = &p;
    ASSERT_TRUE(ledger) << io.out.str();
    EXPECT_EQ((*ledger)["verdict"]["code"], "deploy_rolled_back") << (*ledger)["verdict"].dump(1);
    EXPECT_EQ((*ledger)["verdict"]["stage"], "tasks");
    EXPECT_NE((*ledger)["verdict"]["summary"].get<std::string>().find("(ledger-api:42)"), std::string::npos);
}

}  // namespace
}  // namespace shipwatch

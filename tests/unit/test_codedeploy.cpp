// The CodeDeploy client against the simulator's blue-green world: the deployment a task set
// names, the group's newest deployment (a rollback is a deployment of its own), the ECS target's
// traffic split and hooks; and how it degrades when CodeDeploy says no.
#include <gtest/gtest.h>

#include "base/clock.hpp"
#include "sources/aws/clients.hpp"
#include "sim/simulator.hpp"
#include "scripted_transport.hpp"

namespace shipwatch {
namespace {

struct BlueGreen : ::testing::Test {
    ManualClock clock{TimePoint{}};
    std::shared_ptr<sim::World> world;
    std::unique_ptr<sim::SimTransport> sim;
    std::vector<Service> services;

    void SetUp() override {
        auto s = sim::load_builtin("blue-green");
        ASSERT_TRUE(s) << s.error().message;
        clock.set(s->start);
        world = std::make_shared<sim::World>(std::move(s).value(), clock);
        sim = std::make_unique<sim::SimTransport>(world);
        auto described = aws::EcsClient(context()).describe_services("payments-bg", {"orders-api", "billing-api", "ledger-api"});
        ASSERT_TRUE(described) << described.error().message;
        services = described.value();
    }
    aws::AwsContext context() { return aws::AwsContext{sim.get(), "eu-central-1", aws::Endpoints("eu-central-1")}; }
    const Service& service(const std::string& name) {
        for (const auto& s : services)
            if (s.name == name) return s;
        throw std::runtime_error("no service " + name);
    }
    CodeDeployDeployment newest(const std::string& name) {
        const Service& s = service(name);
        const TaskSet* primary = nullptr;
        for (const auto& t : s.task_sets)
            if (t.status == TaskSetStatus::primary) primary = &t;
        EXPECT_TRUE(primary) << name;
        auto d = aws::CodeDeployClient(context()).newest_for_service(primary->external_id, "payments-bg", name);
        EXPECT_TRUE(d) << d.error().message;
        return d ? d.value() : CodeDeployDeployment{};
    }
};

TEST_F(BlueGreen, DescribeServicesReadsTheControllerAndTaskSets) {
    const Service& orders = service("orders-api");
    EXPECT_EQ(orders.controller, ControllerType::code_deploy);
    EXPECT_TRUE(orders.deployments.empty());
    ASSERT_EQ(orders.task_sets.size(), 2u);
    EXPECT_EQ(orders.task_sets[1].status, TaskSetStatus::active);
    EXPECT_EQ(orders.task_sets[1].stability, StabilityStatus::steady_state);
    EXPECT_EQ(orders.task_sets[1].scale_percent, 100.0);
    EXPECT_EQ(orders.task_sets[1].started_by, "CodeDeploy");
    ASSERT_EQ(orders.task_sets[1].load_balancers.size(), 1u);
    EXPECT_NE(orders.task_sets[1].load_balancers[0].target_group_arn.find("orders-api-green"), std::string::npos);
    EXPECT_FALSE(orders.circuit_breaker.value_or(true));  // deploymentConfiguration without a breaker
}

TEST_F(BlueGreen, TheNewestDeploymentOfTheGroupIsReadFromThePrimarySetsDeployment) {
    // The primary (blue) set names the previous, succeeded deployment; the shift is a newer one.
    CodeDeployDeployment d = newest("orders-api");
    EXPECT_EQ(d.status, CodeDeployStatus::in_progress);
    EXPECT_TRUE(d.target_read);
    ASSERT_EQ(d.task_sets.size(), 2u);
    EXPECT_EQ(d.task_sets[0].label, "Blue");
    EXPECT_EQ(d.task_sets[0].traffic_weight, 100.0);
    EXPECT_EQ(d.task_sets[1].traffic_weight, 0.0);
    EXPECT_EQ(d.lifecycle.size(), 8u);
}

TEST_F(BlueGreen, ARollbackDeploymentLeadsToTheDeploymentThatFailed) {
    CodeDeployDeployment d = newest("ledger-api");
    EXPECT_EQ(d.status, CodeDeployStatus::stopped);
    EXPECT_EQ(d.error_code, "ALARM_ACTIVE");
    EXPECT_FALSE(d.rollback_deployment_id.empty());
    bool hook_failed = false;
    for (const auto& e : d.lifecycle) hook_failed |= e.status == "Failed" && e.diagnostic.find("ScriptFailed") == 0;
    EXPECT_TRUE(hook_failed);
}

TEST_F(BlueGreen, AnUnknownDeploymentIsCodeDeploysError) {
    auto d = aws::CodeDeployClient(context()).get_deployment("d-NOSUCH");
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, "DeploymentDoesNotExistException");
}

TEST_F(BlueGreen, TheDeploymentTellsTheTaskDefinitionItsAppSpecNames) {
    // The shift: the simulator writes the AppSpec from the replacement set (as CodeDeploy kept it).
    CodeDeployDeployment shift = newest("orders-api");
    EXPECT_EQ(shift.task_definition, "arn:aws:ecs:eu-central-1:345678901234:task-definition/orders-api:42")
        << shift.revision_untold;
    EXPECT_EQ(shift.container_name, "app");
    EXPECT_EQ(shift.container_port, 8080);
    // The rollback: the AppSpec is the one thing left that names ledger-api:42 once ECS forgets.
    CodeDeployDeployment failed = newest("ledger-api");
    EXPECT_EQ(failed.task_definition, "arn:aws:ecs:eu-central-1:345678901234:task-definition/ledger-api:42")
        << failed.revision_untold;
    EXPECT_NE(failed.appspec_content.find("ledger-api-smoke-test"), std::string::npos) << "kept whole, hooks too";
}

TEST_F(BlueGreen, AnAnswerWithTheAppSpecsHashAloneDoesNotTellIt) {
    // billing-api's first deployment: its task set is long gone, the world keeps only the hash.
    auto d = aws::CodeDeployClient(context()).get_deployment("d-4CFF40196");
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->task_definition, "");
    EXPECT_EQ(d->revision_untold, "the answer carries the AppSpec's hash, not its content");
}

// The revision forms an answer can carry, through the client's parser.
CodeDeployDeployment answered_with(const nlohmann::json& revision) {
    testing::ScriptedTransport transport;
    nlohmann::json info{{"deploymentId", "d-X"}, {"status", "Failed"}};
    if (!revision.is_null()) info["revision"] = revision;
    transport.push(200, nlohmann::json{{"deploymentInfo", info}}.dump());
    aws::AwsContext ctx{&transport, "eu-west-1", aws::Endpoints("eu-west-1")};
    auto d = aws::CodeDeployClient(ctx).get_deployment("d-X");
    EXPECT_TRUE(d) << d.error().message;
    return d ? d.value() : CodeDeployDeployment{};
}

TEST(CodeDeployRevision, JsonAppSpecContentIsRead) {
    auto d = answered_with({{"revisionType", "AppSpecContent"},
                            {"appSpecContent",
                             {{"content", R"({"version":0.0,"Resources":[{"TargetService":{"Type":"AWS::ECS::Service",)"
                                          R"("Properties":{"TaskDefinition":"orders:42"}}}]})"},
                              {"sha256", "ab"}}}});
    EXPECT_EQ(d.task_definition, "orders:42");
    EXPECT_EQ(d.revision_untold, "");
}

TEST(CodeDeployRevision, S3StringAndAbsentRevisionsAreNotTold) {
    auto s3 = answered_with({{"revisionType", "S3"}, {"s3Location", {{"bucket", "b"}, {"key", "appspec.yaml"}}}});
    EXPECT_EQ(s3.task_definition, "");
    EXPECT_EQ(s3.revision_untold, "the AppSpec is in S3 (shipwatch reads no buckets or repositories for it)");
    auto string = answered_with({{"revisionType", "String"}, {"string", {{"content", "TaskDefinition: orders:42"}}}});
    EXPECT_EQ(string.task_definition, "") << "String is Lambda's revision type";
    EXPECT_EQ(string.revision_untold, "the revision is of type String, not an AppSpec");
    auto absent = answered_with(nullptr);
    EXPECT_EQ(absent.revision_untold, "the deployment names no revision");
    auto odd = answered_with({{"revisionType", "New\x1bType"}});
    for (unsigned char c : odd.revision_untold) EXPECT_GE(c, 0x20) << odd.revision_untold;
}

TEST(CodeDeployRevision, APlaceholderIsNotTold) {
    auto d = answered_with({{"revisionType", "AppSpecContent"},
                            {"appSpecContent", {{"content", "Resources:\n- TargetService:\n    Properties:\n"
                                                            "      TaskDefinition: <TASK_DEFINITION>\n"}}}});
    EXPECT_EQ(d.task_definition, "");
    EXPECT_NE(d.revision_untold.find("placeholder <TASK_DEFINITION>"), std::string::npos) << d.revision_untold;
    EXPECT_EQ(d.appspec_content, "") << "an AppSpec that does not tell is not offered to deploy again";
}

}  // namespace
}  // namespace shipwatch

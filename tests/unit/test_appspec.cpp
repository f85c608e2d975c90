// The AppSpec of an ECS blue/green deployment, in each form CodeDeploy keeps it: YAML (block and
// flow, quoted and plain) and JSON; and every form that does not tell a task definition.
#include <gtest/gtest.h>

#include "model/appspec.hpp"

namespace shipwatch {
namespace {

constexpr const char* kArn = "arn:aws:ecs:eu-central-1:345678901234:task-definition/orders-api:42";

TEST(AppSpec, YamlPlainScalar) {
    AppSpecTarget t = read_appspec(
        "version: 0.0\n"
        "Resources:\n"
        "  - TargetService:\n"
        "      Type: AWS::ECS::Service\n"
        "      Properties:\n"
        "        TaskDefinition: arn:aws:ecs:eu-central-1:345678901234:task-definition/orders-api:42\n"
        "        LoadBalancerInfo:\n"
        "          ContainerName: app\n"
        "          ContainerPort: 8080\n");
    EXPECT_EQ(t.untold, "");
    EXPECT_EQ(t.task_definition, kArn);
    EXPECT_EQ(t.container_name, "app");
    EXPECT_EQ(t.container_port, 8080);
}

TEST(AppSpec, YamlDoubleAndSingleQuotedWithCommentsAndCrlf) {
    AppSpecTarget t = read_appspec(
        "# deployed by the release job\r\n"
        "version: 0.0\r\n"
        "Resources:\r\n"
        "- TargetService:   # the only resource ECS takes\r\n"
        "    Type: AWS::ECS::Service\r\n"
        "    Properties:\r\n"
        "      TaskDefinition: \"arn:aws:ecs:eu-central-1:345678901234:task-definition/orders-api:42\"  # pinned\r\n"
        "      LoadBalancerInfo:\r\n"
        "        ContainerName: 'app'\r\n"
        "        ContainerPort: \"8080\"\r\n"
        "Hooks:\r\n"
        "- AfterAllowTestTraffic: \"orders-api-smoke-test\"\r\n");
    EXPECT_EQ(t.untold, "");
    EXPECT_EQ(t.task_definition, kArn);
    EXPECT_EQ(t.container_name, "app");
    EXPECT_EQ(t.container_port, 8080);
}

TEST(AppSpec, YamlValueOnTheNextLine) {
    AppSpecTarget t = read_appspec(
        "Resources:\n- TargetService:\n    Properties:\n      TaskDefinition:\n        'orders-api:42'\n"
        "      LoadBalancerInfo: {ContainerName: app, ContainerPort: 8080}\n");
    EXPECT_EQ(t.untold, "");
    EXPECT_EQ(t.task_definition, "orders-api:42");
    EXPECT_EQ(t.container_name, "app");
    EXPECT_EQ(t.container_port, 8080);
}

TEST(AppSpec, YamlFlowStyle) {
    AppSpecTarget t = read_appspec(
        "{version: 0.0, Resources: [{TargetService: {Type: AWS::ECS::Service, Properties: {TaskDefinition: "
        "arn:aws:ecs:eu-central-1:345678901234:task-definition/orders-api:42, LoadBalancerInfo: {ContainerName: app, "
        "ContainerPort: 8080}}}}]}");
    EXPECT_EQ(t.untold, "");
    EXPECT_EQ(t.task_definition, kArn);
    EXPECT_EQ(t.container_port, 8080);
}

TEST(AppSpec, Json) {
    AppSpecTarget t = read_appspec(
        R"({"version":0.0,"Resources":[{"TargetService":{"Type":"AWS::ECS::Service","Properties":)"
        R"({"TaskDefinition":"arn:aws:ecs:eu-central-1:345678901234:task-definition\/orders-api:42",)"
        R"("LoadBalancerInfo":{"ContainerName":"app","ContainerPort":8080}}}}]})");
    EXPECT_EQ(t.untold, "");
    EXPECT_EQ(t.task_definition, kArn) << "JSON's \\/ is a slash";
    EXPECT_EQ(t.container_name, "app");
    EXPECT_EQ(t.container_port, 8080);
}

TEST(AppSpec, JsonPrettyPrintedWithSpacesBeforeColons) {
    AppSpecTarget t = read_appspec(
        "{\n  \"Resources\" : [\n    {\n      \"TargetService\" : {\n        \"Properties\" : {\n"
        "          \"TaskDefinition\" : \"arn:aws-cn:ecs:cn-north-1:345678901234:task-definition/orders-api:7\"\n"
        "        }\n      }\n    }\n  ]\n}\n");
    EXPECT_EQ(t.untold, "");
    EXPECT_EQ(t.task_definition, "arn:aws-cn:ecs:cn-north-1:345678901234:task-definition/orders-api:7");
    EXPECT_FALSE(t.container_port);
}

TEST(AppSpec, TheKeyInsideAStringOrACommentIsNotTheKey) {
    AppSpecTarget t = read_appspec(
        "# TaskDefinition: arn:aws:ecs:eu-central-1:345678901234:task-definition/old:1\n"
        "Description: \"TaskDefinition: orders-api:1\"\n"
        "Resources:\n- TargetService:\n    Properties:\n      TaskDefinition: orders-api:42\n");
    EXPECT_EQ(t.untold, "");
    EXPECT_EQ(t.task_definition, "orders-api:42");
}

TEST(AppSpec, APlaceholderIsNotTold) {
    for (const char* content : {"Resources:\n- TargetService:\n    Properties:\n      TaskDefinition: <TASK_DEFINITION>\n",
                                R"({"Resources":[{"TargetService":{"Properties":{"TaskDefinition":"<TASK_DEFINITION>"}}}]})"}) {
        AppSpecTarget t = read_appspec(content);
        EXPECT_EQ(t.task_definition, "") << content;
        EXPECT_NE(t.untold.find("placeholder <TASK_DEFINITION>"), std::string::npos) << t.untold;
    }
}

TEST(AppSpec, WhatIsNotOneTaskDefinitionIsNotTold) {
    struct Case {
        const char* content;
        const char* why;
    } cases[] = {
        {"", "the AppSpec is empty"},
        {"version: 0.0\nHooks:\n- BeforeInstall: fn\n", "names no TaskDefinition"},
        {"Resources:\n- A:\n    Properties:\n      TaskDefinition:\n        Ref: x\n", "not one string"},
        {"Resources:\n- A:\n    Properties:\n      TaskDefinition:\n      LoadBalancerInfo: {}\n", "not one string"},
        {"Resources:\n- A:\n    Properties:\n      TaskDefinition: \"\"\n", "not one string"},
        {"Resources:\n- A:\n    Properties:\n      TaskDefinition: a:1\n- B:\n    Properties:\n      TaskDefinition: b:2\n",
         "names 2 task definitions"},
        {"TaskDefinition: my task\n", "is not a task definition ARN"},
        {"TaskDefinition: arn:aws:s3:::bucket/key\n", "is not a task definition ARN"},
        {"TaskDefinition: \"arn:aws:ecs:eu-central-1:345678901234:task-definition/orders-api:42\n", "not closed"},
    };
    for (const auto& c : cases) {
        AppSpecTarget t = read_appspec(c.content);
        EXPECT_EQ(t.task_definition, "") << c.content;
        EXPECT_NE(t.untold.find(c.why), std::string::npos) << c.content << " -> " << t.untold;
    }
}

TEST(AppSpec, ControlCharactersNeverLeaveUnseen) {
    AppSpecTarget t = read_appspec("TaskDefinition: \"orders-api:42\\u001b]52;c;x\\u0007\"\nContainerName: \"a\\u001bpp\"\n");
    EXPECT_EQ(t.task_definition, "");
    EXPECT_EQ(t.container_name, "") << "an invalid container name is dropped";
    EXPECT_NE(t.untold.find("orders-api:42\\x1b]52;c;x\\x07"), std::string::npos) << t.untold;
    for (unsigned char c : t.untold) EXPECT_TRUE(c >= 0x20 && c != 0x7f) << t.untold;
}

TEST(AppSpec, APortOutOfRangeIsDropped) {
    AppSpecTarget t = read_appspec("TaskDefinition: orders-api:42\nContainerName: app\nContainerPort: 99999\n");
    EXPECT_EQ(t.task_definition, "orders-api:42");
    EXPECT_FALSE(t.container_port);
}

TEST(AppSpec, VisibleTextCutsLongValues) {
    EXPECT_EQ(visible_text("abc\x01", 80), "abc\\x01");
    EXPECT_EQ(visible_text(std::string(100, 'a'), 10), std::string(10, 'a') + "…");
}

}  // namespace
}  // namespace shipwatch

// AWS clients against recorded answers (tests/data/aws): the requests they build, the
// pagination and batching they do, and how answers and errors are parsed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sources/aws/clients.hpp"
#include "sources/aws/json_protocol.hpp"
#include "sources/aws/query_protocol.hpp"
#include "unit/scripted_transport.hpp"

namespace shipwatch::aws {
namespace {

using nlohmann::json;
using testing::data_file;
using testing::ScriptedTransport;

AwsContext context(ScriptedTransport& transport) {
    AwsContext ctx;
    ctx.transport = &transport;
    ctx.region = "eu-west-1";
    ctx.endpoints = Endpoints("eu-west-1");
    return ctx;
}

json body_of(const HttpRequest& request) { return json::parse(request.body); }

std::string aws_json(const std::string& name) { return data_file("aws/" + name); }

const Headers kJsonError{{"Content-Type", "application/x-amz-json-1.1"}};

// ---- ECS ----------------------------------------------------------------------------------------

TEST(EcsClient, DescribeServicesRequest) {
    ScriptedTransport transport;
    transport.push(200, aws_json("ecs_describe_services.json"));
    EcsClient ecs(context(transport));
    ASSERT_TRUE(ecs.describe_services("prod", {"streamr-p2p"}));

    ASSERT_EQ(transport.requests.size(), 1u);
    const HttpRequest& r = transport.requests[0];
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.url, "https://ecs.eu-west-1.amazonaws.com/");
    EXPECT_EQ(r.headers.at("x-amz-target"), "AmazonEC2ContainerServiceV20141113.DescribeServices");
    EXPECT_EQ(r.headers.at("Content-Type"), "application/x-amz-json-1.1");
    EXPECT_EQ(r.aws_region, "eu-west-1");
    EXPECT_EQ(r.aws_service, "ecs");
    EXPECT_EQ(body_of(r), (json{{"cluster", "prod"}, {"services", {"streamr-p2p"}}}));
}

TEST(EcsClient, DescribeServicesParsesDeploymentsEventsAndLoadBalancers) {
    ScriptedTransport transport;
    transport.push(200, aws_json("ecs_describe_services.json"));
    auto services = EcsClient(context(transport)).describe_services("prod", {"streamr-p2p"});
    ASSERT_TRUE(services) << services.error().message;
    ASSERT_EQ(services->size(), 1u);
    const Service& s = services->front();
    EXPECT_EQ(s.name, "streamr-p2p");
    EXPECT_EQ(s.arn, "arn:aws:ecs:eu-west-1:123456789012:service/prod/streamr-p2p");
    EXPECT_EQ(s.cluster, "arn:aws:ecs:eu-west-1:123456789012:cluster/prod");
    EXPECT_EQ(s.status.text, "ACTIVE");
    EXPECT_EQ(s.task_definition, "arn:aws:ecs:eu-west-1:123456789012:task-definition/streamr-p2p:42");
    EXPECT_EQ(s.desired, 2);
    EXPECT_EQ(s.running, 2);
    EXPECT_EQ(s.pending, 1);
    EXPECT_EQ(s.launch_type, "FARGATE");
    EXPECT_EQ(s.circuit_breaker, true);
    EXPECT_TRUE(s.circuit_breaker_rollback);
    ASSERT_TRUE(s.created_at.has_value());
    EXPECT_EQ(*s.created_at, from_epoch_seconds(1717000000));

    ASSERT_EQ(s.deployments.size(), 2u);
    const Deployment& primary = s.deployments[0];
    EXPECT_EQ(primary.id, "ecs-svc/9223370286570591427");
    EXPECT_EQ(primary.status.text, "PRIMARY");
    EXPECT_EQ(primary.rollout_state.text, "IN_PROGRESS");
    EXPECT_EQ(primary.rollout_state_reason, "ECS deployment ecs-svc/9223370286570591427 in progress.");
    EXPECT_EQ(primary.desired, 2);
    EXPECT_EQ(primary.pending, 1);
    EXPECT_EQ(primary.running, 1);
    EXPECT_EQ(primary.failed_tasks, 3);
    EXPECT_EQ(primary.created.time_since_epoch().count(), 1749745800123);  // fractional seconds kept
    EXPECT_EQ(primary.updated.time_since_epoch().count(), 1749746100500);
    EXPECT_EQ(s.deployments[1].task_definition, "arn:aws:ecs:eu-west-1:123456789012:task-definition/streamr-p2p:41");

    ASSERT_EQ(s.events.size(), 2u);
    EXPECT_EQ(s.events[0].id, "6f0c4d3e-1d3a-4b39-9a3e-6a3f0a1b2c3d");
    EXPECT_EQ(s.events[0].time.time_since_epoch().count(), 1749746050777);
    EXPECT_NE(s.events[0].message.find("failed container health checks"), std::string::npos);

    ASSERT_EQ(s.load_balancers.size(), 1u);
    EXPECT_EQ(s.load_balancers[0].container_name, "app");
    EXPECT_EQ(s.load_balancers[0].container_port, 8080);
    EXPECT_NE(s.load_balancers[0].target_group_arn.find("targetgroup/p2p-tg"), std::string::npos);
}

// ECS-native blue/green: members newer than botocore 1.29, read where present.
TEST(EcsClient, DescribeServicesReadsTheNativeBlueGreenConfiguration) {
    ScriptedTransport transport;
    transport.push(200, aws_json("ecs_describe_services_blue_green.json"));
    auto services = EcsClient(context(transport)).describe_services("prod", {"orders"});
    ASSERT_TRUE(services) << services.error().message;
    const Service& s = services->front();
    EXPECT_EQ(s.controller, ControllerType::ecs);
    EXPECT_EQ(s.strategy, DeploymentStrategy::blue_green);
    EXPECT_EQ(s.strategy.text, "BLUE_GREEN");
    EXPECT_EQ(s.bake_time_minutes, 10);
    EXPECT_EQ(s.circuit_breaker, true);
    ASSERT_EQ(s.load_balancers.size(), 1u);
    const ServiceLoadBalancer& lb = s.load_balancers[0];
    EXPECT_NE(lb.target_group_arn.find("targetgroup/orders-blue"), std::string::npos);
    EXPECT_NE(lb.alternate_target_group_arn.find("targetgroup/orders-green"), std::string::npos);
    EXPECT_NE(lb.production_listener_rule.find("listener-rule/app/orders-alb"), std::string::npos);
    ASSERT_EQ(s.deployments.size(), 2u);
    EXPECT_EQ(s.deployments[1].status, DeploymentStatus::active);

    // Both colours' target groups are watched.
    std::vector<std::string> groups;
    add_target_groups(s, groups);
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_EQ(groups[0], lb.target_group_arn);
    EXPECT_EQ(groups[1], lb.alternate_target_group_arn);
}

TEST(EcsClient, DeploymentStrategyAbsentIsNotToldAndANewOneKeepsItsText) {
    auto answer = [](json config) {
        json service{{"serviceName", "orders"},
                     {"serviceArn", "arn:aws:ecs:eu-west-1:1:service/prod/orders"},
                     {"status", "ACTIVE"},
                     {"taskDefinition", "arn:aws:ecs:eu-west-1:1:task-definition/orders:1"},
                     {"deployments", json::array()},
                     {"loadBalancers", {{{"targetGroupArn", "arn:tg"}, {"containerName", "app"}, {"containerPort", 80}}}}};
        if (!config.is_null()) service["deploymentConfiguration"] = config;
        return json{{"services", {service}}, {"failures", json::array()}}.dump();
    };
    ScriptedTransport transport;
    transport.push(200, answer(nullptr));
    transport.push(200, answer(json{{"maximumPercent", 200}}));
    transport.push(200, answer(json{{"strategy", "SHADOW"}, {"bakeTimeInMinutes", "5"}}));
    EcsClient ecs(context(transport));

    auto none = ecs.describe_services("prod", {"orders"});
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_EQ(none->front().strategy, DeploymentStrategy::absent);
    EXPECT_FALSE(none->front().bake_time_minutes);
    EXPECT_TRUE(none->front().load_balancers[0].alternate_target_group_arn.empty());

    auto rolling = ecs.describe_services("prod", {"orders"});
    ASSERT_TRUE(rolling) << rolling.error().message;
    EXPECT_EQ(rolling->front().strategy, DeploymentStrategy::absent);  // told a configuration, not a strategy

    // A strategy ECS adds later is kept as written, not refused; a bake time of the wrong type is not told.
    auto future = ecs.describe_services("prod", {"orders"});
    ASSERT_TRUE(future) << future.error().message;
    EXPECT_EQ(future->front().strategy, DeploymentStrategy::unknown);
    EXPECT_EQ(future->front().strategy.text, "SHADOW");
    EXPECT_FALSE(future->front().bake_time_minutes);
}

TEST(JsonProtocol, HugeFloatsDoNotBecomeIntegers) {
    // A float far outside long long (a proxy's garbage, a fuzzer's input) reads as the fallback.
    auto doc = json::parse(R"({"big": 1e300, "small": -1e300, "fine": 42.0})");
    EXPECT_EQ(aws::json_int(doc, "big", -1), -1);
    EXPECT_EQ(aws::json_int(doc, "small", -1), -1);
    EXPECT_EQ(aws::json_int(doc, "fine", -1), 42);
}

TEST(EcsClient, DescribeServicesBatchesByTen) {
    ScriptedTransport transport;
    transport.on_request([](const HttpRequest& r) {
        json answer{{"services", json::array()}, {"failures", json::array()}};
        json request = json::parse(r.body);
        for (const auto& name : request.at("services"))
            answer["services"].push_back({{"serviceName", name},
                                          {"serviceArn", "arn:aws:ecs:eu-west-1:1:service/prod/" + name.get<std::string>()},
                                          {"status", "ACTIVE"},
                                          {"taskDefinition", "arn:aws:ecs:eu-west-1:1:task-definition/app:1"},
                                          {"deployments", json::array()}});
        return testing::response(200, answer.dump());
    });
    std::vector<std::string> names;
    for (int i = 0; i < 25; ++i) names.push_back("svc-" + std::to_string(i));

    auto services = EcsClient(context(transport)).describe_services("prod", names);
    ASSERT_TRUE(services) << services.error().message;
    ASSERT_EQ(transport.requests.size(), 3u);
    EXPECT_EQ(body_of(transport.requests[0])["services"].size(), 10u);
    EXPECT_EQ(body_of(transport.requests[1])["services"].size(), 10u);
    EXPECT_EQ(body_of(transport.requests[2])["services"].size(), 5u);
    EXPECT_EQ(body_of(transport.requests[2])["services"][0], "svc-20");
    ASSERT_EQ(services->size(), 25u);
    EXPECT_EQ(services->at(24).name, "svc-24");
}

TEST(EcsClient, MissingServiceIsServiceNotFound) {
    ScriptedTransport transport;
    transport.push(200, aws_json("ecs_describe_services_missing.json"));
    auto services = EcsClient(context(transport)).describe_services("prod", {"ghost"});
    ASSERT_FALSE(services);
    EXPECT_EQ(services.error().code, "ServiceNotFound");
    EXPECT_NE(services.error().message.find("ghost"), std::string::npos);
    EXPECT_NE(describe(services.error()).find("cluster prod"), std::string::npos);  // the context names the cluster
    EXPECT_FALSE(services.error().retryable);
}

TEST(EcsClient, ListTasksFollowsNextToken) {
    ScriptedTransport transport;
    transport.push(200, aws_json("ecs_list_tasks_page1.json"));
    transport.push(200, aws_json("ecs_list_tasks_page2.json"));
    auto arns = EcsClient(context(transport)).list_tasks("prod", "streamr-p2p", "STOPPED");
    ASSERT_TRUE(arns) << arns.error().message;
    EXPECT_EQ(arns->size(), 3u);
    ASSERT_EQ(transport.requests.size(), 2u);
    json first = body_of(transport.requests[0]);
    EXPECT_EQ(first["cluster"], "prod");
    EXPECT_EQ(first["serviceName"], "streamr-p2p");
    EXPECT_EQ(first["desiredStatus"], "STOPPED");
    EXPECT_FALSE(first.contains("nextToken"));
    EXPECT_EQ(body_of(transport.requests[1])["nextToken"], "eyJ2ZXJzaW9uIjoxLCJwYWdlIjoyfQ==");
    EXPECT_EQ(transport.requests[1].headers.at("X-Amz-Target"), "AmazonEC2ContainerServiceV20141113.ListTasks");
}

// Issue 13: failures[] for running task ARNs were ignored, so the digest check judged a subset.
TEST(EcsClient, DescribeTasksFailuresOfRunningTasksAreAnErrorWithTheirCount) {
    ScriptedTransport transport;
    transport.push(200, aws_json("ecs_describe_tasks.json"));
    auto tasks = EcsClient(context(transport)).describe_tasks("prod", {"a", "b", "c"}, EcsClient::Failures::fail);
    ASSERT_FALSE(tasks);
    EXPECT_EQ(tasks.error().code, "DescribeTasksFailures");
    EXPECT_NE(tasks.error().message.find("1 of 3 running tasks could not be described (MISSING: 2f5e0c6d7a8b9c0d1e2f3a4b5c6d7e8f)"),
              std::string::npos)
        << tasks.error().message;
    EXPECT_EQ(tasks.error().context.call, "ecs:DescribeTasks");
}

TEST(EcsClient, DescribeTasksParsesAndSkipsMissing) {
    ScriptedTransport transport;
    transport.push(200, aws_json("ecs_describe_tasks.json"));
    auto tasks = EcsClient(context(transport)).describe_tasks("prod", {"a", "b", "c"});
    ASSERT_TRUE(tasks) << tasks.error().message;
    ASSERT_EQ(tasks->size(), 2u);  // the MISSING failure is not an error
    const Task& stopped = tasks->at(0);
    EXPECT_EQ(stopped.arn, "arn:aws:ecs:eu-west-1:123456789012:task/prod/0d3c8a4b5e6f7a8b9c0d1e2f3a4b5c6d");
    EXPECT_EQ(stopped.task_definition, "arn:aws:ecs:eu-west-1:123456789012:task-definition/streamr-p2p:42");
    EXPECT_EQ(stopped.started_by, "ecs-svc/9223370286570591427");
    EXPECT_EQ(stopped.last_status.text, "STOPPED");
    EXPECT_EQ(stopped.desired_status.text, "STOPPED");
    EXPECT_EQ(stopped.health.text, "UNHEALTHY");
    EXPECT_EQ(stopped.stop_code.text, "EssentialContainerExited");
    EXPECT_EQ(stopped.stopped_reason, "Essential container in task exited");
    EXPECT_EQ(stopped.started_at->time_since_epoch().count(), 1749745820250);
    EXPECT_EQ(*stopped.stopping_at, from_epoch_seconds(1749746050));
    EXPECT_EQ(*stopped.stopped_at, from_epoch_seconds(1749746060));
    EXPECT_EQ(stopped.private_ip, "10.0.1.23");
    ASSERT_EQ(stopped.containers.size(), 1u);
    const TaskContainer& app = stopped.containers[0];
    EXPECT_EQ(app.name, "app");
    EXPECT_EQ(app.image_digest, "sha256:4f1c7a0b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b");
    EXPECT_EQ(app.exit_code, 137);
    EXPECT_EQ(app.reason, "OutOfMemoryError: Container killed due to memory usage");
    EXPECT_EQ(app.health.text, "UNHEALTHY");

    const Task& running = tasks->at(1);
    EXPECT_EQ(running.private_ip, "10.0.2.45");  // from the container's network interface
    EXPECT_FALSE(running.containers[0].exit_code.has_value());
    EXPECT_FALSE(running.stopped_at.has_value());
}

TEST(EcsClient, DescribeTasksBatchesByHundred) {
    ScriptedTransport transport;
    transport.on_request([](const HttpRequest&) { return testing::response(200, R"({"tasks":[],"failures":[]})"); });
    std::vector<std::string> arns(150, "arn:aws:ecs:eu-west-1:1:task/prod/x");
    ASSERT_TRUE(EcsClient(context(transport)).describe_tasks("prod", arns));
    ASSERT_EQ(transport.requests.size(), 2u);
    EXPECT_EQ(body_of(transport.requests[0])["tasks"].size(), 100u);
    EXPECT_EQ(body_of(transport.requests[1])["tasks"].size(), 50u);
}

TEST(EcsClient, TaskDefinitionKeepsEnvironmentNamesOnly) {
    ScriptedTransport transport;
    transport.push(200, aws_json("ecs_describe_task_definition.json"));
    auto td = EcsClient(context(transport)).describe_task_definition("streamr-p2p:42");
    ASSERT_TRUE(td) << td.error().message;
    EXPECT_EQ(body_of(transport.requests[0]), (json{{"taskDefinition", "streamr-p2p:42"}}));
    EXPECT_EQ(td->arn, "arn:aws:ecs:eu-west-1:123456789012:task-definition/streamr-p2p:42");
    EXPECT_EQ(td->family, "streamr-p2p");
    EXPECT_EQ(td->revision, 42);
    EXPECT_EQ(td->execution_role, "arn:aws:iam::123456789012:role/ecsTaskExecutionRole");
    EXPECT_EQ(td->registered_at->time_since_epoch().count(), 1749745700456);
    ASSERT_EQ(td->containers.size(), 2u);
    const ContainerDef& app = td->containers[0];
    EXPECT_EQ(app.image, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/streamr-p2p:main-194af44");
    EXPECT_TRUE(app.essential);
    EXPECT_EQ(app.environment_names, (std::vector<std::string>{"LOG_LEVEL", "DATABASE_PASSWORD_PLAIN"}));
    ASSERT_EQ(app.secrets.size(), 1u);
    EXPECT_EQ(app.secrets[0].name, "API_KEY");
    EXPECT_EQ(app.secrets[0].value_from, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-key-AbCdEf");
    EXPECT_EQ(app.log_group, "/ecs/streamr-p2p");
    EXPECT_EQ(app.log_stream_prefix, "ecs");
    // The log router uses another driver: no awslogs group, and it is not essential.
    EXPECT_EQ(td->containers[1].log_group, "");
    EXPECT_FALSE(td->containers[1].essential);
}

// ---- ECR ----------------------------------------------------------------------------------------

TEST(EcrClient, RecentImagesReadsEveryPageNewestFirst) {
    ScriptedTransport transport;
    transport.push(200, aws_json("ecr_describe_images_page1.json"));
    transport.push(200, aws_json("ecr_describe_images_page2.json"));
    auto images = EcrClient(context(transport)).recent_images("streamr-p2p", 2);
    ASSERT_TRUE(images) << images.error().message;

    ASSERT_EQ(transport.requests.size(), 2u);
    const HttpRequest& first = transport.requests[0];
    EXPECT_EQ(first.url, "https://api.ecr.eu-west-1.amazonaws.com/");
    EXPECT_EQ(first.aws_service, "ecr");
    EXPECT_EQ(first.headers.at("X-Amz-Target"), "AmazonEC2ContainerRegistry_V20150921.DescribeImages");
    EXPECT_EQ(body_of(first), (json{{"repositoryName", "streamr-p2p"}, {"maxResults", 1000}}));
    EXPECT_EQ(body_of(transport.requests[1])["nextToken"], "ukD72mdD/mC8b5xV3susmJzzaTgp3hKwR9nRUW1yZZ8rHKnMr38=");

    ASSERT_EQ(images->size(), 2u);  // three images, truncated to the limit
    EXPECT_EQ(images->at(0).tags, (std::vector<std::string>{"main-194af44", "latest"}));
    EXPECT_EQ(images->at(1).tags, (std::vector<std::string>{"main-0b1c2d3"}));
    EXPECT_EQ(images->at(0).registry, "123456789012.dkr.ecr.eu-west-1.amazonaws.com");
    EXPECT_EQ(images->at(0).repository, "streamr-p2p");
    EXPECT_EQ(images->at(0).digest, "sha256:4f1c7a0b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b");
    EXPECT_EQ(images->at(0).pushed_at.time_since_epoch().count(), 1749745555500);
    EXPECT_EQ(images->at(0).size_bytes, 48213999);
}

TEST(EcrClient, DescribeImagesSkipsUnknownIds) {
    ScriptedTransport transport;
    // The batch fails as a whole when one id is unknown; then each id is asked alone.
    transport.push(400, aws_json("ecr_image_not_found.json"), kJsonError);
    transport.push(200, aws_json("ecr_describe_images_by_tag.json"));
    transport.push(400, aws_json("ecr_image_not_found.json"), kJsonError);
    auto images = EcrClient(context(transport)).describe_images("streamr-p2p", {"main-194af44", "main-deadbee"}, {});
    ASSERT_TRUE(images) << images.error().message;
    ASSERT_EQ(images->size(), 1u);
    EXPECT_EQ(images->front().tags.front(), "main-194af44");

    ASSERT_EQ(transport.requests.size(), 3u);
    EXPECT_EQ(body_of(transport.requests[0])["imageIds"],
              (json{{{"imageTag", "main-194af44"}}, {{"imageTag", "main-deadbee"}}}));
    EXPECT_EQ(body_of(transport.requests[1])["imageIds"], (json{{{"imageTag", "main-194af44"}}}));
    EXPECT_EQ(body_of(transport.requests[2])["imageIds"], (json{{{"imageTag", "main-deadbee"}}}));
}

TEST(EcrClient, DescribeImagesByDigestAndOtherErrorsSurface) {
    ScriptedTransport transport;
    transport.push(400, R"({"__type":"RepositoryNotFoundException","message":"The repository with name 'nope' does not exist"})",
                   kJsonError);
    auto images = EcrClient(context(transport)).describe_images("nope", {}, {"sha256:abc"});
    ASSERT_FALSE(images);
    EXPECT_EQ(images.error().code, "RepositoryNotFoundException");
    EXPECT_EQ(body_of(transport.requests[0])["imageIds"], (json{{{"imageDigest", "sha256:abc"}}}));
}

// ---- CodeBuild ----------------------------------------------------------------------------------

TEST(CodeBuildClient, RecentBuildsListsThenBatchGets) {
    ScriptedTransport transport;
    transport.push(200, aws_json("codebuild_list_builds.json"));
    transport.push(200, aws_json("codebuild_batch_get_builds.json"));
    auto runs = CodeBuildClient(context(transport)).recent_builds("streamr-p2p-build", 3);
    ASSERT_TRUE(runs) << runs.error().message;

    // Three ids reach the limit, so the next list page is not fetched.
    ASSERT_EQ(transport.requests.size(), 2u);
    EXPECT_EQ(transport.requests[0].headers.at("X-Amz-Target"), "CodeBuild_20161006.ListBuildsForProject");
    EXPECT_EQ(body_of(transport.requests[0]), (json{{"projectName", "streamr-p2p-build"}, {"sortOrder", "DESCENDING"}}));
    EXPECT_EQ(transport.requests[1].headers.at("X-Amz-Target"), "CodeBuild_20161006.BatchGetBuilds");
    EXPECT_EQ(body_of(transport.requests[1])["ids"].size(), 3u);
    EXPECT_EQ(transport.requests[1].aws_service, "codebuild");

    ASSERT_EQ(runs->size(), 3u);
    // Newest first as listed, although BatchGetBuilds answered in another order.
    const CiRun& running = runs->at(0);
    EXPECT_EQ(running.kind, CiKind::codebuild);
    EXPECT_EQ(running.number, 42);
    EXPECT_EQ(running.status, CiStatus::in_progress);
    EXPECT_EQ(running.conclusion, CiConclusion::none);
    EXPECT_FALSE(running.finished.has_value());
    ASSERT_EQ(running.steps.size(), 2u);
    EXPECT_EQ(running.steps[0].context, "");  // empty contexts are dropped
    EXPECT_EQ(running.steps[1].name, "BUILD");
    EXPECT_EQ(running.steps[1].status, CiStatus::in_progress);

    const CiRun& failed = runs->at(1);
    EXPECT_EQ(failed.id, "streamr-p2p-build:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d");
    EXPECT_EQ(failed.name, "streamr-p2p-build");
    EXPECT_EQ(failed.sha, "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c");
    EXPECT_EQ(failed.branch, "main");
    EXPECT_EQ(failed.status, CiStatus::completed);
    EXPECT_EQ(failed.conclusion, CiConclusion::failure);
    EXPECT_EQ(failed.started, from_epoch_seconds(1749744000));
    EXPECT_EQ(failed.finished->time_since_epoch().count(), 1749744400500);
    EXPECT_EQ(failed.url,
              "https://eu-west-1.console.aws.amazon.com/codesuite/codebuild/123456789012/projects/streamr-p2p-build/"
              "build/streamr-p2p-build%3A1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d/?region=eu-west-1");
    ASSERT_EQ(failed.steps.size(), 3u);
    EXPECT_EQ(failed.steps[1].name, "BUILD");
    EXPECT_EQ(failed.steps[1].conclusion, CiConclusion::failure);
    EXPECT_EQ(failed.steps[1].context,
              "COMMAND_EXECUTION_ERROR: Error while executing command: npm test. Reason: exit status 1");
    EXPECT_EQ(failed.steps[1].finished, from_epoch_seconds(1749744390));
    EXPECT_EQ(failed.steps[2].status, CiStatus::completed);  // COMPLETED marker has no status

    const CiRun& stopped = runs->at(2);
    EXPECT_EQ(stopped.conclusion, CiConclusion::cancelled);
    EXPECT_EQ(stopped.sha, "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b");  // sourceVersion fallback
    EXPECT_EQ(stopped.branch, "");
}

TEST(CodeBuildClient, ListPagesAreFollowedUntilTheLimit) {
    ScriptedTransport transport;
    transport.push(200, R"({"ids":["p:1","p:2"],"nextToken":"t2"})");
    transport.push(200, R"({"ids":["p:3","p:4"]})");
    transport.push(200, R"({"builds":[{"id":"p:1","buildStatus":"TIMED_OUT"},{"id":"p:2","buildStatus":"FAULT"},
                                      {"id":"p:3","buildStatus":"SUCCEEDED"}]})");
    auto runs = CodeBuildClient(context(transport)).recent_builds("p", 3);
    ASSERT_TRUE(runs) << runs.error().message;
    ASSERT_EQ(transport.requests.size(), 3u);
    EXPECT_EQ(body_of(transport.requests[1])["nextToken"], "t2");
    EXPECT_EQ(body_of(transport.requests[2])["ids"], (json{"p:1", "p:2", "p:3"}));
    ASSERT_EQ(runs->size(), 3u);
    EXPECT_EQ(runs->at(0).conclusion, CiConclusion::timed_out);
    EXPECT_EQ(runs->at(1).conclusion, CiConclusion::failure);
    EXPECT_EQ(runs->at(2).conclusion, CiConclusion::success);
}

// ---- JSON protocol errors -----------------------------------------------------------------------

TEST(JsonProtocolErrors, TypeWithNamespaceIsStrippedAndThrottlingRetries) {
    ScriptedTransport transport;
    transport.push(400, aws_json("throttling_error.json"), kJsonError);
    auto services = EcsClient(context(transport)).describe_services("prod", {"x"});
    ASSERT_FALSE(services);
    EXPECT_EQ(services.error().code, "ThrottlingException");
    EXPECT_EQ(services.error().message, "Rate exceeded");
    EXPECT_EQ(services.error().http_status, 400);
    EXPECT_TRUE(services.error().retryable);
}

TEST(JsonProtocolErrors, CapitalMessageAndNotRetryable) {
    ScriptedTransport transport;
    transport.push(400, aws_json("access_denied_error.json"), kJsonError);
    auto services = EcsClient(context(transport)).describe_services("prod", {"x"});
    ASSERT_FALSE(services);
    EXPECT_EQ(services.error().code, "AccessDeniedException");
    EXPECT_NE(services.error().message.find("not authorized to perform: ecs:DescribeServices"), std::string::npos);
    EXPECT_FALSE(services.error().retryable);
}

TEST(JsonProtocolErrors, ErrorTypeHeaderWhenBodyHasNone) {
    HttpResponse r = testing::response(400, "{}", {{"x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/"}});
    Error e = json_error(r);
    EXPECT_EQ(e.code, "ThrottlingException");
    EXPECT_TRUE(e.retryable);
}

TEST(JsonProtocolErrors, ServerErrorWithHtmlBodyIsRetryableHttpError) {
    ScriptedTransport transport;
    transport.push(503, "<html><body><h1>503 Service Unavailable</h1></body></html>");
    auto secret = SecretsClient(context(transport)).describe_secret("prod/api-key");
    ASSERT_FALSE(secret);
    EXPECT_EQ(secret.error().code, "HTTP 503");
    EXPECT_EQ(secret.error().http_status, 503);
    EXPECT_TRUE(secret.error().retryable);
}

TEST(JsonProtocolErrors, UnparseableSuccessIsParseError) {
    ScriptedTransport transport;
    transport.push(200, "{\"services\": [");
    auto services = EcsClient(context(transport)).describe_services("prod", {"x"});
    ASSERT_FALSE(services);
    EXPECT_EQ(services.error().code, "parse");
    EXPECT_NE(services.error().message.find("DescribeServices"), std::string::npos);
    EXPECT_FALSE(services.error().retryable);
}

TEST(JsonProtocolErrors, WrongTypesBecomeParseErrorsNotExceptions) {
    ScriptedTransport transport;
    transport.push(200, R"({"taskDefinition": "should be an object"})");
    auto td = EcsClient(context(transport)).describe_task_definition("x");
    ASSERT_FALSE(td);
    EXPECT_EQ(td.error().code, "parse");
}

TEST(JsonProtocolErrors, TransportFailureIsRetryable) {
    ScriptedTransport transport;
    HttpResponse refused;
    refused.error = "connection refused";
    transport.push(refused);
    auto services = EcsClient(context(transport)).describe_services("prod", {"x"});
    ASSERT_FALSE(services);
    EXPECT_EQ(services.error().code, "transport");
    EXPECT_EQ(services.error().message, "connection refused");
    EXPECT_EQ(services.error().http_status, 0);
    EXPECT_TRUE(services.error().retryable);
}

TEST(JsonTime, EpochSecondsAndIsoStrings) {
    json o{{"a", 1749745800.25}, {"b", "2025-06-12T16:30:00Z"}, {"c", nullptr}};
    EXPECT_EQ(json_time(o, "a")->time_since_epoch().count(), 1749745800250);
    EXPECT_EQ(*json_time(o, "b"), from_epoch_seconds(1749745800));
    EXPECT_FALSE(json_time(o, "c").has_value());
    EXPECT_FALSE(json_time(o, "missing").has_value());
}

// ---- ELBv2 (Query) ------------------------------------------------------------------------------

TEST(Elbv2Client, DescribeTargetGroupsFormAndMarker) {
    ScriptedTransport transport;
    transport.push(200, data_file("aws/elbv2_describe_target_groups.xml"));
    transport.push(200, data_file("aws/elbv2_describe_target_groups_page2.xml"));
    std::string arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/p2p-tg/6d0ecf831eec9f09";
    auto groups = Elbv2Client(context(transport)).describe_target_groups({arn});
    ASSERT_TRUE(groups) << groups.error().message;

    ASSERT_EQ(transport.requests.size(), 2u);
    const HttpRequest& r = transport.requests[0];
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.url, "https://elasticloadbalancing.eu-west-1.amazonaws.com/");
    EXPECT_EQ(r.headers.at("Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
    EXPECT_EQ(r.aws_service, "elasticloadbalancing");
    EXPECT_EQ(r.aws_region, "eu-west-1");
    EXPECT_EQ(r.body.rfind("Action=DescribeTargetGroups&Version=2015-12-01&", 0), 0u);
    auto form = parse_form(r.body);
    EXPECT_EQ(form["TargetGroupArns.member.1"], arn);
    EXPECT_EQ(form.count("Marker"), 0u);
    EXPECT_EQ(parse_form(transport.requests[1].body)["Marker"], "bWFya2VyLXBhZ2UtMg==");

    ASSERT_EQ(groups->size(), 2u);
    EXPECT_EQ(groups->at(0).arn, arn);
    EXPECT_EQ(groups->at(0).name, "p2p-tg");
    EXPECT_EQ(groups->at(0).target_type, "ip");
    EXPECT_EQ(groups->at(0).load_balancer_arns,
              (std::vector<std::string>{
                  "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/p2p-alb/50dc6c495c0c9188"}));
    EXPECT_EQ(groups->at(1).name, "p2p-ws-tg");
    EXPECT_TRUE(groups->at(1).load_balancer_arns.empty());
}

TEST(Elbv2Client, ArnsAndNamesGoInSeparateCalls) {
    ScriptedTransport transport;
    transport.on_request([](const HttpRequest&) {
        return testing::response(200, "<DescribeTargetGroupsResponse><DescribeTargetGroupsResult><TargetGroups/>"
                                      "</DescribeTargetGroupsResult></DescribeTargetGroupsResponse>");
    });
    auto groups = Elbv2Client(context(transport)).describe_target_groups({"p2p-tg", "arn:aws:x:tg/a", "other-tg"});
    ASSERT_TRUE(groups);
    ASSERT_EQ(transport.requests.size(), 2u);
    auto by_arn = parse_form(transport.requests[0].body);
    auto by_name = parse_form(transport.requests[1].body);
    EXPECT_EQ(by_arn["TargetGroupArns.member.1"], "arn:aws:x:tg/a");
    EXPECT_EQ(by_arn.count("Names.member.1"), 0u);
    EXPECT_EQ(by_name["Names.member.1"], "p2p-tg");
    EXPECT_EQ(by_name["Names.member.2"], "other-tg");
}

TEST(Elbv2Client, TargetHealth) {
    ScriptedTransport transport;
    transport.push(200, data_file("aws/elbv2_describe_target_health.xml"));
    auto targets = Elbv2Client(context(transport)).describe_target_health("arn:tg");
    ASSERT_TRUE(targets) << targets.error().message;
    auto form = parse_form(transport.requests[0].body);
    EXPECT_EQ(form["Action"], "DescribeTargetHealth");
    EXPECT_EQ(form["TargetGroupArn"], "arn:tg");
    ASSERT_EQ(targets->size(), 2u);
    EXPECT_EQ(targets->at(0).id, "10.0.2.45");
    EXPECT_EQ(targets->at(0).port, 8080);
    EXPECT_EQ(targets->at(0).state.text, "healthy");
    EXPECT_EQ(targets->at(0).reason, "");
    EXPECT_EQ(targets->at(1).state.text, "unhealthy");
    EXPECT_EQ(targets->at(1).reason, "Target.ResponseCodeMismatch");
    EXPECT_EQ(targets->at(1).description, "Health checks failed with these codes: [502]");
}

TEST(Elbv2Client, LoadBalancerDns) {
    ScriptedTransport transport;
    transport.push(200, data_file("aws/elbv2_describe_load_balancers.xml"));
    std::string arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/p2p-alb/50dc6c495c0c9188";
    auto dns = Elbv2Client(context(transport)).load_balancer_dns({arn});
    ASSERT_TRUE(dns) << dns.error().message;
    EXPECT_EQ(parse_form(transport.requests[0].body)["LoadBalancerArns.member.1"], arn);
    ASSERT_EQ(dns->size(), 1u);
    EXPECT_EQ(dns->at(0).first, arn);
    EXPECT_EQ(dns->at(0).second, "p2p-alb-1234567890.eu-west-1.elb.amazonaws.com");
}

TEST(QueryProtocolErrors, Elbv2ErrorResponse) {
    ScriptedTransport transport;
    transport.push(400, data_file("aws/elbv2_error_not_found.xml"));
    auto targets = Elbv2Client(context(transport)).describe_target_health("arn:tg");
    ASSERT_FALSE(targets);
    EXPECT_EQ(targets.error().code, "TargetGroupNotFound");
    EXPECT_EQ(targets.error().message, "One or more target groups not found");
    EXPECT_EQ(targets.error().http_status, 400);
    EXPECT_FALSE(targets.error().retryable);
}

TEST(QueryProtocolErrors, Elbv2ThrottlingRetries) {
    ScriptedTransport transport;
    transport.push(400, data_file("aws/elbv2_error_throttling.xml"));
    auto targets = Elbv2Client(context(transport)).describe_target_health("arn:tg");
    ASSERT_FALSE(targets);
    EXPECT_EQ(targets.error().code, "Throttling");
    EXPECT_TRUE(targets.error().retryable);
}

TEST(QueryProtocolErrors, Ec2ErrorsShape) {
    ScriptedTransport transport;
    transport.push(400, data_file("aws/ec2_error.xml"));
    transport.push(503, data_file("aws/ec2_error_throttled.xml"));
    Ec2Client ec2(context(transport));
    auto missing = ec2.describe_instances({"i-0000000000000dead"});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, "InvalidInstanceID.NotFound");
    EXPECT_EQ(missing.error().message, "The instance ID 'i-0000000000000dead' does not exist");
    EXPECT_FALSE(missing.error().retryable);
    auto throttled = ec2.describe_instances({"i-1"});
    ASSERT_FALSE(throttled);
    EXPECT_EQ(throttled.error().code, "RequestLimitExceeded");
    EXPECT_TRUE(throttled.error().retryable);
}

TEST(QueryProtocolErrors, NonXmlSuccessIsParseError) {
    ScriptedTransport transport;
    transport.push(200, "this is not xml <<<");
    auto dns = Elbv2Client(context(transport)).load_balancer_dns({"arn:lb"});
    ASSERT_FALSE(dns);
    EXPECT_EQ(dns.error().code, "parse");
}

// ---- EC2 ----------------------------------------------------------------------------------------

TEST(Ec2Client, DescribeInstancesListsIdsAndFollowsNextToken) {
    ScriptedTransport transport;
    transport.push(200, data_file("aws/ec2_describe_instances.xml"));
    transport.push(200, data_file("aws/ec2_describe_instances_page2.xml"));
    auto instances = Ec2Client(context(transport)).describe_instances({"i-0598c7d356eba48d7", "i-0b22a22ec60b0c1d6"});
    ASSERT_TRUE(instances) << instances.error().message;

    ASSERT_EQ(transport.requests.size(), 2u);
    EXPECT_EQ(transport.requests[0].url, "https://ec2.eu-west-1.amazonaws.com/");
    EXPECT_EQ(transport.requests[0].aws_service, "ec2");
    auto form = parse_form(transport.requests[0].body);
    EXPECT_EQ(form["Action"], "DescribeInstances");
    EXPECT_EQ(form["Version"], "2016-11-15");
    EXPECT_EQ(form["InstanceId.1"], "i-0598c7d356eba48d7");
    EXPECT_EQ(form["InstanceId.2"], "i-0b22a22ec60b0c1d6");
    EXPECT_EQ(parse_form(transport.requests[1].body)["NextToken"], "eyJuZXh0IjoiaS0wYjIyYTIyZWM2MGIwYzFkNiJ9");

    ASSERT_EQ(instances->size(), 2u);  // nested <item>s (groupSet, tagSet) are not instances
    const Instance& running = instances->at(0);
    EXPECT_EQ(running.id, "i-0598c7d356eba48d7");
    EXPECT_EQ(running.state.text, "running");
    EXPECT_EQ(running.instance_type, "t3.small");
    EXPECT_EQ(running.image_id, "ami-0abcdef1234567890");
    EXPECT_EQ(running.private_ip, "10.0.1.114");
    EXPECT_EQ(running.launch_time, parse_iso8601("2025-06-12T15:02:11Z").value());
    EXPECT_EQ(instances->at(1).state.text, "stopped");
}

TEST(Ec2Client, UserDataIsDecoded) {
    ScriptedTransport transport;
    transport.push(200, data_file("aws/ec2_describe_instance_attribute.xml"));
    auto script = Ec2Client(context(transport)).user_data("i-0598c7d356eba48d7");
    ASSERT_TRUE(script) << script.error().message;
    auto form = parse_form(transport.requests[0].body);
    EXPECT_EQ(form["Action"], "DescribeInstanceAttribute");
    EXPECT_EQ(form["InstanceId"], "i-0598c7d356eba48d7");
    EXPECT_EQ(form["Attribute"], "userData");
    EXPECT_EQ(script.value(),
              "#!/bin/bash\n"
              "docker pull 123456789012.dkr.ecr.eu-west-1.amazonaws.com/streamr-p2p:main-194af44\n"
              "docker run -d --name app streamr-p2p:main-194af44\n");
}

TEST(Ec2Client, NoUserDataIsEmpty) {
    ScriptedTransport transport;
    transport.push(200, data_file("aws/ec2_describe_instance_attribute_empty.xml"));
    auto script = Ec2Client(context(transport)).user_data("i-0b22a22ec60b0c1d6");
    ASSERT_TRUE(script) << script.error().message;
    EXPECT_EQ(script.value(), "");
}

// ---- CloudWatch Logs ----------------------------------------------------------------------------

TEST(LogsClient, FilterQuotesTheLiteralAndStopsAtTheLimit) {
    ScriptedTransport transport;
    transport.push(200, aws_json("logs_filter_page1.json"));
    transport.push(200, aws_json("logs_filter_page2.json"));
    TimePoint since = from_epoch_seconds(1749745800);
    auto matches = LogsClient(context(transport)).filter("/ecs/streamr-p2p", "connection \"refused\"", since, 3);
    ASSERT_TRUE(matches) << matches.error().message;

    // Page 2 still has a nextToken, but three matches reach the limit.
    ASSERT_EQ(transport.requests.size(), 2u);
    EXPECT_EQ(transport.requests[0].headers.at("X-Amz-Target"), "Logs_20140328.FilterLogEvents");
    EXPECT_EQ(transport.requests[0].aws_service, "logs");
    json first = body_of(transport.requests[0]);
    EXPECT_EQ(first["logGroupName"], "/ecs/streamr-p2p");
    EXPECT_EQ(first["filterPattern"], "\"connection \\\"refused\\\"\"");
    EXPECT_EQ(first["startTime"], 1749745800000LL);
    EXPECT_EQ(first["limit"], 3);
    json second = body_of(transport.requests[1]);
    EXPECT_EQ(second["limit"], 2);
    EXPECT_EQ(second["nextToken"].get<std::string>().substr(0, 12), "Bxkq6kVGFtq2");

    ASSERT_EQ(matches->size(), 3u);
    EXPECT_EQ(matches->at(0).time.time_since_epoch().count(), 1749746000111);  // newest last
    EXPECT_EQ(matches->at(0).stream, "ecs/app/1e4d9b5c6f7a8b9c0d1e2f3a4b5c6d7e");
    EXPECT_EQ(matches->at(2).time.time_since_epoch().count(), 1749746050000);
    EXPECT_EQ(matches->at(2).message, "ERROR connection refused: redis://cache:6379 (retry 3)");
}

// ---- Secrets Manager ----------------------------------------------------------------------------

TEST(SecretsClient, DescribeSecretMetadataOnly) {
    ScriptedTransport transport;
    transport.push(200, aws_json("secrets_describe_secret.json"));
    auto secret = SecretsClient(context(transport)).describe_secret("prod/api-key");
    ASSERT_TRUE(secret) << secret.error().message;
    ASSERT_EQ(transport.requests.size(), 1u);
    EXPECT_EQ(transport.requests[0].headers.at("X-Amz-Target"), "secretsmanager.DescribeSecret");
    EXPECT_EQ(transport.requests[0].url, "https://secretsmanager.eu-west-1.amazonaws.com/");
    EXPECT_EQ(transport.requests[0].aws_service, "secretsmanager");
    EXPECT_EQ(body_of(transport.requests[0]), (json{{"SecretId", "prod/api-key"}}));
    EXPECT_EQ(secret->arn, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-key-AbCdEf");
    EXPECT_EQ(secret->name, "prod/api-key");
    EXPECT_EQ(secret->last_changed->time_since_epoch().count(), 1749740000523);
}

TEST(Endpoints, OverridesReachTheRequests) {
    ScriptedTransport transport;
    transport.push(200, aws_json("secrets_describe_secret.json"));
    AwsContext ctx = context(transport);
    ctx.endpoints.set_all("http://127.0.0.1:4566");
    ASSERT_TRUE(SecretsClient(ctx).describe_secret("x"));
    EXPECT_EQ(transport.requests[0].url, "http://127.0.0.1:4566/");
    EXPECT_EQ(transport.requests[0].aws_service, "secretsmanager");  // still signed for the service
}


// ---- states: every documented value, and what happens to one shipwatch does not know ----------
// The documented lists are written out here (from botocore's service models), independent of the
// spelling tables they check.

json task_with(const std::string& last, const std::string& desired, const std::string& health, const std::string& stop) {
    return json{{"taskArn", "arn:aws:ecs:eu-west-1:1:task/prod/" + last + stop},
                {"taskDefinitionArn", "arn:aws:ecs:eu-west-1:1:task-definition/app:1"},
                {"lastStatus", last},
                {"desiredStatus", desired},
                {"healthStatus", health},
                {"stopCode", stop},
                {"containers", json::array({json{{"name", "app"}, {"healthStatus", health}}})}};
}

Result<std::vector<Task>> describe_tasks_answer(json tasks) {
    ScriptedTransport transport;
    transport.push(200, json{{"tasks", std::move(tasks)}, {"failures", json::array()}}.dump());
    return EcsClient(context(transport)).describe_tasks("prod", {"a"});
}

TEST(EcsStates, EveryTaskStatusParses) {
    const std::pair<const char*, TaskStatus> documented[] = {
        {"PROVISIONING", TaskStatus::provisioning}, {"PENDING", TaskStatus::pending},
        {"ACTIVATING", TaskStatus::activating},     {"RUNNING", TaskStatus::running},
        {"DEACTIVATING", TaskStatus::deactivating}, {"STOPPING", TaskStatus::stopping},
        {"DEPROVISIONING", TaskStatus::deprovisioning}, {"STOPPED", TaskStatus::stopped},
        {"DELETED", TaskStatus::deleted}};
    json tasks = json::array();
    for (const auto& [text, value] : documented) tasks.push_back(task_with(text, text, "HEALTHY", ""));
    auto parsed = describe_tasks_answer(tasks);
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_EQ(parsed->size(), std::size(documented));
    for (size_t i = 0; i < parsed->size(); ++i) {
        const Task& t = parsed->at(i);
        EXPECT_EQ(t.last_status.value, documented[i].second) << documented[i].first;
        EXPECT_EQ(t.last_status.text, documented[i].first);
        EXPECT_EQ(t.desired_status.value, documented[i].second) << documented[i].first;
    }
}

TEST(EcsStates, EveryHealthStatusAndStopCodeParses) {
    const std::pair<const char*, HealthStatus> health[] = {
        {"HEALTHY", HealthStatus::healthy}, {"UNHEALTHY", HealthStatus::unhealthy}, {"UNKNOWN", HealthStatus::undetermined}};
    const std::pair<const char*, StopCode> codes[] = {
        {"TaskFailedToStart", StopCode::task_failed_to_start},
        {"EssentialContainerExited", StopCode::essential_container_exited},
        {"UserInitiated", StopCode::user_initiated},
        {"ServiceSchedulerInitiated", StopCode::service_scheduler_initiated},
        {"SpotInterruption", StopCode::spot_interruption},
        {"TerminationNotice", StopCode::termination_notice}};
    json tasks = json::array();
    for (const auto& [text, value] : health) tasks.push_back(task_with("RUNNING", "RUNNING", text, ""));
    for (const auto& [text, value] : codes) tasks.push_back(task_with("STOPPED", "STOPPED", "UNKNOWN", text));
    auto parsed = describe_tasks_answer(tasks);
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_EQ(parsed->size(), std::size(health) + std::size(codes));
    for (size_t i = 0; i < std::size(health); ++i) {
        EXPECT_EQ(parsed->at(i).health.value, health[i].second) << health[i].first;
        EXPECT_EQ(parsed->at(i).containers.at(0).health.value, health[i].second) << health[i].first;
        EXPECT_EQ(parsed->at(i).stop_code.text, "");
        EXPECT_FALSE(parsed->at(i).stop_code.known()) << "a running task has no stop code";
    }
    for (size_t i = 0; i < std::size(codes); ++i) {
        const Task& t = parsed->at(std::size(health) + i);
        EXPECT_EQ(t.stop_code.value, codes[i].second) << codes[i].first;
        EXPECT_EQ(t.stop_code.text, codes[i].first);
    }
}

// desiredStatus, healthStatus and stopCode are read, not refused: the rules only ask whether
// they are one value shipwatch knows, so a new one is `unknown` and shown as the API wrote it.
TEST(EcsStates, NewTaskValuesAreKeptAsUnknown) {
    auto parsed = describe_tasks_answer(json::array({task_with("RUNNING", "PAUSED", "DEGRADED", "MaintenanceStop")}));
    ASSERT_TRUE(parsed) << parsed.error().message;
    const Task& t = parsed->front();
    EXPECT_EQ(t.desired_status.value, TaskStatus::unknown);
    EXPECT_EQ(t.desired_status.text, "PAUSED");
    EXPECT_EQ(t.health.value, HealthStatus::unknown);
    EXPECT_EQ(t.health.text, "DEGRADED");
    EXPECT_EQ(t.containers.at(0).health.value, HealthStatus::unknown);
    EXPECT_EQ(t.stop_code.value, StopCode::unknown);
    EXPECT_EQ(t.stop_code.text, "MaintenanceStop");
}

// lastStatus is what the rules count as running or stopped: a value outside the lifecycle fails
// the fetch (the stage is unknown with the member named) instead of a guess.
TEST(EcsStates, UnknownLastStatusIsRefused) {
    auto parsed = describe_tasks_answer(json::array({task_with("HIBERNATING", "RUNNING", "HEALTHY", "")}));
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, "parse");
    EXPECT_EQ(parsed.error().message,
              "DescribeTasks: task.lastStatus 'HIBERNATING' is not a value shipwatch knows (PROVISIONING, PENDING, "
              "ACTIVATING, RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED, DELETED)");
}

json service_with(const std::string& status, json deployments) {
    return json{{"serviceArn", "arn:aws:ecs:eu-west-1:1:service/prod/app"},
                {"serviceName", "app"},
                {"status", status},
                {"taskDefinition", "arn:aws:ecs:eu-west-1:1:task-definition/app:1"},
                {"deployments", std::move(deployments)}};
}

json deployment_with(const std::string& status, const std::optional<std::string>& rollout) {
    json d{{"id", "ecs-svc/" + status}, {"status", status}, {"taskDefinition", "arn:aws:ecs:eu-west-1:1:task-definition/app:1"}};
    if (rollout) d["rolloutState"] = *rollout;
    return d;
}

Result<std::vector<Service>> describe_services_answer(json services) {
    ScriptedTransport transport;
    transport.push(200, json{{"services", std::move(services)}, {"failures", json::array()}}.dump());
    return EcsClient(context(transport)).describe_services("prod", {"app"});
}

TEST(EcsStates, EveryServiceDeploymentAndRolloutStateParses) {
    json deployments = json::array({deployment_with("PRIMARY", "IN_PROGRESS"), deployment_with("ACTIVE", "COMPLETED"),
                                    deployment_with("INACTIVE", "FAILED"), deployment_with("ACTIVE", std::nullopt)});
    json services = json::array({service_with("ACTIVE", deployments), service_with("DRAINING", json::array()),
                                 service_with("INACTIVE", json::array())});
    auto parsed = describe_services_answer(services);
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_EQ(parsed->size(), 3u);
    EXPECT_EQ(parsed->at(0).status.value, ServiceStatus::active);
    EXPECT_EQ(parsed->at(1).status.value, ServiceStatus::draining);
    EXPECT_EQ(parsed->at(2).status.value, ServiceStatus::inactive);
    EXPECT_EQ(parsed->at(2).status.text, "INACTIVE");
    const auto& d = parsed->at(0).deployments;
    ASSERT_EQ(d.size(), 4u);
    EXPECT_EQ(d[0].status.value, DeploymentStatus::primary);
    EXPECT_EQ(d[1].status.value, DeploymentStatus::active);
    EXPECT_EQ(d[2].status.value, DeploymentStatus::inactive);
    EXPECT_EQ(d[0].rollout_state.value, RolloutState::in_progress);
    EXPECT_EQ(d[1].rollout_state.value, RolloutState::completed);
    EXPECT_EQ(d[2].rollout_state.value, RolloutState::failed);
    EXPECT_EQ(d[3].rollout_state.value, RolloutState::absent);
    EXPECT_EQ(d[3].rollout_state.text, "");
}

TEST(EcsStates, UnknownServiceDeploymentOrRolloutStateIsRefused) {
    auto service = describe_services_answer(json::array({service_with("PAUSED", json::array())}));
    ASSERT_FALSE(service);
    EXPECT_EQ(service.error().message,
              "DescribeServices: service.status 'PAUSED' is not a value shipwatch knows (ACTIVE, DRAINING, INACTIVE)");
    auto deployment =
        describe_services_answer(json::array({service_with("ACTIVE", json::array({deployment_with("SHADOW", "COMPLETED")}))}));
    ASSERT_FALSE(deployment);
    EXPECT_EQ(deployment.error().message,
              "DescribeServices: deployment.status 'SHADOW' is not a value shipwatch knows (PRIMARY, ACTIVE, INACTIVE)");
    auto rollout =
        describe_services_answer(json::array({service_with("ACTIVE", json::array({deployment_with("PRIMARY", "ROLLING_BACK")}))}));
    ASSERT_FALSE(rollout);
    EXPECT_EQ(rollout.error().message, "DescribeServices: deployment.rolloutState 'ROLLING_BACK' is not a value shipwatch "
                                       "knows (COMPLETED, FAILED, IN_PROGRESS)");
}

std::string target_health_xml(const std::vector<std::string>& states) {
    std::string members;
    for (size_t i = 0; i < states.size(); ++i)
        members += "<member><TargetHealth><State>" + states[i] + "</State></TargetHealth><Target><Port>80</Port><Id>10.0.0." +
                   std::to_string(i) + "</Id></Target></member>";
    return "<DescribeTargetHealthResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">"
           "<DescribeTargetHealthResult><TargetHealthDescriptions>" +
           members + "</TargetHealthDescriptions></DescribeTargetHealthResult></DescribeTargetHealthResponse>";
}

TEST(Elbv2States, EveryTargetStateParses) {
    // TargetHealthStateEnum, plus unhealthy.draining, which newer answers carry.
    const std::pair<const char*, TargetState> documented[] = {
        {"initial", TargetState::initial},       {"healthy", TargetState::healthy},   {"unhealthy", TargetState::unhealthy},
        {"unused", TargetState::unused},         {"draining", TargetState::draining}, {"unavailable", TargetState::unavailable},
        {"unhealthy.draining", TargetState::unhealthy_draining}};
    std::vector<std::string> states;
    for (const auto& [text, value] : documented) states.push_back(text);
    ScriptedTransport transport;
    transport.push(200, target_health_xml(states));
    auto targets = Elbv2Client(context(transport)).describe_target_health("arn:tg");
    ASSERT_TRUE(targets) << targets.error().message;
    ASSERT_EQ(targets->size(), std::size(documented));
    for (size_t i = 0; i < targets->size(); ++i) {
        EXPECT_EQ(targets->at(i).state.value, documented[i].second) << documented[i].first;
        EXPECT_EQ(targets->at(i).state.text, documented[i].first);
    }
}

TEST(Elbv2States, UnknownTargetStateIsRefusedNamingTheTarget) {
    ScriptedTransport transport;
    transport.push(200, target_health_xml({"healthy", "warming"}));
    auto targets = Elbv2Client(context(transport)).describe_target_health("arn:tg");
    ASSERT_FALSE(targets);
    EXPECT_EQ(targets.error().code, "parse");
    EXPECT_EQ(targets.error().message,
              "DescribeTargetHealth: TargetHealth.State 'warming' of 10.0.0.1 is not a value shipwatch knows (initial, "
              "healthy, unhealthy, unhealthy.draining, unused, draining, unavailable)");
}

std::string instances_xml(const std::vector<std::string>& states) {
    std::string items;
    for (size_t i = 0; i < states.size(); ++i)
        items += "<item><instanceId>i-" + std::to_string(i) + "</instanceId><instanceState><code>0</code><name>" + states[i] +
                 "</name></instanceState></item>";
    return "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><reservationSet><item>"
           "<instancesSet>" +
           items + "</instancesSet></item></reservationSet></DescribeInstancesResponse>";
}

TEST(Ec2States, EveryInstanceStateParses) {
    const std::pair<const char*, InstanceState> documented[] = {
        {"pending", InstanceState::pending},       {"running", InstanceState::running},
        {"shutting-down", InstanceState::shutting_down}, {"terminated", InstanceState::terminated},
        {"stopping", InstanceState::stopping},     {"stopped", InstanceState::stopped}};
    std::vector<std::string> states;
    std::vector<std::string> ids;
    for (const auto& [text, value] : documented) {
        ids.push_back("i-" + std::to_string(states.size()));
        states.push_back(text);
    }
    ScriptedTransport transport;
    transport.push(200, instances_xml(states));
    auto instances = Ec2Client(context(transport)).describe_instances(ids);
    ASSERT_TRUE(instances) << instances.error().message;
    ASSERT_EQ(instances->size(), std::size(documented));
    for (size_t i = 0; i < instances->size(); ++i) {
        EXPECT_EQ(instances->at(i).state.value, documented[i].second) << documented[i].first;
        EXPECT_EQ(instances->at(i).state.text, documented[i].first);
    }
}

TEST(Ec2States, UnknownInstanceStateIsRefused) {
    ScriptedTransport transport;
    transport.push(200, instances_xml({"hibernated"}));
    auto instances = Ec2Client(context(transport)).describe_instances({"i-0"});
    ASSERT_FALSE(instances);
    EXPECT_NE(instances.error().message.find("instance.instanceState.name 'hibernated' is not a value shipwatch knows "
                                             "(pending, running, shutting-down, terminated, stopping, stopped)"),
              std::string::npos)
        << instances.error().message;
}

Result<std::vector<CiRun>> builds_answer(const std::vector<std::pair<std::string, std::string>>& status_and_phase) {
    json ids = json::array();
    json builds = json::array();
    for (size_t i = 0; i < status_and_phase.size(); ++i) {
        std::string id = "p:" + std::to_string(i);
        ids.push_back(id);
        json phase{{"phaseType", "BUILD"}};
        if (!status_and_phase[i].second.empty()) phase["phaseStatus"] = status_and_phase[i].second;
        builds.push_back(json{{"id", id},
                              {"buildNumber", static_cast<int>(i)},
                              {"buildStatus", status_and_phase[i].first},
                              {"phases", json::array({phase})}});
    }
    ScriptedTransport transport;
    transport.push(200, json{{"ids", ids}}.dump());
    transport.push(200, json{{"builds", builds}, {"buildsNotFound", json::array()}}.dump());
    return CodeBuildClient(context(transport)).recent_builds("p", status_and_phase.size());
}

const CiRun& build_number(const std::vector<CiRun>& runs, int n) {
    auto it = std::find_if(runs.begin(), runs.end(), [n](const CiRun& r) { return r.number == n; });
    if (it == runs.end()) throw std::runtime_error("no build " + std::to_string(n));
    return *it;
}

// StatusType, for the build and its phases; CodeBuild maps into the one CI vocabulary.
TEST(CodeBuildStates, EveryStatusTypeMapsIntoTheCiVocabulary) {
    const std::tuple<const char*, CiStatus, CiConclusion> documented[] = {
        {"SUCCEEDED", CiStatus::completed, CiConclusion::success},
        {"FAILED", CiStatus::completed, CiConclusion::failure},
        {"FAULT", CiStatus::completed, CiConclusion::failure},
        {"TIMED_OUT", CiStatus::completed, CiConclusion::timed_out},
        {"IN_PROGRESS", CiStatus::in_progress, CiConclusion::none},
        {"STOPPED", CiStatus::completed, CiConclusion::cancelled}};
    std::vector<std::pair<std::string, std::string>> answers;
    for (const auto& [text, status, conclusion] : documented) answers.emplace_back(text, text);
    auto runs = builds_answer(answers);
    ASSERT_TRUE(runs) << runs.error().message;
    ASSERT_EQ(runs->size(), std::size(documented));
    for (size_t i = 0; i < std::size(documented); ++i) {
        const auto& [text, status, conclusion] = documented[i];
        const CiRun& run = build_number(*runs, static_cast<int>(i));
        EXPECT_EQ(run.status, status) << text;
        EXPECT_EQ(run.conclusion, conclusion) << text;
        ASSERT_EQ(run.steps.size(), 1u);
        EXPECT_EQ(run.steps[0].status, status) << "phase " << text;
        EXPECT_EQ(run.steps[0].conclusion, conclusion) << "phase " << text;
    }
}

// A phase status is read, not refused (it only colours a step); a build status is refused.
TEST(CodeBuildStates, UnknownPhaseStatusIsOtherAndUnknownBuildStatusIsRefused) {
    auto runs = builds_answer({{"SUCCEEDED", "SKIPPED"}, {"IN_PROGRESS", ""}, {"SUCCEEDED", ""}});
    ASSERT_TRUE(runs) << runs.error().message;
    EXPECT_EQ(build_number(*runs, 0).steps[0].status, CiStatus::completed);
    EXPECT_EQ(build_number(*runs, 0).steps[0].conclusion, CiConclusion::other);
    EXPECT_EQ(build_number(*runs, 1).steps[0].status, CiStatus::in_progress) << "the current phase has no status yet";
    EXPECT_EQ(build_number(*runs, 1).steps[0].conclusion, CiConclusion::none);
    EXPECT_EQ(build_number(*runs, 2).steps[0].status, CiStatus::completed) << "the final marker never gets one";
    EXPECT_EQ(build_number(*runs, 2).steps[0].conclusion, CiConclusion::none);

    auto refused = builds_answer({{"PAUSED", "SUCCEEDED"}});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("build.buildStatus 'PAUSED' is not a value shipwatch knows (SUCCEEDED, FAILED, "
                                           "FAULT, TIMED_OUT, IN_PROGRESS, STOPPED)"),
              std::string::npos)
        << refused.error().message;
}

}  // namespace
}  // namespace shipwatch::aws

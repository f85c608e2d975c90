// The simulator answers real AWS request shapes (ECS, ECR, CodeBuild, Logs, Secrets Manager,
// ELBv2, EC2) with real answer shapes.
#include <gtest/gtest.h>

#include "sim_fixture.hpp"

namespace shipwatch::sim {
namespace {

using namespace shipwatch::sim::testing;
using nlohmann::json;
using namespace std::chrono_literals;

// ---- ECS ---------------------------------------------------------------------------------------

TEST_F(Sim, DescribeServicesAnswersServicesAndMissingFailuresWithEpochTimestamps) {
    json out = ecs("DescribeServices", {{"cluster", "arn:aws:ecs:us-east-1:123456789012:cluster/tiny-cluster"},
                                        {"services", {"tiny-api", "ghost"}}});
    ASSERT_EQ(out["services"].size(), 1u);
    const json& s = out["services"][0];
    EXPECT_EQ(s["serviceName"], "tiny-api");
    EXPECT_EQ(s["deploymentConfiguration"]["deploymentCircuitBreaker"]["enable"], true);
    EXPECT_EQ(s["deployments"][0]["rolloutState"], "COMPLETED");
    ASSERT_TRUE(s["deployments"][0]["createdAt"].is_number());
    EXPECT_DOUBLE_EQ(s["deployments"][0]["createdAt"].get<double>(), epoch("2025-06-12T17:06:00Z"));
    EXPECT_TRUE(s["events"][0]["createdAt"].is_number());
    EXPECT_TRUE(s["createdAt"].is_number());
    EXPECT_FALSE(s.contains("tags"));  // only with include: ["TAGS"]
    EXPECT_EQ(s["loadBalancers"][0]["targetGroupArn"], kTg);
    ASSERT_EQ(out["failures"].size(), 1u);
    EXPECT_EQ(out["failures"][0]["arn"], "arn:aws:ecs:us-east-1:123456789012:service/tiny-cluster/ghost");
    EXPECT_EQ(out["failures"][0]["reason"], "MISSING");

    json tagged = ecs("DescribeServices",
                      {{"cluster", "tiny-cluster"}, {"services", {"arn:aws:ecs:us-east-1:123456789012:service/tiny-cluster/tiny-api"}},
                       {"include", {"TAGS"}}});
    EXPECT_EQ(tagged["services"][0]["tags"][0]["key"], "team");
}

TEST_F(Sim, DescribeServicesLimitsAndErrors) {
    json eleven = json::array();
    for (int i = 0; i < 11; ++i) eleven.push_back("s" + std::to_string(i));
    json err = ecs("DescribeServices", {{"cluster", "tiny-cluster"}, {"services", eleven}}, 400);
    EXPECT_EQ(err["__type"], "InvalidParameterException");
    EXPECT_TRUE(err["message"].is_string());

    json ten = json::array();
    for (int i = 0; i < 10; ++i) ten.push_back("s" + std::to_string(i));
    EXPECT_EQ(ecs("DescribeServices", {{"cluster", "tiny-cluster"}, {"services", ten}})["failures"].size(), 10u);

    EXPECT_EQ(ecs("DescribeServices", {{"cluster", "nope"}, {"services", {"tiny-api"}}}, 400)["__type"],
              "ClusterNotFoundException");
    // The region comes from the host: us-west-2 holds no such cluster.
    HttpResponse other = post_json("ecs", std::string(kEcs) + ".DescribeServices",
                                   {{"cluster", "tiny-cluster"}, {"services", {"tiny-api"}}}, "us-west-2");
    EXPECT_EQ(other.status, 400);
    EXPECT_EQ(json::parse(other.body)["__type"], "ClusterNotFoundException");
}

TEST_F(Sim, ListTasksFiltersByServiceAndDesiredStatusAndForgetsOldStoppedTasks) {
    EXPECT_EQ(task_ids("RUNNING"), std::vector<std::string>{"aaaa1111"});
    // cccc3333 stopped at 15:00, more than an hour before 17:40: ECS no longer lists it.
    EXPECT_EQ(task_ids("STOPPED"), std::vector<std::string>{"bbbb2222"});
    json all_running = ecs("ListTasks", {{"cluster", "tiny-cluster"}});
    EXPECT_EQ(all_running["taskArns"].size(), 2u);  // the cron task too
    EXPECT_EQ(ecs("ListTasks", {{"cluster", "tiny-cluster"}, {"serviceName", "ghost"}}, 400)["__type"],
              "ServiceNotFoundException");
    EXPECT_EQ(ecs("ListTasks", {{"cluster", "tiny-cluster"}, {"maxResults", 101}}, 400)["__type"],
              "InvalidParameterException");
    EXPECT_EQ(ecs("ListTasks", {{"cluster", "tiny-cluster"}, {"nextToken", "bogus"}}, 400)["__type"],
              "InvalidParameterException");
}

TEST_F(Sim, ListTasksPagesWithNextToken) {
    json first = ecs("ListTasks", {{"cluster", "tiny-cluster"}, {"maxResults", 1}});
    ASSERT_EQ(first["taskArns"].size(), 1u);
    ASSERT_TRUE(first["nextToken"].is_string());
    json second = ecs("ListTasks", {{"cluster", "tiny-cluster"}, {"maxResults", 1}, {"nextToken", first["nextToken"]}});
    ASSERT_EQ(second["taskArns"].size(), 1u);
    EXPECT_NE(first["taskArns"][0], second["taskArns"][0]);
    EXPECT_FALSE(second.contains("nextToken"));
}

TEST_F(Sim, DescribeTasksByArnOrIdWithFailuresAndLimit) {
    json out = ecs("DescribeTasks", {{"cluster", "tiny-cluster"},
                                     {"tasks", {"arn:aws:ecs:us-east-1:123456789012:task/tiny-cluster/aaaa1111", "bbbb2222",
                                                "cccc3333"}}});
    ASSERT_EQ(out["tasks"].size(), 2u);
    const json& running = out["tasks"][0];
    EXPECT_EQ(running["lastStatus"], "RUNNING");
    EXPECT_EQ(running["containers"][0]["imageDigest"],
              "sha256:cccc000000000000000000000000000000000000000000000000000000000003");
    EXPECT_EQ(running["attachments"][0]["details"][0]["value"], "10.0.1.10");
    EXPECT_TRUE(running["startedAt"].is_number());
    EXPECT_TRUE(out["tasks"][1]["stoppedAt"].is_number());
    EXPECT_EQ(out["tasks"][1]["stoppedReason"], "Scaling activity initiated by (deployment ecs-svc/1111111111111111111)");
    ASSERT_EQ(out["failures"].size(), 1u);  // cccc3333 was forgotten
    EXPECT_EQ(out["failures"][0]["arn"], "arn:aws:ecs:us-east-1:123456789012:task/tiny-cluster/cccc3333");
    EXPECT_EQ(out["failures"][0]["reason"], "MISSING");

    json many = json::array();
    for (int i = 0; i < 101; ++i) many.push_back("t" + std::to_string(i));
    EXPECT_EQ(ecs("DescribeTasks", {{"cluster", "tiny-cluster"}, {"tasks", many}}, 400)["__type"], "InvalidParameterException");
}

TEST_F(Sim, DescribeTaskDefinitionByArnFamilyRevisionAndLatestActive) {
    auto revision_of = [&](const std::string& id) {
        return ecs("DescribeTaskDefinition", {{"taskDefinition", id}})["taskDefinition"]["revision"].get<int>();
    };
    EXPECT_EQ(revision_of("arn:aws:ecs:us-east-1:123456789012:task-definition/tiny:1"), 1);  // inactive, named exactly
    EXPECT_EQ(revision_of("tiny:3"), 3);
    EXPECT_EQ(revision_of("tiny"), 2);  // the latest ACTIVE; :3 is INACTIVE
    json td = ecs("DescribeTaskDefinition", {{"taskDefinition", "tiny:2"}})["taskDefinition"];
    EXPECT_TRUE(td["registeredAt"].is_number());
    EXPECT_EQ(td["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-group"], "/ecs/tiny");
    EXPECT_EQ(ecs("DescribeTaskDefinition", {{"taskDefinition", "ghost:1"}}, 400)["__type"], "ClientException");
}

// ---- ECR ---------------------------------------------------------------------------------------

TEST_F(Sim, DescribeImagesListsPagesAndFilters) {
    json all = call("api.ecr", kEcr, "DescribeImages", {{"repositoryName", "tiny"}});
    ASSERT_EQ(all["imageDetails"].size(), 3u);
    const json& newest = all["imageDetails"][0];
    EXPECT_EQ(newest["registryId"], "123456789012");
    EXPECT_EQ(newest["repositoryName"], "tiny");
    ASSERT_TRUE(newest["imagePushedAt"].is_number());
    EXPECT_DOUBLE_EQ(newest["imagePushedAt"].get<double>(), epoch("2025-06-12T17:04:00Z"));
    EXPECT_FALSE(all.contains("nextToken"));

    json first = call("api.ecr", kEcr, "DescribeImages", {{"repositoryName", "tiny"}, {"maxResults", 2}});
    ASSERT_EQ(first["imageDetails"].size(), 2u);
    json second = call("api.ecr", kEcr, "DescribeImages",
                       {{"repositoryName", "tiny"}, {"maxResults", 2}, {"nextToken", first["nextToken"]}});
    ASSERT_EQ(second["imageDetails"].size(), 1u);
    EXPECT_EQ(second["imageDetails"][0]["imageDigest"],
              "sha256:aaaa000000000000000000000000000000000000000000000000000000000001");

    json untagged = call("api.ecr", kEcr, "DescribeImages", {{"repositoryName", "tiny"}, {"filter", {{"tagStatus", "UNTAGGED"}}}});
    EXPECT_EQ(untagged["imageDetails"].size(), 1u);
}

TEST_F(Sim, DescribeImagesByIdFailsWholeCallOnAnUnknownImage) {
    json found = call("api.ecr", kEcr, "DescribeImages",
                      {{"repositoryName", "tiny"},
                       {"imageIds", {{{"imageTag", "latest"}},
                                     {{"imageDigest", "sha256:cccc000000000000000000000000000000000000000000000000000000000003"}},
                                     {{"imageTag", "b2b2b2b"}}}}});
    ASSERT_EQ(found["imageDetails"].size(), 2u);  // latest and the digest are the same image
    EXPECT_FALSE(found.contains("failures"));  // DescribeImages has no failures member

    json missing = call("api.ecr", kEcr, "DescribeImages",
                        {{"repositoryName", "tiny"}, {"imageIds", {{{"imageTag", "latest"}}, {{"imageTag", "v9"}}}}}, 400);
    EXPECT_EQ(missing["__type"], "ImageNotFoundException");
    EXPECT_NE(missing["message"].get<std::string>().find("imageTag:'v9'"), std::string::npos);

    json no_repo = call("api.ecr", kEcr, "DescribeImages", {{"repositoryName", "ghost"}}, 400);
    EXPECT_EQ(no_repo["__type"], "RepositoryNotFoundException");
}

// ---- CodeBuild ---------------------------------------------------------------------------------

TEST_F(Sim, CodeBuildListsIdsInOrderAndBatchGetsBuilds) {
    json desc = call("codebuild", kCodeBuild, "ListBuildsForProject", {{"projectName", "tiny-build"}});
    ASSERT_EQ(desc["ids"].size(), 2u);
    EXPECT_EQ(desc["ids"][0], "tiny-build:0b0b0b0b-0000-4000-8000-000000000002");
    json asc = call("codebuild", kCodeBuild, "ListBuildsForProject", {{"projectName", "tiny-build"}, {"sortOrder", "ASCENDING"}});
    EXPECT_EQ(asc["ids"][0], "tiny-build:0b0b0b0b-0000-4000-8000-000000000001");
    EXPECT_EQ(call("codebuild", kCodeBuild, "ListBuildsForProject", {{"projectName", "ghost"}}, 400)["__type"],
              "ResourceNotFoundException");

    json got = call("codebuild", kCodeBuild, "BatchGetBuilds", {{"ids", {desc["ids"][0], "tiny-build:nope"}}});
    ASSERT_EQ(got["builds"].size(), 1u);
    const json& b = got["builds"][0];
    EXPECT_EQ(b["resolvedSourceVersion"], "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3");
    ASSERT_TRUE(b["startTime"].is_number());
    EXPECT_DOUBLE_EQ(b["startTime"].get<double>(), epoch("2025-06-12T17:01:00Z"));
    EXPECT_TRUE(b["phases"][0]["endTime"].is_number());
    EXPECT_EQ(got["buildsNotFound"], json::array({"tiny-build:nope"}));

    json many = json::array();
    for (int i = 0; i < 101; ++i) many.push_back("tiny-build:" + std::to_string(i));
    EXPECT_EQ(call("codebuild", kCodeBuild, "BatchGetBuilds", {{"ids", many}}, 400)["__type"], "InvalidInputException");
}

// ---- CloudWatch Logs ---------------------------------------------------------------------------

TEST_F(Sim, FilterLogEventsMatchesTermsInTimeOrderWithMillisecondTimestamps) {
    json out = call("logs", kLogs, "FilterLogEvents", {{"logGroupName", "/ecs/tiny"}, {"filterPattern", "\"Started tiny\""}});
    ASSERT_EQ(out["events"].size(), 2u);
    EXPECT_EQ(out["events"][0]["logStreamName"], "app/app/bbbb2222");  // oldest first
    const json& e = out["events"][1];
    ASSERT_TRUE(e["timestamp"].is_number_integer());
    EXPECT_EQ(e["timestamp"].get<long long>(), static_cast<long long>(epoch("2025-06-12T17:07:20Z")) * 1000);
    EXPECT_TRUE(e["ingestionTime"].is_number_integer());
    EXPECT_TRUE(e["eventId"].is_string());
    EXPECT_EQ(e["message"], "Started tiny on port 8080");

    const long long since = static_cast<long long>(epoch("2025-06-12T17:00:00Z")) * 1000;
    json recent = call("logs", kLogs, "FilterLogEvents",
                       {{"logGroupName", "/ecs/tiny"}, {"filterPattern", "\"Started tiny\""}, {"startTime", since}});
    EXPECT_EQ(recent["events"].size(), 1u);
    auto count = [&](const std::string& pattern) {
        return call("logs", kLogs, "FilterLogEvents", {{"logGroupName", "/ecs/tiny"}, {"filterPattern", pattern}})["events"].size();
    };
    EXPECT_EQ(count("ERROR timeout"), 1u);  // every bare term must appear
    EXPECT_EQ(count("ERROR missing"), 0u);
    EXPECT_EQ(count("-ERROR"), 3u);
    EXPECT_EQ(count("\"port 8080\" -Started"), 0u);
    EXPECT_EQ(count(""), 4u);
    EXPECT_EQ(count("?health ?timeout"), 2u);

    json first = call("logs", kLogs, "FilterLogEvents", {{"logGroupName", "/ecs/tiny"}, {"limit", 3}});
    ASSERT_EQ(first["events"].size(), 3u);
    json rest = call("logs", kLogs, "FilterLogEvents", {{"logGroupName", "/ecs/tiny"}, {"limit", 3}, {"nextToken", first["nextToken"]}});
    EXPECT_EQ(rest["events"].size(), 1u);
    EXPECT_EQ(call("logs", kLogs, "FilterLogEvents", {{"logGroupName", "/ecs/ghost"}}, 400)["__type"], "ResourceNotFoundException");
}

// ---- Secrets Manager ---------------------------------------------------------------------------

TEST_F(Sim, DescribeSecretByNameArnOrPartialArn) {
    for (const char* id : {"tiny/db", "arn:aws:secretsmanager:us-east-1:123456789012:secret:tiny/db-Ab12Cd",
                           "arn:aws:secretsmanager:us-east-1:123456789012:secret:tiny/db"}) {
        json s = call("secretsmanager", kSecrets, "DescribeSecret", {{"SecretId", id}});
        EXPECT_EQ(s["Name"], "tiny/db") << id;
        ASSERT_TRUE(s["LastChangedDate"].is_number()) << id;
        EXPECT_DOUBLE_EQ(s["LastChangedDate"].get<double>(), epoch("2025-06-12T16:29:00Z"));
        EXPECT_FALSE(s.contains("SecretString"));
    }
    EXPECT_EQ(call("secretsmanager", kSecrets, "DescribeSecret", {{"SecretId", "ghost"}}, 400)["__type"],
              "ResourceNotFoundException");
}

TEST_F(Sim, GetSecretValueIsRefusedAndCounted) {
    EXPECT_EQ(world->call_counts().count("secretsmanager:GetSecretValue"), 0u);
    json out = call("secretsmanager", kSecrets, "GetSecretValue", {{"SecretId", "tiny/db"}}, 400);
    EXPECT_EQ(out["__type"], "AccessDeniedException");
    EXPECT_FALSE(out.contains("SecretString"));
    EXPECT_EQ(sim->call_counts().at("secretsmanager:GetSecretValue"), 1);
}

// ---- ELBv2 -------------------------------------------------------------------------------------

TEST_F(Sim, DescribeTargetGroupsAnswersRealXml) {
    pugi::xml_document doc;
    query("elasticloadbalancing", "Action=DescribeTargetGroups&Version=2015-12-01&TargetGroupArns.member.1=" + url_encode(kTg), doc);
    pugi::xml_node root = doc.child("DescribeTargetGroupsResponse");
    ASSERT_TRUE(root);
    EXPECT_STREQ(root.attribute("xmlns").value(), "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/");
    const char* member = "/DescribeTargetGroupsResponse/DescribeTargetGroupsResult/TargetGroups/member";
    EXPECT_EQ(doc.select_nodes(member).size(), 1u);
    EXPECT_EQ(text(doc, (std::string(member) + "/TargetGroupName").c_str()), "tiny-tg");
    EXPECT_EQ(text(doc, (std::string(member) + "/Port").c_str()), "8080");
    EXPECT_EQ(text(doc, (std::string(member) + "/HealthCheckEnabled").c_str()), "true");
    EXPECT_EQ(text(doc, (std::string(member) + "/Matcher/HttpCode").c_str()), "200");
    EXPECT_EQ(text(doc, (std::string(member) + "/LoadBalancerArns/member").c_str()), kLb);
    EXPECT_FALSE(text(doc, "/DescribeTargetGroupsResponse/ResponseMetadata/RequestId").empty());

    pugi::xml_document by_name;
    query("elasticloadbalancing", "Action=DescribeTargetGroups&Version=2015-12-01&Names.member.1=tiny-spare", by_name);
    EXPECT_EQ(text(by_name, "//TargetGroups/member/TargetType"), "instance");
    pugi::xml_document by_lb;
    query("elasticloadbalancing", "Action=DescribeTargetGroups&Version=2015-12-01&LoadBalancerArn=" + url_encode(kLb), by_lb);
    EXPECT_EQ(by_lb.select_nodes("//TargetGroups/member").size(), 1u);
}

TEST_F(Sim, DescribeTargetGroupsPagesWithMarker) {
    pugi::xml_document first;
    query("elasticloadbalancing", "Action=DescribeTargetGroups&Version=2015-12-01&PageSize=1", first);
    EXPECT_EQ(first.select_nodes("//TargetGroups/member").size(), 1u);
    std::string marker = text(first, "//DescribeTargetGroupsResult/NextMarker");
    ASSERT_FALSE(marker.empty());
    pugi::xml_document second;
    query("elasticloadbalancing", "Action=DescribeTargetGroups&Version=2015-12-01&PageSize=1&Marker=" + url_encode(marker), second);
    EXPECT_EQ(text(second, "//TargetGroups/member/TargetGroupName"), "tiny-spare");
    EXPECT_FALSE(second.select_node("//NextMarker"));
}

TEST_F(Sim, ElbErrorsUseTheQueryErrorShape) {
    pugi::xml_document doc;
    query("elasticloadbalancing", "Action=DescribeTargetGroups&Version=2015-12-01&TargetGroupArns.member.1=arn%3Anope", doc, 400);
    EXPECT_EQ(text(doc, "/ErrorResponse/Error/Type"), "Sender");
    EXPECT_EQ(text(doc, "/ErrorResponse/Error/Code"), "TargetGroupNotFound");
    EXPECT_FALSE(text(doc, "/ErrorResponse/Error/Message").empty());
    EXPECT_FALSE(text(doc, "/ErrorResponse/RequestId").empty());

    pugi::xml_document unknown;
    query("elasticloadbalancing", "Action=CreateLoadBalancer&Version=2015-12-01", unknown, 400);
    EXPECT_EQ(text(unknown, "/ErrorResponse/Error/Code"), "InvalidAction");
    pugi::xml_document no_version;
    query("elasticloadbalancing", "Action=DescribeLoadBalancers", no_version, 400);
    EXPECT_EQ(text(no_version, "/ErrorResponse/Error/Code"), "MissingParameter");
}

TEST_F(Sim, DescribeTargetHealthAndLoadBalancers) {
    pugi::xml_document health;
    query("elasticloadbalancing", "Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn=" + url_encode(kTg), health);
    const char* members = "/DescribeTargetHealthResponse/DescribeTargetHealthResult/TargetHealthDescriptions/member";
    ASSERT_EQ(health.select_nodes(members).size(), 2u);
    EXPECT_EQ(text(health, (std::string(members) + "[1]/Target/Id").c_str()), "10.0.1.10");
    EXPECT_EQ(text(health, (std::string(members) + "[1]/TargetHealth/State").c_str()), "healthy");
    EXPECT_EQ(text(health, (std::string(members) + "[2]/TargetHealth/Reason").c_str()), "Target.DeregistrationInProgress");

    pugi::xml_document lbs;
    query("elasticloadbalancing", "Action=DescribeLoadBalancers&Version=2015-12-01&LoadBalancerArns.member.1=" + url_encode(kLb), lbs);
    const char* lb = "/DescribeLoadBalancersResponse/DescribeLoadBalancersResult/LoadBalancers/member";
    EXPECT_EQ(text(lbs, (std::string(lb) + "/DNSName").c_str()), "tiny-alb-123456789.us-east-1.elb.amazonaws.com");
    EXPECT_EQ(text(lbs, (std::string(lb) + "/CreatedTime").c_str()), "2025-05-01T08:00:00Z");  // XML keeps ISO
    EXPECT_EQ(text(lbs, (std::string(lb) + "/State/Code").c_str()), "active");
    EXPECT_EQ(lbs.select_nodes((std::string(lb) + "/AvailabilityZones/member").c_str()).size(), 2u);

    pugi::xml_document missing;
    query("elasticloadbalancing", "Action=DescribeLoadBalancers&Version=2015-12-01&LoadBalancerArns.member.1=arn%3Ax", missing, 400);
    EXPECT_EQ(text(missing, "/ErrorResponse/Error/Code"), "LoadBalancerNotFound");
}

// ---- EC2 ---------------------------------------------------------------------------------------

TEST_F(Sim, DescribeInstancesUsesEc2ElementNames) {
    pugi::xml_document doc;
    query("ec2", "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-0123456789abcdef0", doc);
    pugi::xml_node root = doc.child("DescribeInstancesResponse");
    ASSERT_TRUE(root);
    EXPECT_STREQ(root.attribute("xmlns").value(), "http://ec2.amazonaws.com/doc/2016-11-15/");
    EXPECT_FALSE(text(doc, "/DescribeInstancesResponse/requestId").empty());
    const std::string item = "/DescribeInstancesResponse/reservationSet/item/instancesSet/item";
    EXPECT_EQ(text(doc, "/DescribeInstancesResponse/reservationSet/item/ownerId"), "123456789012");
    EXPECT_EQ(text(doc, (item + "/instanceId").c_str()), "i-0123456789abcdef0");
    EXPECT_EQ(text(doc, (item + "/instanceState/name").c_str()), "running");
    EXPECT_EQ(text(doc, (item + "/instanceState/code").c_str()), "16");
    EXPECT_EQ(text(doc, (item + "/instanceType").c_str()), "t3.small");
    EXPECT_EQ(text(doc, (item + "/launchTime").c_str()), "2025-05-28T09:14:22Z");
    EXPECT_EQ(text(doc, (item + "/privateIpAddress").c_str()), "10.0.3.30");
    EXPECT_EQ(text(doc, (item + "/tagSet/item/key").c_str()), "Name");
    EXPECT_EQ(text(doc, (item + "/groupSet/item/groupId").c_str()), "sg-0123");
    EXPECT_FALSE(doc.select_node((item + "/userData").c_str()));
    EXPECT_FALSE(doc.select_node((item + "/UserData").c_str()));

    pugi::xml_document all;
    query("ec2", "Action=DescribeInstances&Version=2016-11-15", all);
    EXPECT_EQ(all.select_nodes("//reservationSet/item").size(), 2u);
    EXPECT_EQ(text(all, "//instancesSet/item[instanceId='i-0fedcba9876543210']/instanceState/name"), "stopped");
    EXPECT_EQ(text(all, "//instancesSet/item[instanceId='i-0fedcba9876543210']/instanceState/code"), "80");
}

TEST_F(Sim, Ec2ErrorsUseTheEc2ErrorShape) {
    pugi::xml_document doc;
    query("ec2", "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-0000000000000dead", doc, 400);
    EXPECT_EQ(text(doc, "/Response/Errors/Error/Code"), "InvalidInstanceID.NotFound");
    EXPECT_EQ(text(doc, "/Response/Errors/Error/Message"), "The instance ID 'i-0000000000000dead' does not exist");
    EXPECT_FALSE(text(doc, "/Response/RequestID").empty());
    pugi::xml_document malformed;
    query("ec2", "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=web-1", malformed, 400);
    EXPECT_EQ(text(malformed, "/Response/Errors/Error/Code"), "InvalidInstanceID.Malformed");
}

TEST_F(Sim, DescribeInstanceAttributeUserDataIsBase64) {
    pugi::xml_document doc;
    query("ec2", "Action=DescribeInstanceAttribute&Version=2016-11-15&InstanceId=i-0123456789abcdef0&Attribute=userData", doc);
    EXPECT_EQ(text(doc, "/DescribeInstanceAttributeResponse/instanceId"), "i-0123456789abcdef0");
    EXPECT_EQ(text(doc, "/DescribeInstanceAttributeResponse/userData/value"),
              "IyEvYmluL2Jhc2gKeXVtIGluc3RhbGwgLXkgZ2l0CmdpdCBjbG9uZSBodHRwczovL2dpdGh1Yi5jb20vYWNtZS90aW55IC9vcHQvdGlueQpzeXN0ZW1jdGwgZW5hYmxlIC0tbm93IHRpbnkK");
    pugi::xml_document none;
    query("ec2", "Action=DescribeInstanceAttribute&Version=2016-11-15&InstanceId=i-0fedcba9876543210&Attribute=userData", none);
    EXPECT_TRUE(none.select_node("/DescribeInstanceAttributeResponse/userData"));
    EXPECT_FALSE(none.select_node("/DescribeInstanceAttributeResponse/userData/value"));
    pugi::xml_document bad;
    query("ec2", "Action=DescribeInstanceAttribute&Version=2016-11-15&InstanceId=i-0123456789abcdef0&Attribute=bogus", bad, 400);
    EXPECT_EQ(text(bad, "/Response/Errors/Error/Code"), "InvalidParameterValue");
}


}  // namespace
}  // namespace shipwatch::sim

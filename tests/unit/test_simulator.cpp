// The simulator answers real request shapes with real answer shapes, and its world moves with
// the clock. Scenario: tests/data/sim/tiny.json (start 2025-06-12T17:40:00Z, us-east-1).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include <pugixml.hpp>

#include "fetchers/aws/clients.hpp"
#include "fetchers/github/github_client.hpp"
#include "fetchers/sim/simulator.hpp"

namespace shipwatch::sim {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string tiny_text() {
    std::ifstream in(std::string(SHIPWATCH_TEST_DATA) + "/sim/tiny.json");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}
json tiny_doc() { return json::parse(tiny_text()); }

const TimePoint kStart = parse_iso8601("2025-06-12T17:40:00Z").value();
double epoch(const char* iso) { return to_epoch_seconds(parse_iso8601(iso).value()); }

const char* kEcs = "AmazonEC2ContainerServiceV20141113";
const char* kEcr = "AmazonEC2ContainerRegistry_V20150921";
const char* kCodeBuild = "CodeBuild_20161006";
const char* kLogs = "Logs_20140328";
const char* kSecrets = "secretsmanager";
const std::string kTg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tiny-tg/0123456789abcdef";
const std::string kLb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/tiny-alb/fedcba9876543210";

class Sim : public ::testing::Test {
protected:
    void SetUp() override { load(tiny_doc()); }
    void load(const json& doc) {
        auto parsed = parse_scenario(doc.dump());
        ASSERT_TRUE(parsed) << parsed.error().message;
        world = std::make_shared<World>(std::move(parsed).value(), clock);
        sim = std::make_unique<SimTransport>(world);
    }
    void at(Duration since_start) { clock.set(kStart + since_start); }

    HttpResponse post_json(const std::string& host_prefix, const std::string& target, const json& body,
                           const std::string& region = "us-east-1") {
        HttpRequest r;
        r.method = "POST";
        r.url = "https://" + host_prefix + "." + region + ".amazonaws.com/";
        r.headers["Content-Type"] = "application/x-amz-json-1.1";
        r.headers["X-Amz-Target"] = target;
        r.body = body.dump();
        return sim->send(r);
    }
    // A JSON 1.1 answer's body; the status must be `status`.
    json call(const std::string& host_prefix, const std::string& prefix, const std::string& op, const json& body,
              int status = 200) {
        HttpResponse r = post_json(host_prefix, prefix + "." + op, body);
        EXPECT_EQ(r.status, status) << op << ": " << r.body;
        EXPECT_EQ(r.headers["Content-Type"], "application/x-amz-json-1.1");
        return json::parse(r.body);
    }
    json ecs(const std::string& op, const json& body, int status = 200) { return call("ecs", kEcs, op, body, status); }

    HttpResponse post_query(const std::string& host_prefix, const std::string& form) {
        HttpRequest r;
        r.method = "POST";
        r.url = "https://" + host_prefix + ".us-east-1.amazonaws.com/";
        r.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8";
        r.body = form;
        return sim->send(r);
    }
    // Parses an XML answer into `doc`, checking the status.
    void query(const std::string& host_prefix, const std::string& form, pugi::xml_document& doc, int status = 200) {
        HttpResponse r = post_query(host_prefix, form);
        EXPECT_EQ(r.status, status) << r.body;
        ASSERT_TRUE(doc.load_string(r.body.c_str())) << r.body;
    }
    static std::string text(const pugi::xml_document& doc, const char* xpath) {
        return doc.select_node(xpath).node().text().as_string();
    }

    HttpResponse get(const std::string& url, Headers headers = {}) {
        HttpRequest r;
        r.url = url;
        r.headers = std::move(headers);
        return sim->send(r);
    }
    json github(const std::string& path_and_query, int status = 200) {
        HttpResponse r = get("https://api.github.com" + path_and_query);
        EXPECT_EQ(r.status, status) << r.body;
        return json::parse(r.body);
    }

    json service_events() {
        return ecs("DescribeServices", {{"cluster", "tiny-cluster"}, {"services", {"tiny-api"}}})["services"][0]["events"];
    }
    std::vector<std::string> task_ids(const std::string& desired) {
        json page = ecs("ListTasks", {{"cluster", "tiny-cluster"}, {"serviceName", "tiny-api"}, {"desiredStatus", desired}});
        std::vector<std::string> ids;
        for (const auto& arn : page["taskArns"]) ids.push_back(arn.get<std::string>().substr(arn.get<std::string>().rfind('/') + 1));
        return ids;
    }

    ManualClock clock{kStart};
    std::shared_ptr<World> world;
    std::unique_ptr<SimTransport> sim;
};

// ---- scenarios ---------------------------------------------------------------------------------

TEST(Scenario, ParsesTheTinyScenario) {
    auto s = parse_scenario(tiny_text());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->name, "tiny");
    EXPECT_EQ(s->start, kStart);
    EXPECT_EQ(s->account, "123456789012");
    EXPECT_EQ(s->access_key_id, "AKIDSHIPWATCHSIM");
    ASSERT_EQ(s->pipelines.size(), 1u);
    const PipelineSpec& p = s->pipelines[0];
    EXPECT_EQ(p.kind, PipelineKind::ecs);
    EXPECT_EQ(p.region, "us-east-1");
    EXPECT_EQ(p.account, "123456789012");
    EXPECT_EQ(p.cluster, "tiny-cluster");
    EXPECT_EQ(p.target_groups, std::vector<std::string>{kTg});
    EXPECT_EQ(s->expect.at("tiny-api"), "live");
    ASSERT_EQ(s->script.size(), 2u);
    EXPECT_EQ(s->script[0].at, 2min);
    EXPECT_EQ(s->script[0].every, 0ms);
    EXPECT_EQ(s->script[1].every, 10min);
    EXPECT_EQ(s->script[1].until, 35min);
}

TEST(Scenario, ErrorsNameTheScenarioAndTheMember) {
    struct Case {
        std::function<void(json&)> change;
        std::string message;
    };
    const std::vector<Case> cases = {
        {[](json& d) { d["pipelines"][0]["kind"] = "lambda"; }, "scenario tiny: pipelines[0].kind must be ecs or ec2"},
        {[](json& d) { d.erase("start"); }, "scenario tiny: start is required"},
        {[](json& d) { d["start"] = "yesterday"; }, "scenario tiny: start must be an ISO-8601 time"},
        {[](json& d) { d["account"] = "12345"; }, "scenario tiny: account must be 12 digits"},
        {[](json& d) { d["pipelines"][0].erase("cluster"); }, "scenario tiny: pipelines[0].cluster is required"},
        {[](json& d) { d["pipelines"][0]["repo"] = "tiny"; }, "scenario tiny: pipelines[0].repo must be owner/name"},
        {[](json& d) { d["pipelines"][0]["regoin"] = "x"; }, "scenario tiny: pipelines[0].regoin is not a scenario member"},
        {[](json& d) { d["pipelines"] = json::array(); }, "scenario tiny: pipelines must be a non-empty array"},
        {[](json& d) { d["expect"]["ghost"] = "live"; }, "scenario tiny: expect.ghost names no pipeline"},
        {[](json& d) { d["script"][1]["every"] = "10 minutes"; }, "scenario tiny: script[1].every must be a duration"},
        {[](json& d) { d["script"][0]["patch"][0]["op"] = "append"; }, "scenario tiny: script[0].patch[0].op must be one of"},
        {[](json& d) { d["script"][1]["patch"][1]["value"] = "1"; }, "scenario tiny: script[1].patch[1].value must be a number"},
        {[](json& d) { d["script"][0]["until"] = "1h"; }, "scenario tiny: script[0].until only applies to a step with every"},
        {[](json& d) { d["world"]["aws"]["us-east-1"]["ecs"]["clusters"]["tiny-cluster"]["services"][0].erase("serviceName"); },
         "scenario tiny: world.aws.us-east-1.ecs.clusters.tiny-cluster.services[0].serviceName is required"},
        {[](json& d) { d["world"]["http"]["https://tiny.example.com/version"]["status"] = "200"; },
         "scenario tiny: world.http[https://tiny.example.com/version].status must be an HTTP status number"},
        {[](json& d) { d.erase("name"); }, "scenario (unnamed): name is required"},
    };
    for (const auto& c : cases) {
        json doc = tiny_doc();
        c.change(doc);
        auto s = parse_scenario(doc.dump());
        ASSERT_FALSE(s) << "accepted a scenario that should fail with: " << c.message;
        EXPECT_EQ(s.error().code, "scenario");
        EXPECT_EQ(s.error().message.rfind(c.message, 0), 0u) << s.error().message;
    }
    auto broken = parse_scenario("{\"name\": ");
    ASSERT_FALSE(broken);
    EXPECT_NE(broken.error().message.find("not valid JSON"), std::string::npos);
}

TEST(Scenario, BuiltinScenariosLoadAndTheirScriptsApplyCleanlyForSixHours) {
    auto names = scenario_names();
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
    for (const auto& name : names) {
        auto s = load_builtin(name);
        ASSERT_TRUE(s) << s.error().message;
        EXPECT_EQ(s->name, name);
        ManualClock clock(s->start);
        World world(std::move(s).value(), clock);
        for (int minute = 0; minute <= 6 * 60; minute += 7) {
            clock.set(world.scenario().start + std::chrono::minutes(minute));
            world.with_state([](const json&, TimePoint) { return 0; });
        }
        EXPECT_EQ(world.script_errors(), std::vector<std::string>{}) << name;
    }
    auto unknown = load_builtin("no-such-scenario");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("no built-in scenario named 'no-such-scenario'"), std::string::npos);
}

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

// ---- GitHub ------------------------------------------------------------------------------------

TEST_F(Sim, GithubCommitsPageWithLinkHeaders) {
    HttpResponse first = get("https://api.github.com/repos/acme/tiny/commits?sha=main&per_page=2");
    ASSERT_EQ(first.status, 200);
    json commits = json::parse(first.body);
    ASSERT_EQ(commits.size(), 2u);
    EXPECT_EQ(commits[0]["sha"], "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3");
    EXPECT_EQ(commits[0]["commit"]["committer"]["date"], "2025-06-12T17:00:00Z");  // GitHub keeps ISO
    EXPECT_NE(first.headers["Link"].find("page=2&per_page=2&sha=main>; rel=\"next\""), std::string::npos) << first.headers["Link"];
    EXPECT_EQ(first.headers["X-RateLimit-Limit"], "5000");

    HttpResponse second = get("https://api.github.com/repos/acme/tiny/commits?sha=main&per_page=2&page=2");
    EXPECT_EQ(json::parse(second.body).size(), 1u);
    EXPECT_NE(second.headers["Link"].find("rel=\"prev\""), std::string::npos);
    EXPECT_EQ(second.headers["Link"].find("rel=\"next\""), std::string::npos);
}

TEST_F(Sim, GithubAnswersIfNoneMatchWith304) {
    HttpResponse first = get("https://api.github.com/repos/acme/tiny/commits?sha=main&per_page=2");
    ASSERT_FALSE(first.headers["ETag"].empty());
    HttpResponse again = get("https://api.github.com/repos/acme/tiny/commits?sha=main&per_page=2", {{"If-None-Match", first.headers["ETag"]}});
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
    HttpResponse stale = get("https://api.github.com/repos/acme/tiny/commits?sha=main&per_page=2", {{"If-None-Match", "W/\"old\""}});
    EXPECT_EQ(stale.status, 200);
}

TEST_F(Sim, GithubRunsByBranchAndWorkflowAndJobs) {
    json runs = github("/repos/acme/tiny/actions/runs?branch=main&per_page=10");
    EXPECT_EQ(runs["total_count"], 1);
    EXPECT_EQ(runs["workflow_runs"][0]["id"], 9000000002LL);
    EXPECT_EQ(runs["workflow_runs"][0]["created_at"], "2025-06-12T17:00:30Z");
    EXPECT_EQ(github("/repos/acme/tiny/actions/runs")["total_count"], 2);
    EXPECT_EQ(github("/repos/acme/tiny/actions/workflows/deploy.yml/runs?branch=main")["workflow_runs"][0]["name"], "Deploy");
    EXPECT_EQ(github("/repos/acme/tiny/actions/workflows/lint.yml/runs")["workflow_runs"][0]["name"], "Lint");
    EXPECT_EQ(github("/repos/acme/tiny/actions/workflows/515151/runs")["total_count"], 1);
    EXPECT_EQ(github("/repos/acme/tiny/actions/workflows/deploy.yml/runs?branch=feature")["total_count"], 0);
    EXPECT_EQ(github("/repos/acme/tiny/actions/workflows/nope.yml/runs", 404)["message"], "Not Found");

    json jobs = github("/repos/acme/tiny/actions/runs/9000000002/jobs");
    EXPECT_EQ(jobs["total_count"], 1);
    ASSERT_EQ(jobs["jobs"][0]["steps"].size(), 2u);
    EXPECT_EQ(jobs["jobs"][0]["steps"][1]["name"], "Deploy to ECS");
    EXPECT_EQ(github("/repos/acme/tiny/actions/runs/9000000001/jobs")["total_count"], 0);
    github("/repos/acme/tiny/actions/runs/123/jobs", 404);
    github("/repos/acme/ghost/commits", 404);
    github("/repos/acme/tiny/pulls", 404);
}

// ---- other URLs and protocol errors --------------------------------------------------------------

TEST_F(Sim, VersionEndpointsUnknownHostsAndUnreachableEndpoints) {
    HttpResponse version = get("https://tiny.example.com/version");
    EXPECT_EQ(version.status, 200);
    EXPECT_EQ(version.headers["Content-Type"], "application/json");
    EXPECT_EQ(json::parse(version.body)["sha"], "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3");
    EXPECT_EQ(get("https://tiny.example.com/other").status, 404);
    HttpResponse down = get("https://down.example.com/version");
    EXPECT_TRUE(down.transport_failed());
    EXPECT_EQ(down.error, "connection refused");
    HttpResponse unknown = get("https://nowhere.example.org/");
    EXPECT_TRUE(unknown.transport_failed());
    EXPECT_NE(unknown.error.find("could not resolve host nowhere.example.org"), std::string::npos);
    HttpResponse s3 = post_json("s3", "x", json::object());
    EXPECT_TRUE(s3.transport_failed());
}

TEST_F(Sim, MalformedJsonRequestsAnswerInTheServiceErrorShape) {
    HttpRequest no_target;
    no_target.method = "POST";
    no_target.url = "https://ecs.us-east-1.amazonaws.com/";
    no_target.body = "{}";
    HttpResponse r = sim->send(no_target);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(json::parse(r.body)["__type"], "UnknownOperationException");

    EXPECT_EQ(ecs("ListClusters", json::object(), 400)["__type"], "UnknownOperationException");
    HttpResponse garbage = post_json("ecs", std::string(kEcs) + ".DescribeServices", json::object());
    no_target.headers["X-Amz-Target"] = std::string(kEcs) + ".DescribeServices";
    no_target.body = "{not json";
    EXPECT_EQ(json::parse(sim->send(no_target).body)["__type"], "SerializationException");
    EXPECT_EQ(ecs("DescribeServices", {{"cluster", 7}, {"services", {"tiny-api"}}}, 400)["__type"], "SerializationException");
    EXPECT_EQ(json::parse(garbage.body)["__type"], "InvalidParameterException");  // services missing
    // The wrong service's target on a host is unknown there.
    EXPECT_EQ(call("logs", kEcs, "DescribeServices", json::object(), 400)["__type"], "UnknownOperationException");
}

TEST_F(Sim, RoutesByTheSigV4ScopeWhenTheHostIsALoopbackServer) {
    HttpRequest r;
    r.method = "POST";
    r.url = "http://127.0.0.1:8123/";
    r.headers["X-Amz-Target"] = std::string(kEcs) + ".DescribeServices";
    r.headers["Authorization"] =
        "AWS4-HMAC-SHA256 Credential=AKIDSHIPWATCHSIM/20250612/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=00";
    r.body = json{{"cluster", "tiny-cluster"}, {"services", {"tiny-api"}}}.dump();
    HttpResponse answer = sim->send(r);
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(json::parse(answer.body)["services"][0]["serviceName"], "tiny-api");
}

// ---- the script ----------------------------------------------------------------------------------

TEST_F(Sim, OnceStepFiresAtItsTimeExactlyOnceWithTemplates) {
    auto once_events = [&] {
        std::vector<json> found;
        for (const json& e : service_events())
            if (e["id"].get<std::string>().rfind("ev-once", 0) == 0) found.push_back(e);
        return found;
    };
    at(2min - 1s);
    EXPECT_TRUE(once_events().empty());
    EXPECT_EQ(json::parse(get("https://tiny.example.com/version").body)["sha"], "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3");
    at(2min);
    auto events = once_events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0]["id"], "ev-once-1");  // ${seq}: the first firing of this world
    EXPECT_DOUBLE_EQ(events[0]["createdAt"].get<double>(), epoch("2025-06-12T17:42:00Z"));  // ${now}: scheduled time
    EXPECT_EQ(events[0]["message"], "(service tiny-api) once at 2025-06-12T17:40:30Z");  // ${now-90s}
    EXPECT_EQ(json::parse(get("https://tiny.example.com/version").body)["sha"], "d4d4d4d");
    at(3h);
    EXPECT_EQ(once_events().size(), 1u);
}

TEST_F(Sim, RepeatingStepFiresEveryIntervalUntilItsEnd) {
    auto failed = [&] {
        return ecs("DescribeServices", {{"cluster", "tiny-cluster"}, {"services", {"tiny-api"}}})["services"][0]["deployments"][0]
            ["failedTasks"].get<int>();
    };
    const std::vector<std::pair<Duration, int>> expected = {
        {4min, 0}, {5min, 1}, {14min, 1}, {15min, 2}, {34min, 3}, {35min, 4}, {36min, 4}, {2h, 4}};
    for (const auto& [when, count] : expected) {
        at(when);
        EXPECT_EQ(failed(), count) << "at +" << when.count() / 1000 << "s";
    }
    EXPECT_TRUE(world->script_errors().empty());
}

TEST_F(Sim, AJumpAppliesEveryDueFiringInTimeOrder) {
    at(40min);
    json runs = github("/repos/acme/tiny/actions/runs?per_page=100")["workflow_runs"];
    ASSERT_EQ(runs.size(), 6u);  // 2 + 4 firings
    // Inserted at the front, so the newest firing (seq 5: the once step at 2m took seq 1) is first.
    EXPECT_EQ(runs[0]["id"], 9100000005LL);  // "${seq+9100000000}" becomes a number
    EXPECT_EQ(runs[0]["run_number"], 5);
    EXPECT_EQ(runs[0]["created_at"], "2025-06-12T18:15:00Z");
    EXPECT_EQ(runs[3]["id"], 9100000002LL);
    EXPECT_EQ(runs[3]["created_at"], "2025-06-12T17:45:00Z");
    json events = service_events();
    ASSERT_EQ(events.size(), 7u);
    std::string id = events[0]["id"];
    ASSERT_EQ(id.size(), 11u);  // "ev-" + ${hex8}
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 3), std::string::npos);
    EXPECT_NE(events[0]["id"], events[1]["id"]);
}

TEST_F(Sim, StepsDueAtTheSameTimeApplyInScriptOrder) {
    json doc = tiny_doc();
    const std::string events = "/aws/us-east-1/ecs/clusters/tiny-cluster/services/0/events/0";
    auto step = [&](const char* id) {
        return json{{"at", "1m"},
                    {"patch", {{{"op", "add"}, {"path", events}, {"value", {{"id", std::string(id) + "-${seq}"}, {"createdAt", "${now}"}, {"message", id}}}}}}};
    };
    doc["script"] = json::array({step("first"), step("second")});
    load(doc);
    at(5min);
    json e = service_events();
    ASSERT_EQ(e.size(), 4u);
    EXPECT_EQ(e[0]["id"], "second-2");  // same createdAt: the later insertion stays in front
    EXPECT_EQ(e[1]["id"], "first-1");
}

TEST_F(Sim, TemplatesAreDeterministicAcrossWorlds) {
    at(40min);
    json first = service_events();
    ManualClock other_clock(kStart + 40min);
    SimTransport other_sim(std::make_shared<World>(parse_scenario(tiny_text()).value(), other_clock));
    HttpRequest r;
    r.method = "POST";
    r.url = "https://ecs.us-east-1.amazonaws.com/";
    r.headers["X-Amz-Target"] = std::string(kEcs) + ".DescribeServices";
    r.body = json{{"cluster", "tiny-cluster"}, {"services", {"tiny-api"}}}.dump();
    EXPECT_EQ(json::parse(other_sim.send(r).body)["services"][0]["events"], first);
}

TEST_F(Sim, AFailingStepIsSkippedWholeAndReported) {
    json doc = tiny_doc();
    doc["script"] = json::array({{{"at", "1m"},
                                  {"patch", {{{"op", "add"}, {"path", "/http/https:~1~1tiny.example.com~1extra"},
                                              {"value", {{"status", 200}, {"body", "x"}}}},
                                             {{"op", "increment"}, {"path", "/aws/us-east-1/ecs/clusters/tiny-cluster/services/0/serviceName"},
                                              {"value", 1}}}}}});
    load(doc);
    at(1min);
    EXPECT_EQ(get("https://tiny.example.com/extra").status, 404);  // the add was rolled back too
    auto errors = world->script_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("scenario tiny: script[0] at 2025-06-12T17:41:00Z"), std::string::npos) << errors[0];
}

TEST_F(Sim, ServiceEventsAreCappedAtTheNewestHundred) {
    json doc = tiny_doc();
    doc["script"] = json::array({{{"at", "0s"}, {"every", "1m"},
                                  {"patch", {{{"op", "add"}, {"path", "/aws/us-east-1/ecs/clusters/tiny-cluster/services/0/events/-"},
                                              {"value", {{"id", "e${seq}"}, {"createdAt", "${now}"}, {"message", "tick ${seq}"}}}}}}}});
    load(doc);
    at(3h);  // 181 firings + 2 events from the document
    json events = service_events();
    ASSERT_EQ(events.size(), 100u);
    EXPECT_EQ(events[0]["id"], "e181");  // appended at the end, still returned newest first
    EXPECT_DOUBLE_EQ(events[0]["createdAt"].get<double>(), epoch("2025-06-12T20:40:00Z"));
    EXPECT_EQ(events[99]["id"], "e82");
    world->with_state([](const json& state, TimePoint) {
        EXPECT_EQ(state["aws"]["us-east-1"]["ecs"]["clusters"]["tiny-cluster"]["services"][0]["events"].size(), 100u);
        return 0;
    });
}

TEST_F(Sim, StoppedTasksAreDroppedAnHourAfterTheyStop) {
    EXPECT_EQ(task_ids("STOPPED"), std::vector<std::string>{"bbbb2222"});
    at(29min);  // 18:09, bbbb2222 stopped 17:09:40; script tasks stopped at 17:45, 17:55, 18:05
    EXPECT_EQ(task_ids("STOPPED").size(), 4u);
    at(30min);  // 18:10: bbbb2222 is more than an hour old
    auto ids = task_ids("STOPPED");
    EXPECT_EQ(ids.size(), 3u);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), "bbbb2222"), 0);
    at(2h);  // every script task stopped by 18:15, so all are gone from the world itself
    EXPECT_TRUE(task_ids("STOPPED").empty());
    world->with_state([](const json& state, TimePoint) {
        const json& tasks = state["aws"]["us-east-1"]["ecs"]["clusters"]["tiny-cluster"]["tasks"];
        EXPECT_EQ(tasks.size(), 2u);  // the two running ones
        return 0;
    });
}

// ---- counters and concurrency --------------------------------------------------------------------

TEST_F(Sim, CountsCallsPerOperationAcrossThreads) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                post_json("ecs", std::string(kEcs) + ".DescribeServices", {{"cluster", "tiny-cluster"}, {"services", {"tiny-api"}}});
                get("https://api.github.com/repos/acme/tiny/commits?sha=main");
            }
        });
    for (auto& t : threads) t.join();
    get("https://tiny.example.com/version?x=1");
    post_query("ec2", "Action=DescribeInstances&Version=2016-11-15");
    auto counts = sim->call_counts();
    EXPECT_EQ(counts["ecs:DescribeServices"], 100);
    EXPECT_EQ(counts["github:repos/list-commits"], 100);
    EXPECT_EQ(counts["http:https://tiny.example.com/version"], 1);
    EXPECT_EQ(counts["ec2:DescribeInstances"], 1);
    EXPECT_EQ(counts.count("secretsmanager:GetSecretValue"), 0u);
}

// ---- the real clients read the simulator's answers -----------------------------------------------

TEST_F(Sim, ShipwatchClientsParseTheSimulatorsAnswers) {
    aws::AwsContext ctx{sim.get(), "us-east-1", aws::Endpoints("us-east-1")};
    auto services = aws::EcsClient(ctx).describe_services("tiny-cluster", {"tiny-api"});
    ASSERT_TRUE(services) << services.error().message;
    EXPECT_EQ(services->at(0).deployments.at(0).created, parse_iso8601("2025-06-12T17:06:00Z").value());
    EXPECT_TRUE(services->at(0).circuit_breaker);

    auto images = aws::EcrClient(ctx).describe_images("tiny", {"latest", "v9"}, {});
    ASSERT_TRUE(images) << images.error().message;
    ASSERT_EQ(images->size(), 1u);
    EXPECT_EQ(images->at(0).pushed_at, parse_iso8601("2025-06-12T17:04:00Z").value());

    auto user_data = aws::Ec2Client(ctx).user_data("i-0123456789abcdef0");
    ASSERT_TRUE(user_data) << user_data.error().message;
    EXPECT_NE(user_data->find("git clone https://github.com/acme/tiny"), std::string::npos);

    auto secret = aws::SecretsClient(ctx).describe_secret("tiny/db");
    ASSERT_TRUE(secret) << secret.error().message;
    EXPECT_EQ(secret->last_changed, parse_iso8601("2025-06-12T16:29:00Z").value());

    github::GithubClient gh(github::GithubContext{sim.get(), "https://api.github.com", ""});
    auto commits = gh.commits("acme/tiny", "main", 2);
    ASSERT_TRUE(commits) << commits.error().message;
    EXPECT_EQ(commits->at(0).pull_request, 3);
    auto runs = gh.workflow_runs("acme/tiny", "main", "deploy.yml", 5);
    ASSERT_TRUE(runs) << runs.error().message;
    EXPECT_EQ(runs->at(0).id, "9000000002");
    EXPECT_EQ(sim->call_counts().count("secretsmanager:GetSecretValue"), 0u);
}

}  // namespace
}  // namespace shipwatch::sim

// The simulator's GitHub REST, version endpoints, malformed requests and routing, and
// shipwatch's own clients reading its answers.
#include <gtest/gtest.h>

#include "sim_fixture.hpp"

namespace shipwatch::sim {
namespace {

using namespace shipwatch::sim::testing;
using nlohmann::json;
using namespace std::chrono_literals;

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


// ---- the real clients read the simulator's answers -----------------------------------------------

TEST_F(Sim, ShipwatchClientsParseTheSimulatorsAnswers) {
    aws::AwsContext ctx{sim.get(), "us-east-1", aws::Endpoints("us-east-1")};
    auto services = aws::EcsClient(ctx).describe_services("tiny-cluster", {"tiny-api"});
    ASSERT_TRUE(services) << services.error().message;
    EXPECT_EQ(services->at(0).deployments.at(0).created, parse_iso8601("2025-06-12T17:06:00Z").value());
    EXPECT_EQ(services->at(0).circuit_breaker, true);

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

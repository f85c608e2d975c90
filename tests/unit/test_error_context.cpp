// Errors that can be acted on: every client's error names the call, the resource, the region and
// the credentials it went out with; the engine's copies say which call they stand for; the
// presenters write one format; a time ahead of `now` reads as clock skew, not "0s ago".
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/analysis.hpp"
#include "model/diagnosis.hpp"
#include "report/report.hpp"
#include "sources/aws/clients.hpp"
#include "sources/aws/credentials.hpp"
#include "sources/github/github_client.hpp"
#include "sources/version/version_client.hpp"
#include "unit/scripted_transport.hpp"
#include "unit/snapshot_builder.hpp"

namespace shipwatch {
namespace {

using testing::data_file;
using testing::ScriptedTransport;

aws::AwsContext aws_context(ScriptedTransport& transport) {
    aws::AwsContext ctx;
    ctx.transport = &transport;
    ctx.region = "us-west-2";
    ctx.endpoints = aws::Endpoints("us-west-2");
    ctx.profile = "profile prod";
    return ctx;
}

const Headers kJson{{"Content-Type", "application/x-amz-json-1.1"}};

HttpResponse cluster_not_found() {
    return testing::response(400, R"({"__type":"ClusterNotFoundException","message":"Cluster not found."})", kJson);
}

void expect_context(const Error& e, const std::string& call, const std::string& resource) {
    EXPECT_EQ(e.context.call, call);
    EXPECT_EQ(e.context.resource, resource);
    EXPECT_EQ(e.context.region, "us-west-2");
    EXPECT_EQ(e.context.profile, "profile prod");
}

// ---- AWS clients ------------------------------------------------------------------------------

TEST(ErrorContext, EcsErrorsNameCallClusterServiceRegionAndProfile) {
    ScriptedTransport transport;
    transport.push(cluster_not_found());
    auto services = aws::EcsClient(aws_context(transport)).describe_services("payments-prod", {"api"});
    ASSERT_FALSE(services);
    const Error& e = services.error();
    expect_context(e, "ecs:DescribeServices", "cluster payments-prod service api");
    // Code and message stay what the answer said, for the code that decides on them.
    EXPECT_EQ(e.code, "ClusterNotFoundException");
    EXPECT_EQ(e.message, "Cluster not found.");
    EXPECT_EQ(describe(e), "ecs:DescribeServices cluster payments-prod service api (us-west-2, profile prod): "
                           "ClusterNotFoundException: Cluster not found.");
}

TEST(ErrorContext, EcsTaskAndTaskDefinitionCalls) {
    ScriptedTransport transport;
    transport.on_request([](const HttpRequest&) { return cluster_not_found(); });
    aws::EcsClient ecs(aws_context(transport));
    auto page = ecs.list_tasks_page("payments-prod", "api", "RUNNING", "");
    ASSERT_FALSE(page);
    expect_context(page.error(), "ecs:ListTasks", "cluster payments-prod service api");
    auto cluster_wide = ecs.list_tasks("payments-prod", "", "STOPPED");
    ASSERT_FALSE(cluster_wide);
    expect_context(cluster_wide.error(), "ecs:ListTasks", "cluster payments-prod");
    auto tasks = ecs.describe_tasks("payments-prod", {"arn:aws:ecs:us-west-2:1:task/payments-prod/abc"});
    ASSERT_FALSE(tasks);
    expect_context(tasks.error(), "ecs:DescribeTasks", "cluster payments-prod task abc");
    auto td = ecs.describe_task_definition("payments-api:31");
    ASSERT_FALSE(td);
    expect_context(td.error(), "ecs:DescribeTaskDefinition", "task definition payments-api:31");
}

TEST(ErrorContext, EcsMissingServiceNamesTheService) {
    ScriptedTransport transport;
    transport.push(200, data_file("aws/ecs_describe_services_missing.json"));
    auto services = aws::EcsClient(aws_context(transport)).describe_services("prod", {"ghost"});
    ASSERT_FALSE(services);
    EXPECT_EQ(services.error().code, "ServiceNotFound");
    expect_context(services.error(), "ecs:DescribeServices", "cluster prod service ghost");
    EXPECT_NE(services.error().message.find("ghost"), std::string::npos);
}

TEST(ErrorContext, ParseErrorsCarryTheCallToo) {
    ScriptedTransport transport;
    transport.push(200, R"({"services":[{"serviceName":"api"}]})", kJson);  // no serviceArn
    auto services = aws::EcsClient(aws_context(transport)).describe_services("c", {"api"});
    ASSERT_FALSE(services);
    EXPECT_EQ(services.error().kind, ErrorKind::parse);
    expect_context(services.error(), "ecs:DescribeServices", "cluster c service api");
}

TEST(ErrorContext, EcrCodeBuildLogsAndSecrets) {
    ScriptedTransport transport;
    transport.on_request([](const HttpRequest&) {
        return testing::response(400, R"({"__type":"ResourceNotFoundException","message":"not there"})", kJson);
    });
    auto ctx = aws_context(transport);
    auto images = aws::EcrClient(ctx).recent_images("payments-api");
    ASSERT_FALSE(images);
    expect_context(images.error(), "ecr:DescribeImages", "repository payments-api");
    auto builds = aws::CodeBuildClient(ctx).recent_builds("deploy-prod");
    ASSERT_FALSE(builds);
    expect_context(builds.error(), "codebuild:ListBuildsForProject", "project deploy-prod");
    auto logs = aws::LogsClient(ctx).filter("/ecs/api", "ready", TimePoint{});
    ASSERT_FALSE(logs);
    expect_context(logs.error(), "logs:FilterLogEvents", "log group /ecs/api");
    auto secret = aws::SecretsClient(ctx).describe_secret("arn:aws:secretsmanager:us-west-2:1:secret:db-AbCdEf");
    ASSERT_FALSE(secret);
    expect_context(secret.error(), "secretsmanager:DescribeSecret", "secret arn:aws:secretsmanager:us-west-2:1:secret:db-AbCdEf");
}

TEST(ErrorContext, CodeBuildSecondCallKeepsItsOwnName) {
    ScriptedTransport transport;
    transport.push(200, R"({"ids":["deploy-prod:7e0c9a4e"]})", kJson);  // one page
    transport.on_request([](const HttpRequest&) {
        return testing::response(400, R"({"__type":"AccessDeniedException","message":"no"})", kJson);
    });
    auto builds = aws::CodeBuildClient(aws_context(transport)).recent_builds("deploy-prod");
    ASSERT_FALSE(builds);
    expect_context(builds.error(), "codebuild:BatchGetBuilds", "project deploy-prod");
}

TEST(ErrorContext, Elbv2AndEc2) {
    ScriptedTransport transport;
    transport.on_request([](const HttpRequest&) { return testing::response(400, data_file("aws/elbv2_error_not_found.xml")); });
    auto ctx = aws_context(transport);
    const std::string tg = "arn:aws:elasticloadbalancing:us-west-2:1:targetgroup/api/0123456789abcdef";
    auto health = aws::Elbv2Client(ctx).describe_target_health(tg);
    ASSERT_FALSE(health);
    expect_context(health.error(), "elasticloadbalancing:DescribeTargetHealth", "target group " + tg);
    EXPECT_EQ(describe(health.error()),
              "elasticloadbalancing:DescribeTargetHealth target group " + tg +
                  " (us-west-2, profile prod): TargetGroupNotFound: One or more target groups not found");
    auto groups = aws::Elbv2Client(ctx).describe_target_groups({"api-tg", "web-tg"});
    ASSERT_FALSE(groups);
    expect_context(groups.error(), "elasticloadbalancing:DescribeTargetGroups", "target groups api-tg, web-tg");
    auto dns = aws::Elbv2Client(ctx).load_balancer_dns({"arn:lb"});
    ASSERT_FALSE(dns);
    expect_context(dns.error(), "elasticloadbalancing:DescribeLoadBalancers", "load balancer arn:lb");
    auto instances = aws::Ec2Client(ctx).describe_instances({"i-0c5a5c767bec5c27e"});
    ASSERT_FALSE(instances);
    expect_context(instances.error(), "ec2:DescribeInstances", "instance i-0c5a5c767bec5c27e");
    auto user_data = aws::Ec2Client(ctx).user_data("i-1");
    ASSERT_FALSE(user_data);
    expect_context(user_data.error(), "ec2:DescribeInstanceAttribute", "instance i-1");
}

TEST(ErrorContext, TransportFailuresAreNamedToo) {
    ScriptedTransport transport;  // nothing scripted: "no scripted response", no status
    auto services = aws::EcsClient(aws_context(transport)).describe_services("payments-prod", {"api"});
    ASSERT_FALSE(services);
    EXPECT_EQ(services.error().kind, ErrorKind::transport);
    expect_context(services.error(), "ecs:DescribeServices", "cluster payments-prod service api");
}

TEST(ErrorContext, CredentialsLabelFollowsTheChainsOrder) {
    auto env = [](std::map<std::string, std::string> vars) {
        vars.emplace("AWS_CONFIG_FILE", "/dev/null");
        vars.emplace("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
        return aws::fixed_environment(vars);
    };
    EXPECT_EQ(aws::credentials_label("prod", env({{"AWS_ACCESS_KEY_ID", "AKID"}})), "profile prod");
    EXPECT_EQ(aws::credentials_label("", env({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_PROFILE", "dev"}})),
              "env AWS_ACCESS_KEY_ID");
    EXPECT_EQ(aws::credentials_label("", env({{"AWS_PROFILE", "dev"}})), "profile dev (AWS_PROFILE)");
    EXPECT_EQ(aws::credentials_label("", env({})), "no profile (container or instance credentials)");
}

// ---- GitHub and version endpoints -------------------------------------------------------------

TEST(ErrorContext, GithubErrorsNameTheRequestAndTheBranchOrRun) {
    ScriptedTransport transport;
    transport.on_request([](const HttpRequest&) { return testing::response(404, R"({"message":"Not Found"})"); });
    github::GithubClient client(github::GithubContext{&transport, "https://api.github.com", ""});
    auto commits = client.commits("acme/api", "main", 5);
    ASSERT_FALSE(commits);
    EXPECT_EQ(commits.error().context.call, "github:GET /repos/acme/api/commits");
    EXPECT_EQ(commits.error().context.resource, "branch main");
    EXPECT_EQ(describe(commits.error()), "github:GET /repos/acme/api/commits branch main: HTTP 404: Not Found");
    auto runs = client.workflow_runs("acme/api", "main", "deploy.yml", 5);
    ASSERT_FALSE(runs);
    EXPECT_EQ(runs.error().context.call, "github:GET /repos/acme/api/actions/workflows/deploy.yml/runs");
    auto steps = client.run_steps("acme/api", "42");
    ASSERT_FALSE(steps);
    EXPECT_EQ(steps.error().context.call, "github:GET /repos/acme/api/actions/runs/42/jobs");
    EXPECT_EQ(steps.error().context.resource, "run 42");
}

TEST(ErrorContext, VersionCallHidesCredentialsAndQuery) {
    EXPECT_EQ(version_call("https://app.example/version").call, "GET https://app.example/version");
    EXPECT_EQ(version_call("https://user:s3cret@app.example:8443/v?token=abc&env=prod").call,
              "GET https://***@app.example:8443/v?token=***&env=prod");
    EXPECT_EQ(version_call("http://app.example/health#x").call, "GET http://app.example/health");
}

// ---- The engine's copies and the presenters ----------------------------------------------------

PipelineSnapshot cluster_missing() {
    PipelineSnapshot s = testing::healthy_snapshot();
    FetchError e{Source::ecs, "ClusterNotFoundException", "Cluster not found.", s.now,
                 {"ecs:DescribeServices", "cluster payments-prod service api", "us-west-2", "profile prod"}};
    s.service.error = e;
    s.service.value.reset();
    s.service.fetched_at.reset();
    FetchError copy = e;
    copy.upstream = true;  // what the engine stores in the parts it could not ask
    s.images.error = copy;
    s.images.value.reset();
    s.images.fetched_at.reset();
    return s;
}

TEST(ErrorContext, StageSummariesNameTheCallAndAnUpstreamCopySaysSo) {
    PipelineAnalysis a = analyze(cluster_missing());
    const StageReport* image = nullptr;
    for (const auto& st : a.diagnosis.stages)
        if (st.id == Stage::image) image = &st;
    ASSERT_NE(image, nullptr);
    EXPECT_EQ(image->summary, "registry not read: ecs:DescribeServices cluster payments-prod service api "
                              "(us-west-2, profile prod) failed: ClusterNotFoundException: Cluster not found.");
    // The service's error is one finding, not one per part that could not be asked.
    int findings = 0;
    for (const auto& f : a.diagnosis.findings)
        if (f.message.find("ClusterNotFoundException") != std::string::npos) ++findings;
    EXPECT_EQ(findings, 1);
}

TEST(ErrorContext, JsonErrorObjectCarriesTheContext) {
    nlohmann::json doc = tui::to_json(analyze(cluster_missing()));
    const nlohmann::json* service = nullptr;
    const nlohmann::json* images = nullptr;
    for (const auto& src : doc["sources"]) {
        if (src["source"] == "service") service = &src;
        if (src["source"] == "images") images = &src;
        if (src["error"].is_null()) EXPECT_FALSE(src.contains("error_detail")) << src.dump();
    }
    ASSERT_TRUE(service && images);
    const auto& d = (*service)["error_detail"];
    EXPECT_EQ(d["call"], "ecs:DescribeServices");
    EXPECT_EQ(d["resource"], "cluster payments-prod service api");
    EXPECT_EQ(d["region"], "us-west-2");
    EXPECT_EQ(d["profile"], "profile prod");
    EXPECT_EQ(d["code"], "ClusterNotFoundException");
    EXPECT_EQ(d["message"], "Cluster not found.");
    EXPECT_EQ(d["upstream"], false);
    EXPECT_EQ((*images)["error_detail"]["upstream"], true);
    EXPECT_EQ((*service)["error"], "ecs:DescribeServices cluster payments-prod service api (us-west-2, profile prod): "
                                   "ClusterNotFoundException: Cluster not found. (at 15:00:00)");
}

TEST(ErrorContext, WithoutContextTheOldTextStays) {
    FetchError e{Source::ecs, "AccessDeniedException", "User x is not authorized", testing::at("2025-06-10T16:34:02Z")};
    EXPECT_EQ(describe(e), "ecs: AccessDeniedException: User x is not authorized (at 16:34:02)");
}

// ---- Times ahead of now ------------------------------------------------------------------------

TEST(ClockSkew, AFutureTimeIsSaidToBeOne) {
    TimePoint now = testing::at("2025-06-10T15:00:00Z");
    EXPECT_EQ(format_ago(now - std::chrono::seconds(42), now), "42s ago");
    EXPECT_EQ(format_ago(now + std::chrono::milliseconds(400), now), "0s ago");  // rounding, not skew
    EXPECT_EQ(format_ago(now + std::chrono::minutes(2), now), "in the future: clock skew of 2m?");
}

TEST(ClockSkew, ABuildFinishedAfterNowIsNotZeroSecondsAgo) {
    PipelineSnapshot s = testing::healthy_snapshot();
    auto& runs = *s.builds.value;
    runs.front().finished = s.now + std::chrono::minutes(2);
    PipelineAnalysis a = analyze(s);
    const StageReport* build = nullptr;
    for (const auto& st : a.diagnosis.stages)
        if (st.id == Stage::build) build = &st;
    ASSERT_NE(build, nullptr);
    EXPECT_EQ(build->summary.find("0s ago"), std::string::npos) << build->summary;
    EXPECT_NE(build->summary.find("succeeded in the future: clock skew of 2m?"), std::string::npos) << build->summary;
    // The text report's evidence and timeline say it too.
    std::string text = tui::render_text({a});
    EXPECT_NE(text.find("[2025-06-10T15:02:00Z, in the future: clock skew of 2m?]"), std::string::npos) << text;
    EXPECT_NE(text.find("2025-06-10T15:02:00Z      2m ahead"), std::string::npos) << text;
}

}  // namespace
}  // namespace shipwatch

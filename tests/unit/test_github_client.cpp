// GitHub client against recorded answers (tests/data/github): headers, Link pagination,
// the ETag cache, rate limits and the mapping to commits, runs and steps.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sources/github/github_client.hpp"
#include "unit/scripted_transport.hpp"

namespace shipwatch::github {
namespace {

using testing::data_file;
using testing::ScriptedTransport;

GithubContext context(ScriptedTransport& transport, std::string token = "ghp_testtoken") {
    GithubContext ctx;
    ctx.transport = &transport;
    ctx.api_url = "https://api.github.com";
    ctx.token = std::move(token);
    return ctx;
}

Headers rate_headers(int remaining, std::string etag = {}) {
    Headers h{{"x-ratelimit-limit", "5000"},
              {"x-ratelimit-remaining", std::to_string(remaining)},
              {"x-ratelimit-reset", "1749750000"},
              {"Content-Type", "application/json; charset=utf-8"}};
    if (!etag.empty()) h["ETag"] = etag;
    return h;
}

TEST(GithubClient, CommitsRequestHeadersAndParsing) {
    ScriptedTransport transport;
    transport.push(200, data_file("github/commits_page1.json"), rate_headers(4999));
    GithubClient client(context(transport));
    auto commits = client.commits("streamr-dev/network", "main", 2);
    ASSERT_TRUE(commits) << commits.error().message;

    ASSERT_EQ(transport.requests.size(), 1u);
    const HttpRequest& r = transport.requests[0];
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.url, "https://api.github.com/repos/streamr-dev/network/commits?sha=main&per_page=2");
    EXPECT_EQ(r.headers.at("Accept"), "application/vnd.github+json");
    EXPECT_EQ(r.headers.at("X-GitHub-Api-Version"), "2022-11-28");
    EXPECT_EQ(r.headers.at("User-Agent"), "shipwatch");
    EXPECT_EQ(r.headers.at("Authorization"), "Bearer ghp_testtoken");
    EXPECT_EQ(r.headers.count("If-None-Match"), 0u);
    EXPECT_TRUE(r.aws_service.empty());

    ASSERT_EQ(commits->size(), 2u);
    const Commit& squash = commits->at(0);
    EXPECT_EQ(squash.sha, "194af44e2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e");
    EXPECT_EQ(squash.message, "Fix reconnect backoff (#70)");
    EXPECT_EQ(squash.author, "Ada Lovelace");
    EXPECT_EQ(squash.time, parse_iso8601("2025-06-12T16:20:00Z").value());
    EXPECT_EQ(squash.pull_request, 70);
    EXPECT_EQ(squash.url, "https://github.com/streamr-dev/network/commit/194af44e2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e");
    EXPECT_EQ(commits->at(1).pull_request, 69);  // "Merge pull request #69 from ..."

    RateLimit rate = client.rate_limit();
    EXPECT_EQ(rate.limit, 5000);
    EXPECT_EQ(rate.remaining, 4999);
    EXPECT_EQ(rate.reset_epoch, 1749750000);
}

TEST(GithubClient, AnonymousHasNoAuthorization) {
    ScriptedTransport transport;
    transport.push(200, "[]");
    GithubClient client(context(transport, ""));
    ASSERT_TRUE(client.commits("a/b", "main", 5));
    EXPECT_EQ(transport.requests[0].headers.count("Authorization"), 0u);
}

TEST(GithubClient, FollowsLinkNextOnlyAsFarAsNeeded) {
    ScriptedTransport transport;
    std::string next = "https://api.github.com/repositories/123/commits?sha=main&per_page=2&page=2";
    Headers first = rate_headers(4998);
    first["Link"] = "<" + next + ">; rel=\"next\", <https://api.github.com/repositories/123/commits?sha=main&per_page=2&page=9>; rel=\"last\"";
    transport.push(200, data_file("github/commits_page1.json"), first);
    Headers second = rate_headers(4997);
    second["Link"] = "<https://api.github.com/repositories/123/commits?sha=main&per_page=2&page=3>; rel=\"next\"";
    transport.push(200, data_file("github/commits_page2.json"), second);

    GithubClient client(context(transport));
    auto commits = client.commits("streamr-dev/network", "main", 3);
    ASSERT_TRUE(commits) << commits.error().message;
    ASSERT_EQ(transport.requests.size(), 2u);  // page 3 is never asked for
    EXPECT_EQ(transport.requests[1].url, next);
    ASSERT_EQ(commits->size(), 3u);
    // No commit.author name: the account login stands in.
    EXPECT_EQ(commits->at(2).author, "release-bot");
    EXPECT_FALSE(commits->at(2).pull_request.has_value());
}

TEST(GithubClient, EtagNotModifiedAnswersFromCache) {
    ScriptedTransport transport;
    transport.push(200, data_file("github/commits_page1.json"), rate_headers(4999, "W/\"0a1b2c3d\""));
    transport.push(304, "", rate_headers(4999, "W/\"0a1b2c3d\""));
    GithubClient client(context(transport));

    auto fresh = client.commits("streamr-dev/network", "main", 2);
    auto cached = client.commits("streamr-dev/network", "main", 2);
    ASSERT_TRUE(fresh);
    ASSERT_TRUE(cached) << cached.error().message;

    ASSERT_EQ(transport.requests.size(), 2u);
    EXPECT_EQ(transport.requests[0].headers.count("If-None-Match"), 0u);
    EXPECT_EQ(transport.requests[1].headers.at("If-None-Match"), "W/\"0a1b2c3d\"");
    EXPECT_EQ(client.not_modified_count(), 1);
    ASSERT_EQ(cached->size(), 2u);
    EXPECT_EQ(cached->at(0).sha, fresh->at(0).sha);
    EXPECT_EQ(cached->at(1).pull_request, 69);
}

TEST(GithubClient, RateLimitExhaustedIsRateLimited) {
    ScriptedTransport transport;
    transport.push(403, data_file("github/rate_limited.json"), rate_headers(0));
    GithubClient client(context(transport));
    auto runs = client.workflow_runs("streamr-dev/network", "main", "", 5);
    ASSERT_FALSE(runs);
    EXPECT_EQ(runs.error().code, "RateLimited");
    EXPECT_EQ(runs.error().http_status, 403);
    EXPECT_NE(runs.error().message.find("2025-06-12T17:40:00Z"), std::string::npos) << runs.error().message;
    EXPECT_EQ(client.rate_limit().remaining, 0);
}

TEST(GithubClient, OtherErrorsCarryStatusAndMessage) {
    ScriptedTransport transport;
    transport.push(404, data_file("github/not_found.json"), rate_headers(4990));
    transport.push(502, "<html>Bad gateway</html>");
    GithubClient client(context(transport));
    auto missing = client.workflow_runs("streamr-dev/network", "main", "nope.yml", 5);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, "HTTP 404");
    EXPECT_EQ(missing.error().message, "Not Found");
    EXPECT_FALSE(missing.error().retryable);
    auto bad_gateway = client.commits("a/b", "main", 1);
    ASSERT_FALSE(bad_gateway);
    EXPECT_EQ(bad_gateway.error().code, "HTTP 502");
    EXPECT_TRUE(bad_gateway.error().retryable);
}

TEST(GithubClient, WorkflowRunsPathsAndMapping) {
    ScriptedTransport transport;
    transport.on_request([](const HttpRequest&) { return testing::response(200, data_file("github/workflow_runs.json")); });
    GithubClient client(context(transport));

    auto runs = client.workflow_runs("streamr-dev/network", "main", "build.yml", 20);
    ASSERT_TRUE(runs) << runs.error().message;
    EXPECT_EQ(transport.requests[0].url,
              "https://api.github.com/repos/streamr-dev/network/actions/workflows/build.yml/runs?branch=main&per_page=20");
    ASSERT_TRUE(client.workflow_runs("streamr-dev/network", "release/1.x", "", 5));
    EXPECT_EQ(transport.requests[1].url,
              "https://api.github.com/repos/streamr-dev/network/actions/runs?branch=release%2F1.x&per_page=5");

    ASSERT_EQ(runs->size(), 3u);
    const CiRun& running = runs->at(0);
    EXPECT_EQ(running.kind, CiKind::github_actions);
    EXPECT_EQ(running.id, "9876543210");
    EXPECT_EQ(running.name, "Build and push image");
    EXPECT_EQ(running.sha, "194af44e2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e");
    EXPECT_EQ(running.branch, "main");
    EXPECT_EQ(running.number, 42);
    EXPECT_EQ(running.status, CiStatus::in_progress);
    EXPECT_EQ(running.conclusion, CiConclusion::none);
    EXPECT_EQ(running.started, parse_iso8601("2025-06-12T16:21:05Z").value());
    EXPECT_FALSE(running.finished.has_value());
    EXPECT_EQ(running.url, "https://github.com/streamr-dev/network/actions/runs/9876543210");

    const CiRun& failed = runs->at(1);
    EXPECT_EQ(failed.status, CiStatus::completed);
    EXPECT_EQ(failed.conclusion, CiConclusion::failure);
    EXPECT_EQ(failed.finished, parse_iso8601("2025-06-11T13:58:40Z"));

    const CiRun& waiting = runs->at(2);
    EXPECT_EQ(waiting.status, CiStatus::queued);
    EXPECT_EQ(waiting.started, parse_iso8601("2025-06-10T08:01:00Z").value());  // created_at fallback
}

TEST(GithubClient, RunStepsFlattensJobs) {
    ScriptedTransport transport;
    transport.push(200, data_file("github/run_jobs.json"));
    GithubClient client(context(transport));
    auto steps = client.run_steps("streamr-dev/network", "9876543100");
    ASSERT_TRUE(steps) << steps.error().message;
    EXPECT_EQ(transport.requests[0].url,
              "https://api.github.com/repos/streamr-dev/network/actions/runs/9876543100/jobs?per_page=100");
    ASSERT_EQ(steps->size(), 4u);
    EXPECT_EQ(steps->at(0).job, "test");
    EXPECT_EQ(steps->at(0).name, "Set up job");
    EXPECT_EQ(steps->at(0).conclusion, CiConclusion::success);
    const CiStep& failed = steps->at(1);
    EXPECT_EQ(failed.name, "Run npm test");
    EXPECT_EQ(failed.status, CiStatus::completed);
    EXPECT_EQ(failed.conclusion, CiConclusion::failure);
    EXPECT_EQ(failed.started, parse_iso8601("2025-06-11T13:46:07Z"));
    EXPECT_EQ(failed.finished, parse_iso8601("2025-06-11T13:58:20Z"));
    EXPECT_EQ(steps->at(2).conclusion, CiConclusion::skipped);
    EXPECT_FALSE(steps->at(2).started.has_value());
    EXPECT_EQ(steps->at(3).job, "push-image");
    EXPECT_EQ(steps->at(3).status, CiStatus::queued);
    EXPECT_EQ(steps->at(3).conclusion, CiConclusion::none);
}

TEST(GithubClient, MalformedBodyIsParseError) {
    ScriptedTransport transport;
    transport.push(200, R"({"message":"not a list"})");
    GithubClient client(context(transport));
    auto commits = client.commits("a/b", "main", 5);
    ASSERT_FALSE(commits);
    EXPECT_EQ(commits.error().code, "parse");
}

TEST(GithubClient, TransportFailure) {
    ScriptedTransport transport;
    HttpResponse timed_out;
    timed_out.error = "timed out";
    transport.push(timed_out);
    GithubClient client(context(transport));
    auto commits = client.commits("a/b", "main", 5);
    ASSERT_FALSE(commits);
    EXPECT_EQ(commits.error().code, "transport");
    EXPECT_EQ(commits.error().message, "timed out");
    EXPECT_TRUE(commits.error().retryable);
}


// The REST API's run statuses and conclusions, written out here, each mapped into the CI
// vocabulary; a value outside them fails the fetch naming the member.
Result<std::vector<CiRun>> runs_answer(const std::vector<std::pair<std::string, nlohmann::json>>& status_and_conclusion) {
    nlohmann::json runs = nlohmann::json::array();
    for (size_t i = 0; i < status_and_conclusion.size(); ++i)
        runs.push_back({{"id", i},
                        {"run_number", i},
                        {"head_sha", "194af44e2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e"},
                        {"status", status_and_conclusion[i].first},
                        {"conclusion", status_and_conclusion[i].second}});
    ScriptedTransport transport;
    transport.push(200, nlohmann::json{{"total_count", runs.size()}, {"workflow_runs", runs}}.dump(), rate_headers(4999));
    return GithubClient(context(transport)).workflow_runs("o/r", "main", "", 50);
}

TEST(GithubStates, EveryRunStatusMapsIntoTheCiVocabulary) {
    const std::pair<const char*, CiStatus> documented[] = {
        {"queued", CiStatus::queued},   {"in_progress", CiStatus::in_progress}, {"completed", CiStatus::completed},
        {"waiting", CiStatus::queued},  {"requested", CiStatus::queued},        {"pending", CiStatus::queued}};
    std::vector<std::pair<std::string, nlohmann::json>> answers;
    for (const auto& [text, value] : documented) answers.emplace_back(text, nullptr);
    auto runs = runs_answer(answers);
    ASSERT_TRUE(runs) << runs.error().message;
    ASSERT_EQ(runs->size(), std::size(documented));
    for (size_t i = 0; i < runs->size(); ++i) EXPECT_EQ(runs->at(i).status, documented[i].second) << documented[i].first;
}

TEST(GithubStates, EveryConclusionMapsIntoTheCiVocabulary) {
    const std::pair<const char*, CiConclusion> documented[] = {
        {"success", CiConclusion::success},     {"failure", CiConclusion::failure},
        {"startup_failure", CiConclusion::failure}, {"cancelled", CiConclusion::cancelled},
        {"timed_out", CiConclusion::timed_out}, {"skipped", CiConclusion::skipped},
        {"neutral", CiConclusion::other},       {"action_required", CiConclusion::other},
        {"stale", CiConclusion::other}};
    std::vector<std::pair<std::string, nlohmann::json>> answers;
    for (const auto& [text, value] : documented) answers.emplace_back("completed", text);
    answers.emplace_back("in_progress", nullptr);
    auto runs = runs_answer(answers);
    ASSERT_TRUE(runs) << runs.error().message;
    ASSERT_EQ(runs->size(), std::size(documented) + 1);
    for (size_t i = 0; i < std::size(documented); ++i)
        EXPECT_EQ(runs->at(i).conclusion, documented[i].second) << documented[i].first;
    EXPECT_EQ(runs->back().conclusion, CiConclusion::none) << "a null conclusion is none";
}

TEST(GithubStates, UnknownStatusOrConclusionIsRefused) {
    auto status = runs_answer({{"paused", nullptr}});
    ASSERT_FALSE(status);
    EXPECT_NE(status.error().message.find("status 'paused' is not a value shipwatch knows (queued, in_progress, completed, "
                                          "waiting, requested, pending)"),
              std::string::npos)
        << status.error().message;
    auto conclusion = runs_answer({{"completed", "partial"}});
    ASSERT_FALSE(conclusion);
    EXPECT_NE(conclusion.error().message.find("conclusion 'partial' is not a value shipwatch knows (success, failure, "
                                              "startup_failure, cancelled, timed_out, skipped, neutral, action_required, stale)"),
              std::string::npos)
        << conclusion.error().message;
}

}  // namespace
}  // namespace shipwatch::github

namespace shipwatch::github {
namespace {

// Issue 13: the token went to a Link rel="next" URL on another origin.
TEST(GithubHostile, ANextPageOnAnotherOriginIsNotFollowedAndGetsNoToken) {
    ScriptedTransport transport;
    Headers h = rate_headers(4999);
    h["Link"] = "<https://collector.evil.example/repos/o/r/commits?page=2>; rel=\"next\"";
    transport.push(200, "[]", h);
    transport.push(200, "[]", rate_headers(4999));
    GithubClient client(context(transport));
    auto commits = client.commits("o/r", "main", 200);
    ASSERT_FALSE(commits);
    EXPECT_EQ(commits.error().code, "ForeignLink");
    EXPECT_NE(commits.error().message.find("https://collector.evil.example:443"), std::string::npos) << commits.error().message;
    ASSERT_EQ(transport.requests.size(), 1u) << "the foreign page was asked for";
    for (const auto& r : transport.requests) EXPECT_EQ(split_url(r.url).host, "api.github.com");
}

TEST(GithubHostile, SameOriginIsSchemeHostAndPortWithDefaults) {
    ScriptedTransport transport;
    Headers h = rate_headers(4999);
    // Same origin written differently: upper-case host, the default port spelled out.
    h["Link"] = "<https://API.github.com:443/repos/o/r/commits?page=2>; rel=\"next\"";
    transport.push(200, "[]", h);
    transport.push(200, "[]", rate_headers(4999));
    GithubClient client(context(transport));
    ASSERT_TRUE(client.commits("o/r", "main", 200));
    ASSERT_EQ(transport.requests.size(), 2u);
    EXPECT_EQ(transport.requests[1].headers.at("Authorization"), "Bearer ghp_testtoken");

    ScriptedTransport other_port;
    h["Link"] = "<https://api.github.com:8443/repos/o/r/commits?page=2>; rel=\"next\"";
    other_port.push(200, "[]", h);
    GithubClient client2(context(other_port));
    EXPECT_FALSE(client2.commits("o/r", "main", 200));
    EXPECT_EQ(other_port.requests.size(), 1u);
}

// Issue 13: the ETag cache was keyed by URL and never evicted.
TEST(GithubHostile, TheEtagCacheKeepsTheRecentlyUsedWithinItsBound) {
    ScriptedTransport transport;
    GithubClient client(context(transport));
    const int n = static_cast<int>(GithubClient::kEtagEntries) + 10;
    for (int i = 0; i < n; ++i) {
        transport.push(200, R"({"total_count":0,"jobs":[]})", rate_headers(4999, "\"e" + std::to_string(i) + "\""));
        ASSERT_TRUE(client.run_steps("o/r", std::to_string(i)));
        if (i == 0) continue;
        // Run 0 is asked again every time: the most recently used, it is never the one evicted.
        transport.push(304, "", rate_headers(4999, "\"e0\""));
        ASSERT_TRUE(client.run_steps("o/r", "0"));
    }
    // The run asked once, first after run 0, was evicted long ago: asked without If-None-Match.
    transport.push(200, R"({"total_count":0,"jobs":[]})", rate_headers(4999));
    ASSERT_TRUE(client.run_steps("o/r", "1"));
    EXPECT_EQ(transport.requests.back().headers.count("If-None-Match"), 0u);
    transport.push(304, "", rate_headers(4999, "\"e0\""));
    ASSERT_TRUE(client.run_steps("o/r", "0"));
    EXPECT_EQ(transport.requests.back().headers.at("If-None-Match"), "\"e0\"");
}

}  // namespace
}  // namespace shipwatch::github

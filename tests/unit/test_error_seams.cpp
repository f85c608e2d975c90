// The seams of the typed errors: the retry layer acts on the reading a request brings (no
// protocol inside it), the AWS and GitHub readings of recorded answers, keys a reading calls
// refused going back to their owner, and the ErrorKind every producer of an Error sets.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "config/config.hpp"
#include "engine/live_sources.hpp"
#include "http/curl_transport.hpp"
#include "http/retry_transport.hpp"
#include "sources/aws/aws_error.hpp"
#include "sources/aws/credentials.hpp"
#include "sources/aws/json_protocol.hpp"
#include "sources/aws/query_protocol.hpp"
#include "sources/github/github_client.hpp"
#include "sources/version/version_client.hpp"
#include "unit/loopback_server.hpp"
#include "unit/retry_fixture.hpp"
#include "unit/scripted_transport.hpp"

namespace shipwatch {
namespace {

using namespace std::chrono_literals;
using testing::ScriptedTransport;

const TimePoint kStart = testing::kRetryStart;

// ---- the retry layer on a reading it knows nothing about

// A made-up protocol: 418 is "busy, ask again", 409 "this source is misconfigured", 420 "quota
// used up for 5 s", 499 "your keys are stale". The transport's answers carry no AWS or GitHub shape.
AnswerReading read_teapot(const HttpResponse& response) {
    AnswerReading reading;
    reading.description = "teapot " + std::to_string(response.status);
    reading.retryable = response.status == 418;
    reading.source_broken = response.status == 409;
    reading.keys_refused = response.status == 499;
    if (response.status == 420) {
        reading.rate_limited = true;
        reading.reset = kStart + 5s;
    }
    return reading;
}

struct Fixture : testing::RetryFixture {
    Fixture() : RetryFixture(20s) {}
};

HttpRequest teapot_request() {
    HttpRequest r;
    r.url = "http://teapot.test/brew";
    r.source = "teapot";
    r.budget = "teapot";
    r.read_answer = &read_teapot;
    return r;
}

TEST(RetrySeam, RetriesWhatTheRequestsReadingCallsRetryable) {
    Fixture f;
    f.inner.push(418, "");
    f.inner.push(418, "");
    f.inner.push(200, "tea");
    RetryTransport retry = f.make();
    EXPECT_EQ(retry.send(teapot_request()).body, "tea");
    EXPECT_EQ(f.inner.requests.size(), 3u);
    EXPECT_EQ(f.sleeps, (std::vector<Duration>{100ms, 200ms}));
    EXPECT_EQ(retry.states()[0].name, "teapot");
    EXPECT_EQ(retry.states()[0].state, SourceState::State::ok);
}

TEST(RetrySeam, WithoutTheReadingTheSameAnswerIsDefinite) {
    Fixture f;
    f.inner.push(418, "");
    RetryTransport retry = f.make();
    HttpRequest plain = teapot_request();
    plain.read_answer = nullptr;  // HTTP's own rules: a 4xx other than 429 is an answer
    EXPECT_EQ(retry.send(plain).status, 418);
    EXPECT_EQ(f.inner.requests.size(), 1u);
    EXPECT_EQ(retry.states()[0].state, SourceState::State::ok);
}

TEST(RetrySeam, BrokenSourceFailsAtOnceWithTheReadingsDescription) {
    Fixture f;
    f.inner.push(409, "");
    RetryTransport retry = f.make();
    EXPECT_EQ(retry.send(teapot_request()).status, 409);
    EXPECT_EQ(f.inner.requests.size(), 1u);
    EXPECT_EQ(retry.states()[0].state, SourceState::State::failing);
    EXPECT_EQ(retry.states()[0].error, "GET /brew: teapot 409");  // the call, then the reading
}

TEST(RetrySeam, RateLimitWaitsUntilTheReadingsReset) {
    Fixture f;
    f.inner.push(420, "");
    f.inner.push(200, "tea");
    RetryTransport retry = f.make();
    EXPECT_EQ(retry.send(teapot_request()).status, 200);
    EXPECT_EQ(f.sleeps, std::vector<Duration>{5s});
}

TEST(RetrySeam, RefusedKeysAreRetried) {
    Fixture f;
    f.inner.push(499, "");
    f.inner.push(200, "tea");
    RetryTransport retry = f.make();
    EXPECT_EQ(retry.send(teapot_request()).status, 200);
    EXPECT_EQ(f.inner.requests.size(), 2u);
}

TEST(RetrySeam, LocalFailuresForGoodAreNotRetriedOthersAre) {
    Fixture f;
    HttpResponse no_region;
    no_region.error = "no AWS region for ecs request";
    no_region.local_failure = LocalFailure::no_region;
    f.inner.push(no_region);
    HttpResponse too_large;
    too_large.error = "answer larger than 64 MiB";
    too_large.local_failure = LocalFailure::answer_too_large;
    f.inner.push(too_large);
    f.inner.push(200, "tea");
    RetryTransport retry = f.make();
    EXPECT_EQ(retry.send(teapot_request()).status, 0);
    EXPECT_EQ(retry.states()[0].error, "GET /brew: no AWS region for ecs request");
    EXPECT_EQ(retry.send(teapot_request()).status, 200);
    EXPECT_EQ(f.inner.requests.size(), 3u);
}

// ---- the AWS reading on recorded answers

AnswerReading read_recorded(const char* file, int status = 400) {
    return aws::read_aws_answer(testing::response(status, testing::data_file(file)));
}

TEST(AwsReading, RecordedThrottlingIsRetryable) {
    for (const char* file :
         {"aws/throttling_error.json", "aws/elbv2_error_throttling.xml", "aws/ec2_error_throttled.xml"}) {
        AnswerReading r = read_recorded(file);
        EXPECT_TRUE(r.retryable) << file;
        EXPECT_FALSE(r.source_broken) << file;
        EXPECT_FALSE(r.keys_refused) << file;
    }
    EXPECT_EQ(read_recorded("aws/throttling_error.json").description, "ThrottlingException: Rate exceeded");
}

TEST(AwsReading, RecordedExpiredTokenRefusesTheKeys) {
    for (const char* file : {"aws/expired_token_error.json", "aws/elbv2_error_expired_token.xml"}) {
        AnswerReading r = read_recorded(file);
        EXPECT_TRUE(r.keys_refused) << file;
        EXPECT_TRUE(r.retryable) << file;
    }
    EXPECT_EQ(read_recorded("aws/elbv2_error_expired_token.xml").description,
              "ExpiredToken: The security token included in the request is expired");
}

TEST(AwsReading, RecordedAccessDeniedBreaksTheSource) {
    AnswerReading r = read_recorded("aws/access_denied_error.json", 403);
    EXPECT_TRUE(r.source_broken);
    EXPECT_FALSE(r.retryable);
    EXPECT_TRUE(r.description.starts_with("AccessDeniedException: User: arn:aws:sts::123456789012"));
}

// ---- the GitHub reading on rate-limit headers

TEST(GithubReading, ExhaustedPrimaryLimitWaitsForItsReset) {
    AnswerReading r = github::read_github_answer(testing::response(
        403, R"({"message":"API rate limit exceeded for 203.0.113.7."})",
        Headers{{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", "1750000600"}}));
    EXPECT_TRUE(r.rate_limited);
    EXPECT_EQ(r.reset, TimePoint(std::chrono::seconds(1'750'000'600)));
    EXPECT_FALSE(r.retryable);
    EXPECT_EQ(r.description, "HTTP 403: API rate limit exceeded for 203.0.113.7.");
}

TEST(GithubReading, RemainingQuotaMeansAPlainForbidden) {
    AnswerReading r = github::read_github_answer(
        testing::response(403, R"({"message":"Resource not accessible by integration"})",
                          Headers{{"x-ratelimit-remaining", "4999"}, {"x-ratelimit-reset", "1750000600"}}));
    EXPECT_FALSE(r.rate_limited);
    EXPECT_TRUE(r.source_broken);
    AnswerReading unknown_reset =
        github::read_github_answer(testing::response(429, "", Headers{{"x-ratelimit-remaining", "0"}}));
    EXPECT_TRUE(unknown_reset.rate_limited);
    EXPECT_FALSE(unknown_reset.reset);
}

TEST(VersionReading, HttpRulesAndTheBodysMessage) {
    AnswerReading r = read_version_answer(testing::response(503, R"({"message":"draining"})"));
    EXPECT_TRUE(r.retryable);
    EXPECT_EQ(r.description, "HTTP 503: draining");
    EXPECT_EQ(read_version_answer(testing::response(404, "<html>not here</html>")).description, "HTTP 404");
}

// ---- refused keys go back to their owner, and the retry signs with new ones

struct RotatingKeys final : SigningKeys {
    std::mutex mutex;
    int generation = 1;
    std::vector<std::string> refused_ids;
    Result<SigningKey> keys() override {
        std::lock_guard lock(mutex);
        return SigningKey{"AKIDGEN" + std::to_string(generation), "secret", ""};
    }
    void refused(const SigningKey& key) override {
        std::lock_guard lock(mutex);
        refused_ids.push_back(key.access_key_id);
        ++generation;
    }
};

TEST(SigningSeam, KeysTheReadingRefusesAreHandedBackAndTheRetrySignsWithNewOnes) {
    testing::LoopbackServer server;
    std::mutex seen_mutex;
    std::vector<std::string> authorizations;
    server.server.Post("/", [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(seen_mutex);
        authorizations.push_back(req.get_header_value("Authorization"));
        bool first = authorizations.size() == 1;
        res.status = first ? 400 : 200;
        std::string body = first ? testing::data_file("aws/expired_token_error.json") : "{}";
        res.set_content(body, "application/x-amz-json-1.1");
    });
    server.start();
    auto keys = std::make_shared<RotatingKeys>();
    CurlTransport curl({}, keys);
    ManualClock clock{kStart};
    RetryOptions options;
    options.requests_per_second = 0;
    RetryTransport retry(curl, clock, options, [&](Duration d) { clock.advance(d); });
    HttpRequest request;
    request.method = "POST";
    request.url = server.url("/");
    request.body = "{}";
    request.aws_region = "eu-west-1";
    request.aws_service = "ecs";
    aws::mark_aws_request(request);
    EXPECT_EQ(retry.send(request).status, 200);
    EXPECT_EQ(keys->refused_ids, std::vector<std::string>{"AKIDGEN1"});
    std::lock_guard lock(seen_mutex);
    ASSERT_EQ(authorizations.size(), 2u);
    EXPECT_NE(authorizations[0].find("Credential=AKIDGEN1/"), std::string::npos);
    EXPECT_NE(authorizations[1].find("Credential=AKIDGEN2/"), std::string::npos);
}

// ---- every producer of an Error says its kind

TEST(ErrorKinds, AwsErrorAnswer) {
    HttpResponse throttled = testing::response(400, testing::data_file("aws/throttling_error.json"));
    EXPECT_EQ(aws::json_error(throttled).kind, ErrorKind::aws);
}

TEST(ErrorKinds, AwsQueryErrorAnswer) {
    EXPECT_EQ(aws::query_error(testing::response(400, testing::data_file("aws/elbv2_error_throttling.xml"))).kind,
              ErrorKind::aws);
}

TEST(ErrorKinds, AwsErrorStatusWithoutAnAwsError) {
    HttpResponse bad_gateway = testing::response(502, "<html>Bad Gateway</html>");
    EXPECT_EQ(aws::unreadable_body_error(bad_gateway, "x").kind, ErrorKind::http);
}

TEST(ErrorKinds, AwsUnreadableSuccess) {
    EXPECT_EQ(aws::unreadable_body_error(testing::response(200, "not json"), "x").kind, ErrorKind::parse);
}

TEST(ErrorKinds, AwsTransportFailure) {
    HttpResponse refused;
    refused.error = "Failed to connect to 127.0.0.1 port 1: Connection refused";
    Error e = aws::transport_error(refused);
    EXPECT_EQ(e.kind, ErrorKind::transport);
    EXPECT_EQ(e.code, "transport");  // what the outputs show stays
}

TEST(ErrorKinds, AwsLocalFailures) {
    HttpResponse no_keys;
    no_keys.local_failure = LocalFailure::no_credentials;
    EXPECT_EQ(aws::transport_error(no_keys).kind, ErrorKind::credentials);
    HttpResponse no_region;
    no_region.local_failure = LocalFailure::no_region;
    EXPECT_EQ(aws::transport_error(no_region).kind, ErrorKind::config);
}

TEST(ErrorKinds, AwsParserSurprise) {
    auto parsed = aws::parse_guarded<int>("DescribeTasks", []() -> int {
        throw UnexpectedAnswer("task.taskDefinitionArn is missing");
    });
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().kind, ErrorKind::parse);
    EXPECT_EQ(parsed.error().code, "parse");
}

TEST(ErrorKinds, AwsCallWithoutTransport) {
    auto answer = aws::call_json(aws::AwsContext{}, aws::ServiceId::ecs, "X.Y", nlohmann::json::object());
    ASSERT_FALSE(answer);
    EXPECT_EQ(answer.error().kind, ErrorKind::transport);
}

TEST(ErrorKinds, GithubErrorAnswer) {
    ScriptedTransport wire;
    wire.push(404, R"({"message":"Not Found"})");
    auto commits = github::GithubClient({&wire}).commits("acme/shop", "main");
    ASSERT_FALSE(commits);
    EXPECT_EQ(commits.error().kind, ErrorKind::github);
}

TEST(ErrorKinds, GithubUnexpectedBody) {
    ScriptedTransport wire;
    wire.push(200, R"({"not":"an array"})");
    auto commits = github::GithubClient({&wire}).commits("acme/shop", "main");
    ASSERT_FALSE(commits);
    EXPECT_EQ(commits.error().kind, ErrorKind::parse);
}

TEST(ErrorKinds, GithubTransportFailure) {
    ScriptedTransport wire;  // nothing scripted: a transport failure
    auto commits = github::GithubClient({&wire}).commits("acme/shop", "main");
    ASSERT_FALSE(commits);
    EXPECT_EQ(commits.error().kind, ErrorKind::transport);
}

TEST(ErrorKinds, Credentials) {
    EXPECT_EQ(aws::credentials_error("no AWS credentials").kind, ErrorKind::credentials);
}

TEST(ErrorKinds, CredentialsChainFailureCarriesItsTime) {
    ManualClock clock{kStart};
    aws::CredentialOptions options;
    options.env =
        aws::fixed_environment({{"HOME", "/nonexistent-shipwatch-home"}, {"AWS_EC2_METADATA_DISABLED", "true"}});
    options.clock = &clock;
    aws::DefaultCredentialsChain chain(options);
    auto first = chain.credentials();
    ASSERT_FALSE(first);
    EXPECT_EQ(first.error().kind, ErrorKind::credentials);
    EXPECT_EQ(first.error().time, kStart);
    clock.advance(5s);  // within failure_retry: the same error, from when it happened
    EXPECT_EQ(chain.credentials().error().time, kStart);
}

TEST(ErrorKinds, NoRegion) {
    auto region = aws::resolve_region("", "", aws::fixed_environment({{"HOME", "/nonexistent-shipwatch-home"}}));
    ASSERT_FALSE(region);
    EXPECT_EQ(region.error().kind, ErrorKind::config);
}

TEST(ErrorKinds, ConfigFile) {
    auto missing = load_config_file("/nonexistent-shipwatch-dir/shipwatch.toml");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, ErrorKind::config);
}

TEST(ErrorKinds, LiveWiringWithoutARegion) {
    // make_live reads the process environment: no region anywhere, a token so `gh` is not asked.
    auto home = std::filesystem::temp_directory_path() / "shipwatch-error-kinds-home";
    std::filesystem::create_directories(home);
    setenv("HOME", home.c_str(), 1);
    setenv("GH_TOKEN", "test-token", 1);
    for (const char* name :
         {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"})
        unsetenv(name);
    Config config;
    PipelineConfig p;
    p.spec.name = "shop";
    p.spec.cluster = "prod";
    p.spec.service = "shop";
    config.pipelines.push_back(p);
    auto live = make_live(config);
    ASSERT_FALSE(live);
    EXPECT_EQ(live.error().kind, ErrorKind::config);
    EXPECT_TRUE(live.error().message.starts_with("pipeline 'shop': no AWS region")) << live.error().message;
}

}  // namespace
}  // namespace shipwatch

// RetryTransport: backoff with full jitter for throttling, no retry for definite answers,
// per-source pacing, and per-source states, all on a manual clock with no real sleeping.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <stop_token>
#include <thread>

#include "http/retry_transport.hpp"
#include "sources/aws/aws_error.hpp"
#include "sources/github/github_client.hpp"
#include "sources/version/version_client.hpp"
#include "unit/retry_fixture.hpp"
#include "unit/scripted_transport.hpp"

namespace shipwatch {
namespace {

using testing::ScriptedTransport;
using namespace std::chrono_literals;

const TimePoint kStart = testing::kRetryStart;

struct Fixture : testing::RetryFixture {
    Fixture() : RetryFixture(2s) {}
};

HttpRequest ecs_request() {
    HttpRequest r;
    r.method = "POST";
    r.url = "https://ecs.eu-west-1.amazonaws.com/";
    r.aws_region = "eu-west-1";
    r.aws_service = "ecs";
    r.headers["X-Amz-Target"] = "AmazonEC2ContainerServiceV20141113.DescribeServices";
    aws::mark_aws_request(r);
    return r;
}

HttpRequest github_request() {
    HttpRequest r;
    r.url = "https://api.github.com/repos/acme/shop/commits";
    r.source = "github";
    r.budget = "github";
    r.read_answer = &github::read_github_answer;
    return r;
}

const char* kThrottledJson = R"({"__type":"com.amazonaws.ecs#ThrottlingException","message":"Rate exceeded"})";
const char* kThrottledXml =
    "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
    "<RequestId>1</RequestId></ErrorResponse>";

TEST(Retry, ThrottledThenSuccess) {
    Fixture f;
    for (int i = 0; i < 3; ++i) f.inner.push(400, kThrottledJson);
    f.inner.push(200, R"({"services":[]})");
    RetryTransport retry = f.make();
    HttpResponse response = retry.send(ecs_request());
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(f.inner.requests.size(), 4u);
    // Exponential ceilings (jitter pinned to the top): 100, 200, 400 ms.
    EXPECT_EQ(f.sleeps, (std::vector<Duration>{100ms, 200ms, 400ms}));
    auto states = retry.states();
    ASSERT_EQ(states.size(), 1u);
    EXPECT_EQ(states[0].name, "ecs eu-west-1");
    EXPECT_EQ(states[0].state, SourceState::State::ok);
}

TEST(Retry, QueryXmlThrottlingAnd5xxAndTransportFailuresAreRetried) {
    Fixture f;
    f.inner.push(400, kThrottledXml);
    f.inner.push(503, "Service Unavailable");
    HttpResponse refused;
    refused.error = "Failed to connect to 127.0.0.1 port 1: Connection refused";
    f.inner.push(refused);
    f.inner.push(200, "<DescribeTargetHealthResponse/>");
    RetryTransport retry = f.make();
    HttpRequest request = ecs_request();
    request.aws_service = "elasticloadbalancing";
    aws::mark_aws_request(request);
    EXPECT_EQ(retry.send(request).status, 200);
    EXPECT_EQ(f.inner.requests.size(), 4u);
    EXPECT_EQ(retry.states()[0].name, "elbv2 eu-west-1");
}

TEST(Retry, GivesUpAfterMaxAttempts) {
    Fixture f;
    f.options.max_attempts = 3;
    f.inner.on_request([](const HttpRequest&) { return testing::response(429, R"({"message":"slow down"})"); });
    RetryTransport retry = f.make();
    EXPECT_EQ(retry.send(github_request()).status, 429);
    EXPECT_EQ(f.inner.requests.size(), 3u);
    EXPECT_EQ(f.sleeps.size(), 2u);
}

TEST(Retry, NonThrottlingClientErrorsAreNotRetried) {
    Fixture f;
    f.inner.push(400, R"({"__type":"ClusterNotFoundException","message":"Cluster not found."})");
    f.inner.push(403, R"({"__type":"AccessDeniedException","message":"not authorized to perform ecs:DescribeServices"})");
    RetryTransport retry = f.make();
    EXPECT_EQ(retry.send(ecs_request()).status, 400);
    EXPECT_EQ(f.inner.requests.size(), 1u);
    EXPECT_EQ(retry.states()[0].state, SourceState::State::ok);  // the service answered
    EXPECT_EQ(retry.send(ecs_request()).status, 403);
    EXPECT_EQ(f.inner.requests.size(), 2u);
    EXPECT_TRUE(f.sleeps.empty());
    auto state = retry.states()[0];
    EXPECT_EQ(state.state, SourceState::State::failing);  // no permission: the source cannot work
    // The status bar names the call that failed.
    EXPECT_EQ(state.error, "ecs:DescribeServices: AccessDeniedException: not authorized to perform ecs:DescribeServices");
}

TEST(Retry, LocalCredentialFailuresAreNotRetried) {
    Fixture f;
    HttpResponse local;
    local.error = "no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID, or run aws sso login --profile default";
    local.local_failure = LocalFailure::no_credentials;
    f.inner.push(local);
    RetryTransport retry = f.make();
    EXPECT_EQ(retry.send(ecs_request()).status, 0);
    EXPECT_EQ(f.inner.requests.size(), 1u);
    EXPECT_EQ(retry.states()[0].state, SourceState::State::failing);
    EXPECT_EQ(retry.states()[0].error, "ecs:DescribeServices: " + local.error);
}

TEST(Retry, JitterStaysWithinTheCapAndHonoursRetryAfter) {
    Fixture f;
    f.options.random = [] { return 0.5; };
    f.options.max_attempts = 8;
    for (int i = 0; i < 6; ++i) f.inner.push(500, "");
    f.inner.push(503, "", Headers{{"Retry-After", "1"}});
    f.inner.push(200, "{}");
    RetryTransport retry = f.make();
    EXPECT_EQ(retry.send(ecs_request()).status, 200);
    // Halves of min(2 s, 100 ms * 2^n), then Retry-After raises the last one to 1 s.
    EXPECT_EQ(f.sleeps, (std::vector<Duration>{50ms, 100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms}));
}

TEST(Retry, StatesGoOkBackingOffFailingOk) {
    Fixture f;
    f.options.max_attempts = 2;
    RetryTransport* self = nullptr;
    std::vector<SourceState> seen_while_sleeping;
    RetryTransport retry(f.inner, f.clock, f.options, [&](Duration d) {
        seen_while_sleeping.push_back(self->states()[0]);
        f.clock.advance(d);
    });
    self = &retry;

    f.inner.push(200, "{}");
    retry.send(ecs_request());
    EXPECT_EQ(retry.states()[0].state, SourceState::State::ok);
    EXPECT_EQ(retry.states()[0].last_success, kStart);

    f.inner.push(400, kThrottledJson);
    f.inner.push(400, kThrottledJson);
    retry.send(ecs_request());
    ASSERT_EQ(seen_while_sleeping.size(), 1u);
    EXPECT_EQ(seen_while_sleeping[0].state, SourceState::State::backing_off);
    EXPECT_EQ(seen_while_sleeping[0].retry_at, kStart + 100ms);
    EXPECT_EQ(seen_while_sleeping[0].error, "ecs:DescribeServices: ThrottlingException: Rate exceeded");

    SourceState failing = retry.states()[0];
    EXPECT_EQ(failing.state, SourceState::State::failing);
    EXPECT_EQ(failing.failing_since, kStart + 100ms);
    EXPECT_EQ(failing.error, "ecs:DescribeServices: ThrottlingException: Rate exceeded");
    EXPECT_EQ(failing.last_success, kStart);

    // Still failing later: the streak keeps its start.
    f.clock.advance(10s);
    f.inner.push(503, "");
    f.inner.push(503, "");
    retry.send(ecs_request());
    EXPECT_EQ(retry.states()[0].failing_since, kStart + 100ms);
    EXPECT_EQ(retry.states()[0].error, "ecs:DescribeServices: HTTP 503");

    f.inner.push(200, "{}");
    retry.send(ecs_request());
    SourceState ok = retry.states()[0];
    EXPECT_EQ(ok.state, SourceState::State::ok);
    EXPECT_FALSE(ok.failing_since);
    EXPECT_TRUE(ok.error.empty());
    EXPECT_FALSE(ok.retry_at);
}

TEST(Retry, SourcesAreKeptApart) {
    Fixture f;
    f.inner.on_request([](const HttpRequest& r) {
        return r.aws_service.empty() ? testing::response(200, "[]") : testing::response(403, R"({"__type":"UnrecognizedClientException","message":"bad token"})");
    });
    RetryTransport retry = f.make();
    retry.send(ecs_request());
    retry.send(github_request());
    HttpRequest version;
    version.url = "https://shop.example.com/version";
    retry.send(version);
    auto states = retry.states();
    ASSERT_EQ(states.size(), 3u);
    EXPECT_EQ(states[0].name, "ecs eu-west-1");
    EXPECT_EQ(states[0].state, SourceState::State::failing);
    EXPECT_EQ(states[1].name, "github");
    EXPECT_EQ(states[1].state, SourceState::State::ok);
    EXPECT_EQ(states[2].name, "shop.example.com");
}

TEST(Retry, SourcePrefixNamesTheAccount) {
    Fixture f;
    f.options.source_prefix = "prod · ";
    f.inner.push(200, "{}");
    RetryTransport retry = f.make();
    retry.send(ecs_request());
    EXPECT_EQ(retry.states()[0].name, "prod · ecs eu-west-1");
}

TEST(Retry, BudgetSpreadsABurst) {
    Fixture f;
    f.options.requests_per_second = 4;
    f.options.burst = 2;
    std::vector<TimePoint> sent;
    f.inner.on_request([&](const HttpRequest&) {
        sent.push_back(f.clock.now());
        return testing::response(200, "{}");
    });
    RetryTransport retry = f.make();
    for (int i = 0; i < 6; ++i) retry.send(ecs_request());
    // Two at once (the burst), then one every 250 ms.
    std::vector<TimePoint> expected{kStart, kStart, kStart + 250ms, kStart + 500ms, kStart + 750ms, kStart + 1000ms};
    EXPECT_EQ(sent, expected);

    // Another service has its own budget.
    sent.clear();
    retry.send(github_request());
    EXPECT_EQ(sent, std::vector<TimePoint>{kStart + 1000ms});

    // After a quiet spell the bucket refills, up to the burst only.
    f.clock.advance(10s);
    sent.clear();
    for (int i = 0; i < 3; ++i) retry.send(ecs_request());
    TimePoint t = kStart + 11000ms;
    EXPECT_EQ(sent, (std::vector<TimePoint>{t, t, t + 250ms}));
}

TEST(Retry, ServiceBudgetOverridesTheDefault) {
    Fixture f;
    f.options.requests_per_second = 4;
    f.options.burst = 1;
    f.options.service_rates = {{"github", 2}};
    std::vector<TimePoint> sent;
    f.inner.on_request([&](const HttpRequest&) {
        sent.push_back(f.clock.now());
        return testing::response(200, "{}");
    });
    RetryTransport retry = f.make();
    for (int i = 0; i < 3; ++i) retry.send(github_request());
    EXPECT_EQ(sent, (std::vector<TimePoint>{kStart, kStart + 500ms, kStart + 1000ms}));  // github: 2 a second
    sent.clear();
    for (int i = 0; i < 3; ++i) retry.send(ecs_request());
    TimePoint t = kStart + 1000ms;
    EXPECT_EQ(sent, (std::vector<TimePoint>{t, t + 250ms, t + 500ms}));  // the rest: 4 a second
}

TEST(Retry, ClientsNameTheSourceAndBudgetOfTheirRequests) {
    ScriptedTransport wire;
    wire.on_request([](const HttpRequest&) { return testing::response(200, "[]"); });
    // GitHub's API on another host (the simulator, GHE) is still "github".
    github::GithubClient gh(github::GithubContext{&wire, "http://127.0.0.1:8080", ""});
    (void)gh.commits("a/b", "main");
    (void)fetch_version(wire, "http://127.0.0.1:8080/version", "", kStart);
    ASSERT_EQ(wire.requests.size(), 2u);
    EXPECT_EQ(wire.requests[0].budget, "github");
    EXPECT_EQ(source_name(wire.requests[0]), "github");
    EXPECT_EQ(wire.requests[1].budget, "version");
    EXPECT_EQ(source_name(wire.requests[1]), "127.0.0.1");
    HttpRequest elb;
    elb.aws_service = "elasticloadbalancing";
    elb.aws_region = "us-east-1";
    aws::mark_aws_request(elb);
    EXPECT_EQ(elb.budget, "elbv2");
    EXPECT_EQ(source_name(elb), "elbv2 us-east-1");
}

TEST(Retry, GithubRateLimitFarAwayIsReportedNotWaited) {
    Fixture f;
    auto reset = std::chrono::duration_cast<std::chrono::seconds>((kStart + 30min).time_since_epoch()).count();
    f.inner.push(403, R"({"message":"API rate limit exceeded"})",
                 Headers{{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", std::to_string(reset)}});
    RetryTransport retry = f.make();
    EXPECT_EQ(retry.send(github_request()).status, 403);
    EXPECT_EQ(f.inner.requests.size(), 1u);
    SourceState state = retry.states()[0];
    EXPECT_EQ(state.state, SourceState::State::backing_off);
    EXPECT_EQ(state.retry_at, kStart + 30min);
    EXPECT_EQ(state.error, "GET /repos/acme/shop/commits: HTTP 403: API rate limit exceeded");
}

TEST(Retry, ConcurrentSendsShareBudgetsAndStates) {
    Fixture f;
    f.options.requests_per_second = 1000;
    // Threads interleave, so one request can draw several throttled answers in a row; enough
    // attempts that only a real bug (a lost answer, a broken budget) can make a send fail.
    f.options.max_attempts = 40;
    std::atomic<int> calls{0};
    f.inner.on_request([&](const HttpRequest& r) {
        // Every third call is throttled once, in the shape of the source asked.
        if (++calls % 3 != 0) return testing::response(200, "{}");
        return r.aws_service.empty() ? testing::response(503, "") : testing::response(400, kThrottledJson);
    });
    RetryTransport retry(f.inner, f.clock, f.options, [](Duration) {});
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 50; ++i) {
                HttpRequest r = t % 2 ? ecs_request() : github_request();
                if (retry.send(r).status == 200) ++good;
                (void)retry.states();
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(good.load(), 200);
    EXPECT_EQ(retry.states().size(), 2u);
}

TEST(Retry, ErrorCodeReaders) {
    auto code = [](const HttpResponse& r) { return aws::read_answer_error(r).code; };
    EXPECT_EQ(code(testing::response(400, kThrottledJson)), "ThrottlingException");
    EXPECT_EQ(code(testing::response(400, kThrottledXml)), "Throttling");
    EXPECT_EQ(code(testing::response(400, "", Headers{{"x-amzn-ErrorType", "TooManyRequestsException:http://x"}})),
              "TooManyRequestsException");
    EXPECT_EQ(code(testing::response(400, "<Response><Errors><Error><Code>RequestLimitExceeded</Code></Error></Errors></Response>")),
              "RequestLimitExceeded");
}

// The real sleep, not the fixture's: a stop request ends a 60 s backoff at once, and the request
// comes back cancelled instead of trying again. The bound is a correctness bound (woken, not
// slept out), far from both the 50 ms until the stop and the 60 s of the backoff.
TEST(Retry, StopWakesTheRealBackoffSleepAtOnce) {
    Fixture f;
    f.options.base_delay = 60s;
    f.options.max_delay = 60s;
    std::stop_source stop;
    f.options.stop = stop.get_token();
    f.inner.push(503, "");
    f.inner.push(200, "late");
    RetryTransport retry(f.inner, f.clock, f.options);  // real_sleep(options.stop)
    std::jthread quitter([&] {
        std::this_thread::sleep_for(50ms);
        stop.request_stop();
    });
    auto started = std::chrono::steady_clock::now();
    HttpResponse response = retry.send(ecs_request());
    auto took = std::chrono::steady_clock::now() - started;
    std::printf("a 60 s backoff ended %lld ms after the send began (stop after 50 ms)\n",
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
    EXPECT_LT(took, 1s);
    EXPECT_TRUE(response.cancelled());
    EXPECT_EQ(f.inner.requests.size(), 1u);  // the second attempt never went out
}

TEST(Retry, ACancelledRequestIsNotRetriedNorTheSourcesFailure) {
    Fixture f;
    f.inner.push(cancelled_response());
    auto retry = f.make();
    HttpResponse response = retry.send(ecs_request());
    EXPECT_TRUE(response.cancelled());
    EXPECT_EQ(f.inner.requests.size(), 1u);
    EXPECT_TRUE(f.sleeps.empty());
    EXPECT_TRUE(retry.states().empty());  // nothing for the status bar to call failing
}

TEST(Retry, NothingIsSentOnceStopWasRequested) {
    Fixture f;
    std::stop_source stop;
    f.options.stop = stop.get_token();
    stop.request_stop();
    auto retry = f.make();
    EXPECT_TRUE(retry.send(ecs_request()).cancelled());
    EXPECT_TRUE(f.inner.requests.empty());
}

}  // namespace
}  // namespace shipwatch

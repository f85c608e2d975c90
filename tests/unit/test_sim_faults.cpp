// Fault rules of the simulator: their grammar, which calls they hit (deterministically), and
// what each does to an answer, through the same clients shipwatch uses on real data.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "sources/aws/clients.hpp"
#include "sources/github/github_client.hpp"
#include "sim/faults.hpp"
#include "sim/simulator.hpp"

namespace shipwatch::sim {
namespace {

using namespace std::chrono_literals;

FaultRule rule(const std::string& spec) {
    auto r = parse_fault(spec);
    if (!r) throw std::runtime_error(r.error().message);
    return r.value();
}

TEST(FaultSpec, Grammar) {
    FaultRule r = rule("ecs:Describe*@us-east-1=slow,delay=8s,rate=0.5");
    EXPECT_EQ(r.pattern, "ecs:Describe*@us-east-1");
    EXPECT_EQ(r.kind, FaultKind::slow);
    EXPECT_EQ(r.delay, 8s);
    EXPECT_DOUBLE_EQ(r.rate, 0.5);
    EXPECT_EQ(rule("github=rate-limit").kind, FaultKind::rate_limit);
    EXPECT_EQ(rule("*=503,first=2").first, 2);
}

TEST(FaultSpec, ErrorsSayWhatToFix) {
    struct Case {
        const char* spec;
        const char* message;
    };
    const Case cases[] = {
        {"ecs:DescribeServices", "--fault 'ecs:DescribeServices': expected PATTERN=KIND[,first=K][,rate=R][,delay=D], e.g. ecs:DescribeServices=500"},
        {"=500", "--fault '=500': the pattern before '=' is empty (use * for every operation)"},
        {"ecs=", "--fault 'ecs=': no fault kind after '='"},
        {"ecs=boom", "--fault 'ecs=boom': unknown kind 'boom': one of throttle, 500, 503, refuse, slow, truncate, malformed, bad-enum, missing-fields, expired-credentials, rate-limit, endless-pages, missing-tasks"},
        {"ecs=500,first=0", "--fault 'ecs=500,first=0': first=0 is not a whole number above 0"},
        {"ecs=500,rate=2", "--fault 'ecs=500,rate=2': rate=2 is not a share between 0 (excluded) and 1"},
        {"ecs=slow,delay=soon", "--fault 'ecs=slow,delay=soon': delay=soon is not a duration like 8s"},
        {"ecs=500,often", "--fault 'ecs=500,often': unknown option 'often': first=K, rate=R or delay=D"},
    };
    for (const auto& c : cases) {
        auto r = parse_fault(c.spec);
        ASSERT_FALSE(r) << c.spec;
        EXPECT_EQ(r.error().message, c.message);
    }
}

TEST(FaultPlan, FirstKIsPerOperationAndRateIsEven) {
    FaultPlan plan;
    plan.set({rule("aws=throttle,first=2")});
    EXPECT_TRUE(plan.take("aws", "ecs:DescribeServices", "eu-west-1"));
    EXPECT_TRUE(plan.take("aws", "ecs:DescribeServices", "eu-west-1"));
    EXPECT_FALSE(plan.take("aws", "ecs:DescribeServices", "eu-west-1"));
    EXPECT_TRUE(plan.take("aws", "ecs:ListTasks", "eu-west-1"));  // its own count
    EXPECT_FALSE(plan.take("github", "github:repos/list-commits", ""));  // not aws

    plan.set({rule("ecs:*@us-east-1=500,rate=0.25")});
    int hits = 0;
    for (int i = 0; i < 100; ++i) hits += plan.take("aws", "ecs:DescribeTasks", "us-east-1") ? 1 : 0;
    EXPECT_EQ(hits, 25);
    EXPECT_FALSE(plan.take("aws", "ecs:DescribeTasks", "us-west-2"));
    EXPECT_FALSE(plan.take("aws", "ecr:DescribeImages", "us-east-1"));
    plan.clear();
    EXPECT_FALSE(plan.take("aws", "ecs:DescribeTasks", "us-east-1"));
}

// The `healthy` world behind the real clients, with a fault plan to play with.
struct Fixture {
    ManualClock clock{TimePoint{}};
    std::shared_ptr<World> world;
    std::unique_ptr<SimTransport> transport;
    aws::AwsContext ctx;
    Fixture() {
        auto s = load_builtin("healthy");
        if (!s) throw std::runtime_error(s.error().message);
        clock.set(s->start);
        world = std::make_shared<World>(std::move(s).value(), clock);
        transport = std::make_unique<SimTransport>(world);
        ctx.transport = transport.get();
        ctx.region = "us-west-2";
    }
    Result<std::vector<Service>> services() {
        return aws::EcsClient(ctx).describe_services("payments-prod", {"payments-api"});
    }
};

TEST(SimFaults, ErrorsComeInEachProtocolsShape) {
    Fixture f;
    ASSERT_TRUE(f.services());
    f.world->faults().set({rule("ecs:DescribeServices=503")});
    auto down = f.services();
    ASSERT_FALSE(down);
    EXPECT_EQ(down.error().code, "ServiceUnavailable");
    EXPECT_TRUE(down.error().retryable);

    f.world->faults().set({rule("elasticloadbalancing=throttle")});
    auto throttled = aws::Elbv2Client(f.ctx).describe_target_groups({"payments-api-tg"});
    ASSERT_FALSE(throttled);
    EXPECT_EQ(throttled.error().code, "Throttling");

    f.world->faults().set({rule("aws=expired-credentials")});
    auto expired = f.services();
    ASSERT_FALSE(expired);
    EXPECT_EQ(expired.error().code, "ExpiredTokenException");

    f.world->faults().set({rule("ecs=refuse")});
    auto refused = f.services();
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, "transport");
    EXPECT_EQ(refused.error().message, std::string(kRefusedBySim));

    f.world->faults().clear();
    EXPECT_TRUE(f.services());
}

TEST(SimFaults, DamagedBodiesFailTheParseNotTheProcess) {
    Fixture f;
    for (const char* spec : {"ecs=truncate", "ecs=malformed"}) {
        f.world->faults().set({rule(spec)});
        auto r = f.services();
        ASSERT_FALSE(r) << spec;
        EXPECT_EQ(r.error().code, "parse") << spec << ": " << r.error().message;
    }
    f.world->faults().set({rule("ecs=bad-enum")});
    auto odd = f.services();
    ASSERT_FALSE(odd);
    EXPECT_EQ(odd.error().message,
              "DescribeServices: service.status 'SHIPWATCH_SIM_UNEXPECTED' is not a value shipwatch knows (ACTIVE, "
              "DRAINING, INACTIVE)");
    f.world->faults().set({rule("ecs=missing-fields")});
    auto missing = f.services();
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message, "DescribeServices: service.taskDefinition is missing");

    f.world->faults().set({rule("elasticloadbalancing:DescribeTargetHealth=malformed")});
    auto groups = aws::Elbv2Client(f.ctx).describe_target_groups({"payments-api-tg"});
    f.world->faults().clear();
    ASSERT_TRUE(groups) << groups.error().message;
    ASSERT_FALSE(groups->empty());
    f.world->faults().set({rule("elasticloadbalancing:DescribeTargetHealth=malformed")});
    auto health = aws::Elbv2Client(f.ctx).describe_target_health(groups->front().arn);
    ASSERT_FALSE(health);
    EXPECT_EQ(health.error().code, "parse");
    f.world->faults().set({rule("elasticloadbalancing:DescribeTargetHealth=bad-enum")});
    health = aws::Elbv2Client(f.ctx).describe_target_health(groups->front().arn);
    ASSERT_FALSE(health);
    EXPECT_NE(health.error().message.find("TargetHealth.State 'SHIPWATCH_SIM_UNEXPECTED'"), std::string::npos);
}

// Issue 13 item 6 on real clients: running tasks answered in failures[] fail the describe of
// the running listing with their count; the stopped listing's describe skips them.
TEST(SimFaults, MissingTasksAreAnsweredAsFailuresAndCounted) {
    Fixture f;
    auto page = aws::EcsClient(f.ctx).list_tasks_page("payments-prod", "payments-api", "RUNNING", "");
    ASSERT_TRUE(page) << page.error().message;
    const size_t running = page->arns.size();
    ASSERT_GE(running, 2u);
    ASSERT_TRUE(aws::EcsClient(f.ctx).describe_tasks("payments-prod", page->arns, aws::EcsClient::Failures::fail));

    f.world->faults().set({rule("ecs:DescribeTasks=missing-tasks")});
    auto failed = aws::EcsClient(f.ctx).describe_tasks("payments-prod", page->arns, aws::EcsClient::Failures::fail);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, "DescribeTasksFailures");
    const std::string count = fmt::format("{} of {} running tasks could not be described (MISSING: ", (running + 1) / 2,
                                          running);
    EXPECT_EQ(failed.error().message.rfind(count, 0), 0u) << failed.error().message;

    auto skipped = aws::EcsClient(f.ctx).describe_tasks("payments-prod", page->arns, aws::EcsClient::Failures::skip);
    ASSERT_TRUE(skipped) << skipped.error().message;
    EXPECT_EQ(skipped->size(), running / 2);
}

TEST(SimFaults, SlowAnswersHoldUpOnlyTheirCaller) {
    Fixture f;
    f.world->faults().set({rule("ecs=slow,delay=1s")});
    auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(f.services());  // late, but right
    EXPECT_GE(std::chrono::steady_clock::now() - started, 1s);
    // Another caller of the same world is answered meanwhile: the delay is outside the lock.
    std::atomic<bool> slow_done{false};
    std::thread slow([&] {
        f.services();
        slow_done = true;
    });
    std::this_thread::sleep_for(100ms);
    ASSERT_TRUE(aws::EcrClient(f.ctx).recent_images("payments-api"));
    EXPECT_FALSE(slow_done.load()) << "the ECR answer waited for the slow ECS one";
    slow.join();
}

TEST(SimFaults, GithubRateLimitIsHonouredUntilTheReset) {
    Fixture f;
    github::GithubClient gh({f.transport.get(), "https://api.github.com", ""});
    f.world->faults().set({rule("github=rate-limit,delay=1h")});
    auto limited = gh.commits("acme-pay/payments-api", "main", 5);
    ASSERT_FALSE(limited);
    EXPECT_EQ(limited.error().code, "RateLimited");
    int calls = f.world->call_counts()["github:repos/list-commits"];
    // The fault is gone, but the reset is an hour away: shipwatch does not ask before then.
    f.world->faults().clear();
    auto still = gh.commits("acme-pay/payments-api", "main", 5);
    ASSERT_FALSE(still);
    EXPECT_NE(still.error().message.find("not asking before then"), std::string::npos);
    EXPECT_EQ(f.world->call_counts()["github:repos/list-commits"], calls);
}

}  // namespace
}  // namespace shipwatch::sim

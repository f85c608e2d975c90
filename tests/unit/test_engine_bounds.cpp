// Issue 13 item 2: the engine's caches have a size bound in entries, not only an age, so a stream
// of new keys (a server naming a new run every refresh) cannot grow them; a cluster's stopped
// tasks are kept per service within a bound, the most recent.
#include <gtest/gtest.h>

#include <memory>

#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "base/clock.hpp"
#include "engine/ecs_cluster.hpp"
#include "engine/fetch_graph.hpp"
#include "engine/scheduler.hpp"
#include "engine/shared_fetch.hpp"
#include "model/analysis.hpp"
#include "unit/scripted_transport.hpp"

namespace shipwatch {
namespace {

using namespace std::chrono_literals;

struct Fixture {
    ManualClock clock{TimePoint{}};
    FetchPool pool{0};  // virtual time: jobs run one by one with run_one()
    MergeQueue merge;
    FetchContext ctx{pool, merge, &clock};
    void drain() {
        while (pool.run_one() || merge.run_ready() > 0) {
        }
    }
    // One ECS cluster "prod" in eu-west-1 watching `service`, asked through `transport`.
    static std::unique_ptr<EcsClusterFetch> cluster(Transport& transport, const ManualClock& clock,
                                                    const std::string& service) {
        aws::AwsContext aws;
        aws.transport = &transport;
        aws.region = "eu-west-1";
        aws.endpoints = aws::Endpoints("eu-west-1");
        auto fetch = std::make_unique<EcsClusterFetch>(aws, "prod", clock, 10s);
        fetch->watch(service);
        return fetch;
    }
};

TEST(SharedFetchBound, AStreamOfNewKeysStaysWithinTheBound) {
    Fixture f;
    SharedFetch<int> cache(f.clock, 10s, std::chrono::hours(24), 10s, 8);
    int fetched = 0, delivered = 0;
    for (int i = 0; i < 1000; ++i) {
        cache.get(f.ctx, "run-" + std::to_string(i), [&] { return Result<int>(++fetched); },
                  [&](const Result<int>&, TimePoint) { ++delivered; });
        f.drain();
        f.clock.advance(1ms);  // far inside forget_after: only the bound can drop them
        ASSERT_LE(cache.size(), 8u) << "after key " << i;
    }
    EXPECT_EQ(fetched, 1000);
    EXPECT_EQ(delivered, 1000);
}

TEST(SharedFetchBound, TheLeastRecentlyAskedForGoesFirst) {
    Fixture f;
    SharedFetch<int> cache(f.clock, 1h, std::chrono::hours(24), 1h, 2);
    int fetched = 0;
    auto ask = [&](const std::string& key) {
        cache.get(f.ctx, key, [&] { return Result<int>(++fetched); }, [](const Result<int>&, TimePoint) {});
        f.drain();
        f.clock.advance(1s);
    };
    ask("a");
    ask("b");
    ask("a");  // kept: a is now the most recent
    ask("c");  // b goes
    ask("a");
    EXPECT_EQ(fetched, 3) << "a was dropped instead of b";
    ask("b");  // asked again: fetched again
    EXPECT_EQ(fetched, 4);
    EXPECT_EQ(cache.size(), 2u);
}

TEST(SharedFetchBound, TheDefaultBoundIsTheNamedOne) {
    ManualClock clock{TimePoint{}};
    SharedFetch<int> cache(clock, 10s);
    EXPECT_EQ(cache.max_entries(), kSharedFetchMaxEntries);
}

Task task(const std::string& id, const char* status, int stopped_minute) {
    Task t;
    t.arn = "arn:aws:ecs:us-west-2:1:task/c/" + id;
    t.last_status = ApiEnum<TaskStatus>(status);
    if (stopped_minute >= 0) t.stopped_at = TimePoint{} + std::chrono::minutes(stopped_minute);
    return t;
}

TEST(StoppedTaskBound, ACrashLoopKeepsTheMostRecentStopsAndEveryRunningTask) {
    std::vector<Task> tasks{task("r1", "RUNNING", -1), task("p1", "PENDING", -1)};
    for (int i = 0; i < 3 * static_cast<int>(kMaxStoppedTasksPerService); ++i)
        tasks.push_back(task("s" + std::to_string(i), "STOPPED", (i * 37) % 1000));  // listing order is not time order
    keep_recent_stops(tasks);
    ASSERT_EQ(tasks.size(), 2 + kMaxStoppedTasksPerService);
    EXPECT_EQ(tasks[0].arn.substr(tasks[0].arn.rfind('/') + 1), "r1");
    EXPECT_EQ(tasks[1].arn.substr(tasks[1].arn.rfind('/') + 1), "p1");
    TimePoint oldest_kept = TimePoint::max();
    for (size_t i = 2; i < tasks.size(); ++i) oldest_kept = std::min(oldest_kept, *tasks[i].stopped_at);
    // 300 stops at 300 distinct minutes of 0..999: the kept 100 are the newest.
    int newer_than_kept = 0;
    for (int i = 0; i < 3 * static_cast<int>(kMaxStoppedTasksPerService); ++i)
        newer_than_kept += TimePoint{} + std::chrono::minutes((i * 37) % 1000) >= oldest_kept;
    EXPECT_EQ(newer_than_kept, static_cast<int>(kMaxStoppedTasksPerService));
}

TEST(StoppedTaskBound, WithinTheBoundNothingMovesOrGoes) {
    std::vector<Task> tasks{task("s1", "STOPPED", 5), task("r1", "RUNNING", -1), task("s2", "STOPPED", 9)};
    keep_recent_stops(tasks);
    ASSERT_EQ(tasks.size(), 3u);
    EXPECT_TRUE(tasks[0].arn.ends_with("s1"));
    EXPECT_TRUE(tasks[1].arn.ends_with("r1"));
    keep_recent_stops(tasks, 1);
    ASSERT_EQ(tasks.size(), 2u);
    EXPECT_TRUE(tasks[0].arn.ends_with("r1"));
    EXPECT_TRUE(tasks[1].arn.ends_with("s2"));
}

// A cluster whose one service stopped 150 tasks and runs none: ECS as a crash loop leaves it.
class CrashLoopCluster final : public Transport {
public:
    HttpResponse send(const HttpRequest& request) override {
        std::lock_guard lock(mutex_);
        const std::string target = request.headers.at("X-Amz-Target");
        const nlohmann::json body = nlohmann::json::parse(request.body);
        nlohmann::json answer = nlohmann::json::object();
        if (target.ends_with(".ListTasks")) {
            answer["taskArns"] = nlohmann::json::array();
            if (body["desiredStatus"] == "STOPPED")
                for (int i = 0; i < 150; ++i)
                    answer["taskArns"].push_back("arn:aws:ecs:eu-west-1:1:task/prod/t" + std::to_string(i));
        } else if (target.ends_with(".DescribeTasks")) {
            nlohmann::json stopped = template_["tasks"][0];
            for (const auto& arn : body["tasks"]) {
                stopped["taskArn"] = arn;
                stopped["group"] = "service:web";
                // Listed in an order that is not the order they stopped in.
                const int i = std::stoi(arn.get<std::string>().substr(arn.get<std::string>().rfind('t') + 1));
                stopped["stoppedAt"] = 1749746060.0 + (i * 37) % 150;
                answer["tasks"].push_back(stopped);
            }
            answer["failures"] = nlohmann::json::array();
        } else {
            answer = {{"services", nlohmann::json::array()}, {"failures", nlohmann::json::array()}};
        }
        return testing::response(200, answer.dump());
    }

private:
    std::mutex mutex_;
    nlohmann::json template_ = nlohmann::json::parse(testing::data_file("aws/ecs_describe_tasks.json"));
};

TEST(StoppedTaskBound, TheClusterFetchKeepsTheBoundPerService) {
    Fixture f;
    CrashLoopCluster transport;
    auto cluster = Fixture::cluster(transport, f.clock, "web");
    auto gen = cluster->get(f.ctx);
    f.drain();
    auto tasks = gen->tasks.peek();
    ASSERT_TRUE(tasks);
    auto web = tasks->of("web");
    ASSERT_TRUE(web) << web.error().message;
    ASSERT_EQ(web->size(), kMaxStoppedTasksPerService);
    for (const Task& t : *web)  // the 50 oldest of stoppedAt +0..+149 are gone
        EXPECT_GE(*t.stopped_at, from_epoch_seconds(1749746060.0 + 50)) << t.arn;
}

// A refresh given up waiting (a hung call, a first picture queued behind the budget) is followed
// by the next one on time; it must join the cluster's generation still in flight, not start
// another cluster's worth of calls behind it.
TEST(ClusterFetchBound, AGenerationInFlightIsJoinedNotRepeated) {
    Fixture f;
    CrashLoopCluster transport;
    auto cluster = Fixture::cluster(transport, f.clock, "web");
    auto first = cluster->get(f.ctx);  // its calls wait in the pool: in flight
    f.clock.advance(1min);  // far past max_age (10 s)
    EXPECT_EQ(cluster->get(f.ctx).get(), first.get());
    f.drain();
    ASSERT_TRUE(first->tasks.peek());
    f.clock.advance(1min);  // complete and old: a new one
    EXPECT_NE(cluster->get(f.ctx).get(), first.get());
    f.drain();
}

// A service whose answer names twelve target groups, two more than ECS can attach.
class ManyGroupsCluster final : public Transport {
public:
    std::vector<std::string> asked;  // the target groups DescribeTargetGroups was asked for
    HttpResponse send(const HttpRequest& request) override {
        std::lock_guard lock(mutex_);
        if (request.headers.count("X-Amz-Target") == 0) {  // ELBv2, the Query protocol
            for (const auto& [key, value] : parse_form(request.body))
                if (key.starts_with("TargetGroupArns.member.")) asked.push_back(value);
            return testing::response(403, "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message>"
                                          "</Error></ErrorResponse>");
        }
        const std::string target = request.headers.at("X-Amz-Target");
        if (target.ends_with(".ListTasks")) return testing::response(200, R"({"taskArns":[]})");
        nlohmann::json answer = nlohmann::json::parse(testing::data_file("aws/ecs_describe_services.json"));
        auto& lbs = answer["services"][0]["loadBalancers"];
        lbs = nlohmann::json::array();
        for (int i = 0; i < 12; ++i) lbs.push_back({{"targetGroupArn", group(i)}, {"containerPort", 8080}});
        return testing::response(200, answer.dump());
    }
    static std::string group(int i) {
        return "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/g" + std::to_string(i) + "/0123456789abcdef";
    }

private:
    std::mutex mutex_;
};

TEST(TargetGroupBound, AServiceNamingMoreGroupsThanECSAttachesIsReadUpToTheBound) {
    Fixture f;
    ManyGroupsCluster transport;
    auto cluster = Fixture::cluster(transport, f.clock, "streamr-p2p");
    auto gen = cluster->get(f.ctx);
    f.drain();
    EXPECT_EQ(transport.asked.size(), kMaxTargetGroupsPerService);
    auto meta = gen->target_groups.peek();
    ASSERT_TRUE(meta && *meta);
    auto past = (*meta)->of({ManyGroupsCluster::group(11)});
    ASSERT_FALSE(past);
    EXPECT_EQ(past.error().code, "TooManyTargetGroups");
    EXPECT_EQ(past.error().message, "service streamr-p2p names more than 10 target groups; " +
                                        ManyGroupsCluster::group(11) + " is not read");
    EXPECT_EQ((*meta)->of({ManyGroupsCluster::group(0)}).error().code, "AccessDenied");
}

// A week of log matches (or any events) keeps the newest kMaxTimelineEntries, in every path that
// builds a timeline: the scheduler's option, analyze() and build_timeline() all default to it.
TEST(TimelineBound, TheNewestEntriesAreKeptUpToTheNamedBound) {
    PipelineSnapshot snap;
    std::vector<LogMatch> matches;
    for (int i = 0; i < 3 * static_cast<int>(kMaxTimelineEntries); ++i)
        matches.push_back({TimePoint{} + std::chrono::seconds(i), "stream", "match " + std::to_string(i)});
    snap.logs.value = matches;
    auto timeline = build_timeline(snap);
    ASSERT_EQ(timeline.size(), kMaxTimelineEntries);
    EXPECT_EQ(timeline.front().time, TimePoint{} + std::chrono::seconds(3 * kMaxTimelineEntries - 1));
    EXPECT_EQ(timeline.back().time, TimePoint{} + std::chrono::seconds(2 * kMaxTimelineEntries));
    EXPECT_EQ(analyze(snap).timeline.size(), kMaxTimelineEntries);
    EXPECT_EQ(SchedulerOptions{}.timeline_limit, kMaxTimelineEntries);
}

}  // namespace
}  // namespace shipwatch

// API calls per refresh and time to the first full picture, for 1, 10 and 100 services in one
// cluster, against the simulator with 50 ms added to every request. Prints, next to the
// measured calls, the fewest the APIs' batching limits allow for the same refresh, and next to
// the measured round trips, the dependency chain's: the physical limit of a first picture.
#include <benchmark/benchmark.h>
#include <poll.h>

#include <chrono>
#include <map>

#include <nlohmann/json.hpp>

#include "sim/demo_sources.hpp"
#include "engine/scheduler.hpp"

using namespace shipwatch;
using nlohmann::json;

namespace {

constexpr int kTasksPerService = 3;

// The `healthy` scenario with its one service copied n times (own tasks, target group, endpoint).
sim::Scenario scaled_scenario(int n) {
    json doc = json::parse(sim::embedded_scenarios().at("healthy"));
    auto& region = doc["world"]["aws"]["us-west-2"];
    auto& cluster = region["ecs"]["clusters"]["payments-prod"];
    json service0 = cluster["services"][0];
    json tasks0 = cluster["tasks"];
    json tg0 = region["elbv2"]["targetGroups"][0];
    json health0 = region["elbv2"]["targetHealth"][tg0["TargetGroupArn"].get<std::string>()];
    json pipeline0 = doc["pipelines"][0];
    std::string url0 = pipeline0["version_url"];
    json endpoint0 = doc["world"]["http"][url0];
    cluster["services"] = json::array();
    cluster["tasks"] = json::array();
    region["elbv2"]["targetGroups"] = json::array();
    region["elbv2"]["targetHealth"] = json::object();
    doc["pipelines"] = json::array();
    doc["expect"] = json::object();
    for (int i = 0; i < n; ++i) {
        std::string name = "payments-api-" + std::to_string(i);
        std::string tg_arn = tg0["TargetGroupArn"].get<std::string>() + std::to_string(i);
        json svc = service0;
        svc["serviceName"] = name;
        svc["serviceArn"] = svc["serviceArn"].get<std::string>() + "-" + std::to_string(i);
        svc["loadBalancers"][0]["targetGroupArn"] = tg_arn;
        cluster["services"].push_back(svc);
        json health = json::array();
        for (int k = 0; k < kTasksPerService; ++k) {
            json t = tasks0[k];
            std::string ip = "10.40." + std::to_string(i) + "." + std::to_string(10 + k);
            t["taskArn"] = t["taskArn"].get<std::string>() + std::to_string(i);
            t["group"] = "service:" + name;
            t["attachments"][0]["details"][1]["value"] = ip;
            cluster["tasks"].push_back(t);
            json h = health0[k];
            h["Target"]["Id"] = ip;
            health.push_back(h);
        }
        json tg = tg0;
        tg["TargetGroupArn"] = tg_arn;
        tg["TargetGroupName"] = tg0["TargetGroupName"].get<std::string>() + std::to_string(i);
        region["elbv2"]["targetGroups"].push_back(tg);
        region["elbv2"]["targetHealth"][tg_arn] = health;
        json p = pipeline0;
        p["name"] = name;
        p["service"] = name;
        p["version_url"] = url0 + "/" + std::to_string(i);
        doc["world"]["http"][url0 + "/" + std::to_string(i)] = endpoint0;
        doc["pipelines"].push_back(p);
    }
    auto parsed = sim::parse_scenario(doc.dump());
    if (!parsed) throw std::runtime_error(parsed.error().message);
    return std::move(parsed).value();
}

int total(const std::map<std::string, int>& counts) {
    int sum = 0;
    for (const auto& [op, n] : counts) sum += n;
    return sum;
}

// The fewest calls one full refresh of n services needs under the APIs' batching limits.
int minimum_calls(int n) {
    auto pages = [](int items, int per) { return std::max(1, (items + per - 1) / per); };
    int tasks = n * kTasksPerService;
    return pages(n, 10)  // DescribeServices, 10 per call
           + pages(tasks, 100) + 1  // ListTasks RUNNING (100 per page) and STOPPED
           + pages(tasks, 100)  // DescribeTasks, 100 per call
           + n  // DescribeTargetHealth: one target group per call
           + n  // each pipeline's version endpoint
           + 1  // ECR DescribeImages for the one repository
           + 3;  // GitHub: commits, runs, jobs of the repository's newest run
}

// The first picture also reads what a steady refresh has cached: each task definition revision
// once (one here, shared by every service) and the target groups' metadata, 20 per call.
int minimum_first_calls(int n) {
    auto pages = [](int items, int per) { return std::max(1, (items + per - 1) / per); };
    return minimum_calls(n) + 1  // DescribeTaskDefinition: every service runs the same revision
           + pages(n, 20)  // DescribeTargetGroups, 20 per call
           + 1;  // DescribeLoadBalancers: the services share one load balancer
}

// The longest chain of calls that each need the one before, in round trips, for a first
// picture: the task listing (ListTasks page after page, 100 tasks a page, then DescribeTasks of
// the last page), or DescribeServices -> DescribeTaskDefinition -> ECR DescribeImages (the
// repository is named by the task definition), or DescribeServices -> DescribeTargetGroups ->
// DescribeLoadBalancers. GitHub's commits and runs -> the run's jobs is 2.
int chain_round_trips(int n) {
    int listing = std::max(1, (n * kTasksPerService + 99) / 100) + 1;
    return std::max(listing, 3);
}

constexpr auto kLatency = std::chrono::milliseconds(50);  // added to every request
constexpr double kLatencySeconds = 0.05;

void BM_RefreshCalls(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    for (auto _ : state) {
        std::vector<sim::Scenario> scenarios{scaled_scenario(n)};
        DemoClock clock;
        clock.frozen = true;
        auto demo = make_demo_from(std::move(scenarios), clock, kLatency);
        auto& world = *demo->worlds.front();

        // Time to the first full picture: the scheduler's engine, as the dashboard runs it.
        auto start = std::chrono::steady_clock::now();
        Scheduler scheduler(std::move(demo->collectors), SchedulerOptions{});
        scheduler.start();
        for (;;) {
            auto pic = scheduler.latest();
            bool all = std::all_of(pic->pipelines.begin(), pic->pipelines.end(), [](const auto& e) { return e.ready(); });
            if (all) break;
            pollfd pfd{scheduler.notify_fd(), POLLIN, 0};
            poll(&pfd, 1, 100);
            scheduler.drain_notifications();
        }
        double first = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        int first_calls = total(world.call_counts());
        scheduler.stop();

        state.SetIterationTime(first);
        state.counters["services"] = n;
        state.counters["first_picture_s"] = first;
        state.counters["first_picture_calls"] = first_calls;
        state.counters["min_first_picture_calls"] = minimum_first_calls(n);
        state.counters["round_trips"] = first / kLatencySeconds;
        state.counters["chain_round_trips"] = chain_round_trips(n);
    }
}

// Steady state: every part refreshed once more after the first picture (task definitions are
// cached, GitHub answers 304).
void BM_SteadyRefreshCalls(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    for (auto _ : state) {
        DemoClock clock;
        clock.frozen = true;
        auto demo = make_demo_from({scaled_scenario(n)}, clock);
        auto& world = *demo->worlds.front();
        for (auto& c : demo->collectors) c->collect();
        int before = total(world.call_counts());
        // The frozen clock keeps the shared cluster fetch fresh; advance past its max age.
        static_cast<ManualClock&>(*demo->clocks.front()).advance(std::chrono::seconds(10));
        for (auto& c : demo->collectors) c->collect(RefreshParts::all());
        int calls = total(world.call_counts()) - before;
        state.counters["services"] = n;
        state.counters["calls_per_refresh"] = calls;
        state.counters["min_calls_per_refresh"] = minimum_calls(n);
        state.counters["live_only_calls"] = 0;
        before = total(world.call_counts());
        static_cast<ManualClock&>(*demo->clocks.front()).advance(std::chrono::seconds(10));
        for (auto& c : demo->collectors) c->collect(RefreshParts{true, false});
        state.counters["live_only_calls"] = total(world.call_counts()) - before;
    }
}

// ---- a CODE_DEPLOY service ------------------------------------------------------------------

// `blue-green` with one of its services: 0 = orders-api, a shift in progress; 1 = ledger-api, a
// rolled-back deployment whose replacement set and stopped tasks ECS has forgotten (only its
// AppSpec names ledger-api:42).
sim::Scenario codedeploy_scenario(int which) {
    json doc = json::parse(sim::embedded_scenarios().at("blue-green"));
    const std::string name = which == 0 ? "orders-api" : "ledger-api";
    json pipelines = json::array();
    for (const auto& p : doc["pipelines"])
        if (p["name"] == name) pipelines.push_back(p);
    doc["pipelines"] = pipelines;
    doc["expect"] = json::object();
    auto& tasks = doc["world"]["aws"]["eu-central-1"]["ecs"]["clusters"]["payments-bg"]["tasks"];
    json kept = json::array();
    for (const auto& t : tasks)
        if (t["lastStatus"] != "STOPPED") kept.push_back(t);
    tasks = kept;
    auto parsed = sim::parse_scenario(doc.dump());
    if (!parsed) throw std::runtime_error(parsed.error().message);
    return std::move(parsed).value();
}

// The fewest calls of one CODE_DEPLOY service's first picture: the rolling service's, with each
// task set's revision (orders-api: 41 and 42; ledger-api: 41 and the AppSpec's 42), and the
// CodeDeploy chain.
int minimum_codedeploy_calls(int which) {
    int groups = which == 0 ? 2 : 1;  // orders-api's sets are in blue and green; ledger-api's in blue
    return 1  // DescribeServices
           + 2 + 1  // ListTasks RUNNING and STOPPED, DescribeTasks
           + 2  // DescribeTaskDefinition: the two revisions
           + groups + 1 + 1  // DescribeTargetHealth per group, DescribeTargetGroups, DescribeLoadBalancers
           + 1 + 1 + 3  // the version endpoint, ECR DescribeImages, GitHub commits, runs and jobs
           + 4;  // GetDeployment, ListDeployments, BatchGetDeployments, GetDeploymentTarget
}

// DescribeServices -> GetDeployment (the primary set's) -> ListDeployments (the group's since) ->
// BatchGetDeployments -> GetDeploymentTarget: 5. The AppSpec's revision is known after
// BatchGetDeployments, so its DescribeTaskDefinition could run beside GetDeploymentTarget.
constexpr int kCodeDeployChain = 5;

void BM_CodeDeployFirstPicture(benchmark::State& state) {
    const int which = static_cast<int>(state.range(0));
    for (auto _ : state) {
        DemoClock clock;
        clock.frozen = true;
        auto demo = make_demo_from({codedeploy_scenario(which)}, clock, kLatency);
        auto& world = *demo->worlds.front();
        auto start = std::chrono::steady_clock::now();
        Scheduler scheduler(std::move(demo->collectors), SchedulerOptions{});
        scheduler.start();
        for (;;) {
            auto pic = scheduler.latest();
            if (!pic->pipelines.empty() && pic->pipelines.front().ready()) break;
            pollfd pfd{scheduler.notify_fd(), POLLIN, 0};
            poll(&pfd, 1, 100);
            scheduler.drain_notifications();
        }
        double first = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        int calls = total(world.call_counts());
        scheduler.stop();
        state.SetIterationTime(first);
        state.SetLabel(which == 0 ? "orders-api shifting" : "ledger-api rolled back, set and tasks forgotten");
        state.counters["first_picture_s"] = first;
        state.counters["first_picture_calls"] = calls;
        state.counters["min_first_picture_calls"] = minimum_codedeploy_calls(which);
        state.counters["round_trips"] = first / kLatencySeconds;
        state.counters["chain_round_trips"] = kCodeDeployChain;
    }
}

}  // namespace

BENCHMARK(BM_CodeDeployFirstPicture)->Arg(0)->Arg(1)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RefreshCalls)->Arg(1)->Arg(10)->Arg(100)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SteadyRefreshCalls)->Arg(1)->Arg(10)->Arg(100)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();

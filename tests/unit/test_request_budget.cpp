// The request budget and the spread schedule end to end, in virtual time: 200 pipelines of the
// generated fleet, refreshed by the real Scheduler (Scheduler::run_virtual: the plan, the
// collectors and their merges on the test's thread, no real sleep) through a RetryTransport; a
// counting Transport under it records when every request went out. No request rate ever exceeds
// the budget (any sliding second holds at most rate + burst requests per source), a steady-state
// interval's requests are spread over it, and each cluster's batched ECS fetch still happens once
// per interval.
//
// Time: the scheduler moves the clock to each due refresh; a pacing wait does not move it (with
// threads, one request's wait does not hold up another source's requests), it dates that request
// later: a request goes out at the clock's time plus its own wait, as the token bucket reserved
// it. The fleet's world does not change over the minute, so answering at the clock's time is the
// same answer.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "engine/collector.hpp"
#include "engine/scheduler.hpp"
#include "http/retry_transport.hpp"
#include "sim/fleet.hpp"
#include "sim/simulator.hpp"
#include "model/analysis.hpp"

using namespace shipwatch;
using namespace std::chrono_literals;

namespace {

// Moves only forward, and only when told: the scheduler moves it to each due refresh; from
// several threads at once it keeps the latest time it was told.
class VirtualClock final : public ClockSource {
public:
    explicit VirtualClock(TimePoint t) : ms_(t.time_since_epoch().count()) {}
    TimePoint now() const override { return TimePoint{Duration{ms_.load()}}; }
    void advance_to(TimePoint t) {
        long long target = t.time_since_epoch().count(), cur = ms_.load();
        while (cur < target && !ms_.compare_exchange_weak(cur, target)) {
        }
    }

private:
    std::atomic<long long> ms_;
};

// Records when each request went out, per source, and which ECS operation it was: the clock's
// time plus the pacing wait the retry layer reserved for it (`waited`, taken and reset here).
class CountingTransport final : public Transport {
public:
    CountingTransport(Transport& inner, const ClockSource& clock) : inner_(inner), clock_(clock) {}
    HttpResponse send(const HttpRequest& request) override {
        {
            std::lock_guard lock(mutex_);
            TimePoint now = clock_.now() + std::exchange(waited, Duration::zero());
            sent_[request.budget + "|" + source_name(request)].push_back(now);
            if (auto it = request.headers.find("X-Amz-Target"); it != request.headers.end()) operations_[it->second].push_back(now);
            urls_.push_back(request.url);
        }
        return inner_.send(request);
    }
    std::map<std::string, std::vector<TimePoint>> sent_;  // "service|source" -> times
    std::map<std::string, std::vector<TimePoint>> operations_;  // X-Amz-Target -> times
    std::vector<std::string> urls_;
    Duration waited{};  // the pacing wait of the request being sent (one at a time: fetch_threads = 0)

private:
    Transport& inner_;
    const ClockSource& clock_;
    std::mutex mutex_;
};

constexpr Duration kLive = 10s, kSlow = 30s;

struct Fleet {
    explicit Fleet(RetryOptions budget)
        : scenario(make()),
          clock(scenario.start),
          world(std::make_shared<sim::World>(scenario, clock)),
          sim(world),
          counting(sim, clock),
          retry(counting, clock, budget, [this](Duration d) { counting.waited += d; }),
          options(std::move(budget)) {
        auto gh = std::make_shared<github::GithubClient>(github::GithubContext{&retry, "https://api.github.com", ""});
        auto slow_cache = std::make_shared<SlowSourceCache>(clock, kSlow / 2);  // as make_live does
        std::map<std::string, std::shared_ptr<EcsClusterFetch>> clusters;
        for (const auto& spec : scenario.pipelines) {
            CollectorSources src;
            src.aws = aws::AwsContext{&retry, spec.region, aws::Endpoints(spec.region)};
            src.github = gh;
            src.http = &retry;
            src.slow_cache = slow_cache;
            if (spec.kind == PipelineKind::ecs) {
                auto& c = clusters[spec.region + "/" + spec.cluster];
                if (!c) c = std::make_shared<EcsClusterFetch>(src.aws, spec.cluster, clock, kLive / 2);
                src.ecs_cluster = c;
                ++services_per_cluster[spec.region + "/" + spec.cluster];
            }
            names.push_back(spec.name);
            collectors.push_back(std::make_unique<PipelineCollector>(spec, std::move(src), clock));
        }
    }

    static sim::Scenario make() {
        sim::FleetOptions o;
        o.pipelines = 200;
        auto fleet = sim::make_fleet(o);
        if (!fleet) throw std::runtime_error(fleet.error().message);
        return std::move(fleet).value().scenario;
    }

    // The real scheduler until `until` (plan time); the verdicts are its last picture's.
    void run(Duration until) {
        SchedulerOptions so;
        so.live_interval = kLive;
        so.slow_interval = kSlow;
        so.fetch_threads = 0;
        so.clock = &clock;
        Scheduler scheduler(std::move(collectors), so);
        scheduler.run_virtual(until, [this](TimePoint t) { clock.advance_to(t); });
        for (const auto& e : scheduler.latest()->pipelines)
            verdicts.push_back(e.analysis ? std::string(to_string(e.analysis->diagnosis.verdict.code)) : std::string());
    }

    double rate_of(const std::string& service) const {
        auto it = options.service_rates.find(service);
        return it != options.service_rates.end() ? it->second : options.requests_per_second;
    }

    // The most requests any one source sent in a sliding second, and how many it may.
    void expect_within_budget() const {
        for (const auto& [key, times] : counting.sent_) {
            std::string service = key.substr(0, key.find('|'));
            double allowed = rate_of(service) + options.burst;
            std::vector<TimePoint> sorted = times;
            std::sort(sorted.begin(), sorted.end());
            size_t most = 0;
            for (size_t i = 0, j = 0; i < sorted.size(); ++i) {
                while (sorted[i] - sorted[j] >= 1s) ++j;  // window (t - 1s, t]
                most = std::max(most, i - j + 1);
            }
            EXPECT_LE(static_cast<double>(most), allowed) << key << ": " << most << " requests in one second";
        }
    }

    sim::Scenario scenario;
    VirtualClock clock;
    std::shared_ptr<sim::World> world;
    sim::SimTransport sim;
    CountingTransport counting;
    RetryTransport retry;
    RetryOptions options;
    std::vector<std::unique_ptr<PipelineCollector>> collectors;  // until run() hands them to the scheduler
    std::vector<std::string> names;
    std::vector<std::string> verdicts;
    std::map<std::string, int> services_per_cluster;
};

RetryOptions budget(double rps, double burst, std::map<std::string, double> services) {
    RetryOptions o;
    o.requests_per_second = rps;
    o.burst = burst;
    o.service_rates = std::move(services);
    o.random = [] { return 0.5; };
    return o;
}

}  // namespace

// A budget that covers the fleet's steady demand: requests stay inside it, the steady state is
// spread over the interval, and every cluster is asked once per interval.
TEST(RequestBudget, SpreadAndWithinBudgetAt200Pipelines) {
    Fleet f(budget(40, 10, {{"github", 4}, {"logs", 1}}));
    f.run(70s);
    f.expect_within_budget();

    // The first picture: every pipeline has the verdict the fleet declares.
    ASSERT_EQ(f.verdicts.size(), f.names.size());
    for (size_t i = 0; i < f.names.size(); ++i) {
        const std::string& name = f.names[i];
        if (auto it = f.scenario.expect.find(name); it != f.scenario.expect.end()) EXPECT_EQ(f.verdicts[i], it->second) << name;
    }

    // Steady state, three live intervals [30 s, 60 s): each quarter of the interval carries a
    // fair share of the requests, not the first part all of them.
    std::array<int, 4> quarters{};
    int total = 0;
    for (const auto& [key, times] : f.counting.sent_)
        for (TimePoint t : times) {
            Duration at = t - f.scenario.start;
            if (at < 30s || at >= 60s) continue;
            ++quarters[static_cast<size_t>((at % kLive) * 4 / kLive)];
            ++total;
        }
    ASSERT_GT(total, 0);
    for (size_t q = 0; q < 4; ++q) {
        double share = static_cast<double>(quarters[q]) / total;
        EXPECT_GT(share, 0.12) << "quarter " << q << " of the interval: " << quarters[q] << " of " << total;
        EXPECT_LT(share, 0.40) << "quarter " << q << " of the interval: " << quarters[q] << " of " << total;
    }

    // Batching survives the spread: DescribeServices per cluster (10 services a call), not per pipeline.
    int expected = 0;
    for (const auto& [cluster, n] : f.services_per_cluster) expected += 3 * ((n + 9) / 10);
    int described = 0;
    for (TimePoint t : f.counting.operations_["AmazonEC2ContainerServiceV20141113.DescribeServices"])
        if (t - f.scenario.start >= 30s && t - f.scenario.start < 60s) ++described;
    // At most one batched call per cluster per interval (the cluster fetch may serve a refresh
    // from the answer it just got), and never none: the spread must not stop the batching.
    EXPECT_LE(described, expected);
    EXPECT_GE(described, expected / 3);
}

// A budget far below the demand (the default 5 a second for 200 pipelines): refreshes take
// longer, requests never go faster.
TEST(RequestBudget, TightBudgetIsNeverExceeded) {
    Fleet f(budget(5, 10, {{"github", 1}, {"logs", 1}}));
    f.run(40s);
    f.expect_within_budget();
    ASSERT_EQ(f.verdicts.size(), f.names.size());
    for (size_t i = 0; i < f.names.size(); ++i) EXPECT_FALSE(f.verdicts[i].empty()) << f.names[i];
}

// Pipelines of one repository in different AWS profiles (prod, staging, canary of one service)
// share its GitHub answers: GitHub's token is the same whatever the AWS account, so one refresh
// of the fleet asks for a repository's commits once, not once per profile.
TEST(RequestBudget, GithubAnswersAreSharedAcrossAwsProfiles) {
    sim::Scenario scenario = Fleet::make();
    VirtualClock clock(scenario.start);
    auto world = std::make_shared<sim::World>(scenario, clock);
    sim::SimTransport sim(world);
    CountingTransport counting(sim, clock);
    RetryOptions none = budget(0, 10, {});
    std::vector<std::unique_ptr<RetryTransport>> profiles;
    for (int i = 0; i < 3; ++i) profiles.push_back(std::make_unique<RetryTransport>(counting, clock, none, [](Duration) {}));
    RetryTransport unsigned_http(counting, clock, none, [](Duration) {});
    auto gh = std::make_shared<github::GithubClient>(github::GithubContext{&unsigned_http, "https://api.github.com", ""});
    auto slow_cache = std::make_shared<SlowSourceCache>(clock, kSlow / 2);
    std::set<std::string> repos;
    std::map<std::string, std::set<size_t>> profiles_of_repo;
    for (size_t i = 0; i < scenario.pipelines.size(); ++i) {
        const auto& spec = scenario.pipelines[i];
        CollectorSources src;
        src.aws = aws::AwsContext{profiles[i % 3].get(), spec.region, aws::Endpoints(spec.region)};
        src.github = spec.repo.empty() ? nullptr : gh;
        src.http = &unsigned_http;
        src.slow_cache = slow_cache;
        if (!spec.repo.empty()) {
            repos.insert(spec.repo + "|" + spec.branch);
            profiles_of_repo[spec.repo].insert(i % 3);
        }
        PipelineCollector(spec, std::move(src), clock).collect();
    }
    size_t several = std::count_if(profiles_of_repo.begin(), profiles_of_repo.end(), [](const auto& kv) { return kv.second.size() > 1; });
    ASSERT_GT(several, 10u) << "the fleet should spread a repository's pipelines over profiles";
    std::map<std::string, int> commit_calls;
    for (const auto& url : counting.urls_)
        if (auto at = url.find("/commits?"); at != std::string::npos && url.find("/repos/") != std::string::npos) ++commit_calls[url.substr(0, at)];
    EXPECT_EQ(commit_calls.size(), repos.size());
    for (const auto& [repo, calls] : commit_calls) EXPECT_EQ(calls, 1) << repo;
}

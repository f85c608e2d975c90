// The fetch pool's size from the request budget and the cores (fetch_pool_size): requests in
// flight = rate × latency, twice over for the slow tail, within [max(8, cores), 64].
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <thread>

#include "engine/fetch_graph.hpp"
#include "engine/live_sources.hpp"

namespace shipwatch {
namespace {

using namespace std::chrono_literals;

int size(double rate, Duration latency, unsigned cores) { return fetch_pool_size({rate, latency, cores}); }

TEST(FetchPoolSize, InFlightIsTwiceRateTimesLatency) {
    EXPECT_EQ(size(42, 250ms, 2), 21);
    EXPECT_EQ(size(100, 250ms, 2), 50);
    EXPECT_EQ(size(20, 500ms, 2), 20);
    EXPECT_EQ(size(21, 250ms, 2), 11);  // rounded up: 10.5 in flight need 11 threads
}

TEST(FetchPoolSize, NeverFewerThanAFewNorThanTheCores) {
    EXPECT_EQ(size(1, 250ms, 2), kMinFetchThreads);  // a slow budget still leaves room for a hung call or two
    EXPECT_EQ(size(5, 0ms, 1), kMinFetchThreads);
    EXPECT_EQ(size(5, 250ms, 32), 32);  // answers are parsed on the pool: every core may
    EXPECT_EQ(size(5, 250ms, 0), kMinFetchThreads);  // an unknown core count counts as one
    EXPECT_EQ(size(5, 250ms, 1000), kMaxFetchThreads);
}

TEST(FetchPoolSize, NeverMoreThanTheCapWhateverTheBudget) {
    // 10,000 pipelines over 300 profiles and regions: the budget, not the pool, paces them.
    EXPECT_EQ(size(300 * 42, 250ms, 2), kMaxFetchThreads);
    EXPECT_EQ(size(1e9, 10s, 2), kMaxFetchThreads);
    EXPECT_EQ(size(std::numeric_limits<double>::infinity(), 250ms, 2), kMaxFetchThreads);
}

TEST(FetchPoolSize, UnpacedRequestsGetTheMost) {
    EXPECT_EQ(size(0, 250ms, 2), kMaxFetchThreads);
    EXPECT_EQ(size(-1, 250ms, 2), kMaxFetchThreads);
    EXPECT_EQ(size(std::nan(""), 250ms, 2), kMaxFetchThreads);
}

// make_live sizes the pool from the configured budget: every AWS service's per profile and
// region, GitHub's, the version endpoints' per host, the registries'.
TEST(FetchPoolSize, LiveSourcesSizeThePoolFromTheBudget) {
    auto home = std::filesystem::temp_directory_path() / "shipwatch-pool-size-home";
    std::filesystem::create_directories(home);
    setenv("HOME", home.c_str(), 1);
    setenv("GH_TOKEN", "test-token", 1);  // so `gh` is not asked
    for (const char* name : {"AWS_CONFIG_FILE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"}) unsetenv(name);
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    auto live_size = [](const Config& config) {
        auto live = make_live(config);
        EXPECT_TRUE(live) << live.error().message;
        return live ? live.value()->fetch_threads : -1;
    };
    Config config;
    for (const char* region : {"us-west-2", "eu-west-1", "ap-southeast-2"}) {
        PipelineConfig p;
        p.spec.name = std::string("shop-") + region;
        p.spec.region = region;
        p.spec.cluster = "prod";
        p.spec.service = "shop";
        p.spec.version_url = "https://shop.example.com/version";
        config.pipelines.push_back(p);
    }
    // The defaults: 5 a second per service, logs and GitHub 1: 36 per region for the eight AWS
    // services, 108 for three, + GitHub 1 + one version host 5 + registries 5 = 119 a second;
    // 2 × 119 × 0.25 s = 59.5 in flight.
    EXPECT_EQ(live_size(config), std::max(60, std::min(cores, kMaxFetchThreads)));
    config.pipelines.resize(1);  // one region: 47 a second, 23.5 in flight
    EXPECT_EQ(live_size(config), std::max(24, std::min(cores, kMaxFetchThreads)));
    config.budget.requests_per_second = 1;
    config.budget.services.clear();  // 8 + 1 + 1 + 1 = 11 a second: a few threads are enough
    EXPECT_EQ(live_size(config), std::clamp(cores, kMinFetchThreads, kMaxFetchThreads));
    config.budget.requests_per_second = 100;  // 2 × 1,100 × 0.25: capped
    EXPECT_EQ(live_size(config), kMaxFetchThreads);
}

}  // namespace
}  // namespace shipwatch

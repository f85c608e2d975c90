// The GitHub client against the simulator: a refresh with nothing new is answered 304 (which
// costs no rate limit) and still gives the same data.
#include <gtest/gtest.h>

#include "base/clock.hpp"
#include "sources/github/github_client.hpp"
#include "sim/simulator.hpp"

using namespace shipwatch;

TEST(GithubAgainstSim, UnchangedRefreshIsNotModified) {
    auto scenario = sim::load_builtin("merged-after-deploy");
    ASSERT_TRUE(scenario.ok()) << scenario.error().message;
    ManualClock clock(scenario->start);
    auto world = std::make_shared<sim::World>(std::move(scenario).value(), clock);
    sim::SimTransport transport(world);
    github::GithubClient client({&transport, "https://api.github.com", "token"});

    auto first = client.commits("acme-art/hokusai-api", "main", 30);
    ASSERT_TRUE(first.ok()) << first.error().message;
    auto runs = client.workflow_runs("acme-art/hokusai-api", "main", "ci.yml", 20);
    ASSERT_TRUE(runs.ok());
    EXPECT_EQ(client.not_modified_count(), 0);

    clock.advance(std::chrono::seconds(30));
    auto second = client.commits("acme-art/hokusai-api", "main", 30);
    auto runs_again = client.workflow_runs("acme-art/hokusai-api", "main", "ci.yml", 20);
    ASSERT_TRUE(second.ok());
    ASSERT_TRUE(runs_again.ok());
    EXPECT_EQ(client.not_modified_count(), 2) << "both unchanged answers came back 304";
    ASSERT_EQ(second->size(), first->size());
    EXPECT_EQ(second->front().sha, first->front().sha);
    EXPECT_EQ(runs_again->size(), runs->size());
    EXPECT_EQ(runs_again->size(), 2u) << "the ci.yml filter leaves out the integration-test run";
}

// The fleet generator: layout, names, the week's script (applies cleanly, stays bounded), the
// ground truth, and the static fleet's verdicts as the real engine judges them.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <set>

#include "sim/demo_sources.hpp"
#include "sim/fleet.hpp"
#include "sim/fleet_detail.hpp"
#include "model/analysis.hpp"

namespace shipwatch::sim {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

TEST(FleetNames, FleetNamesParseAndOthersAreNotFleets) {
    EXPECT_FALSE(fleet_options_from_name("healthy").has_value());
    auto twenty = fleet_options_from_name("fleet-20");
    ASSERT_TRUE(twenty && *twenty);
    EXPECT_EQ(twenty->value().pipelines, 20);
    EXPECT_FALSE(twenty->value().week);
    auto week = fleet_options_from_name("fleet-50-week");
    ASSERT_TRUE(week && *week);
    EXPECT_EQ(week->value().pipelines, 50);
    EXPECT_TRUE(week->value().week);
    for (const char* bad : {"fleet-0", "fleet-10001", "fleet-x", "fleet-20-weeks", "fleet"}) {
        auto r = fleet_options_from_name(bad);
        ASSERT_TRUE(r.has_value()) << bad;
        ASSERT_FALSE(*r) << bad;
        EXPECT_NE(r->error().message.find("1 to 10000"), std::string::npos) << r->error().message;
    }
}

TEST(FleetNames, LoadBuiltinKnowsFleetsAndSaysWhatIsWrong) {
    auto fleet = load_builtin("fleet-12");
    ASSERT_TRUE(fleet) << fleet.error().message;
    EXPECT_EQ(fleet->pipelines.size(), 12u);
    auto bad = load_builtin("fleet-20000");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "fleet-20000: the number of pipelines must be 1 to 10000");
    auto unknown = load_builtin("no-such");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("fleet-N"), std::string::npos);
}

TEST(FleetLayout, SpreadsOverRegionsAndClustersAndSharesRepositories) {
    FleetOptions o;
    o.pipelines = 40;
    auto fleet = make_fleet(o);
    ASSERT_TRUE(fleet) << fleet.error().message;
    const Scenario& s = fleet->scenario;
    std::set<std::string> regions, clusters, services, urls;
    std::map<std::string, int> per_repo;
    for (const PipelineSpec& p : s.pipelines) {
        regions.insert(p.region);
        clusters.insert(p.region + "/" + p.cluster);
        services.insert(p.region + "/" + p.cluster + "/" + p.service);
        urls.insert(p.version_url);
        ++per_repo[p.repo];
    }
    EXPECT_EQ(regions, (std::set<std::string>{"us-west-2", "eu-west-1", "ap-southeast-2"}));
    EXPECT_EQ(clusters.size(), 5u);
    EXPECT_EQ(services.size(), 40u);
    EXPECT_EQ(urls.size(), 40u);
    EXPECT_EQ(per_repo.size(), 14u);  // 3 per repository, the last one 1
    for (const auto& [repo, n] : per_repo) EXPECT_GE(n, 1);
    EXPECT_EQ(per_repo.begin()->second, 3);
    // Every object a pipeline needs is in the world.
    for (const PipelineSpec& p : s.pipelines) {
        const json& region = s.world["aws"][p.region];
        EXPECT_TRUE(region["ecr"]["repositories"].contains(p.service)) << p.name;
        EXPECT_TRUE(s.world["http"].contains(p.version_url)) << p.name;
        EXPECT_TRUE(s.world["github"][p.repo]["workflows"].contains(p.workflow)) << p.name;
    }
}

// 10,000 pipelines (the scale check's size): every name, address and ARN a pipeline is told
// apart by is its own, and names stay within AWS's lengths.
TEST(FleetLayout, TenThousandPipelinesAreAllTheirOwn) {
    FleetOptions o;
    o.pipelines = 10000;
    auto options = fleet_options_from_name("fleet-10000");
    ASSERT_TRUE(options && *options) << (options ? options->error().message : "not a fleet name");
    EXPECT_EQ(options->value().pipelines, 10000);
    const fleet::Layout layout = fleet::make_layout(o);
    ASSERT_EQ(layout.pipelines.size(), 10000u);
    EXPECT_EQ(layout.clusters.size(), 1250u);  // one per 8 pipelines
    std::set<std::string> names, groups, group_names, urls, secrets, ip_blocks;
    for (const auto& p : layout.pipelines) {
        names.insert(p.name);
        groups.insert(p.target_group_arn);
        group_names.insert(p.target_group_name);
        urls.insert(p.version_url);
        secrets.insert(p.secret_arn);
        ip_blocks.insert(fmt::format("{}.{}", 100 + p.ip_block / 250, p.ip_block % 250));
        EXPECT_LE(p.target_group_name.size(), 32u) << p.name;  // ELBv2's limit
        EXPECT_LE(p.name.size(), 255u) << p.name;  // ECS service names
    }
    for (const auto* set : {&names, &groups, &group_names, &urls, &secrets, &ip_blocks}) EXPECT_EQ(set->size(), 10000u);
}

TEST(FleetLayout, OutOfRangeOptionsSayWhatToFix) {
    FleetOptions o;
    o.pipelines = 0;
    auto r = make_fleet(o);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "fleet: 0 pipelines is out of range: use 1 to 10000");
    o.pipelines = 5;
    o.pipelines_per_repo = 11;
    ASSERT_FALSE(make_fleet(o));
    o.pipelines_per_repo = 3;
    o.regions.clear();
    ASSERT_FALSE(make_fleet(o));
}

TEST(FleetLayout, TheSameSeedGivesTheSameFleetAndAnotherSeedAnotherSchedule) {
    FleetOptions o;
    o.pipelines = 10;
    o.week = true;
    auto a = make_fleet(o), b = make_fleet(o);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->scenario.world, b->scenario.world);
    ASSERT_EQ(a->truth.broken.size(), b->truth.broken.size());
    o.seed = 2;
    auto c = make_fleet(o);
    ASSERT_TRUE(c);
    EXPECT_NE(a->truth.broken.front().from, c->truth.broken.front().from);
}

// The whole week applies without one failing step, and the world stays bounded while it runs.
TEST(FleetWeek, TheScriptAppliesCleanlyAndTheWorldStaysBounded) {
    FleetOptions o;
    o.pipelines = 50;
    o.week = true;
    auto fleet = make_fleet(o);
    ASSERT_TRUE(fleet) << fleet.error().message;
    ManualClock clock(fleet->scenario.start);
    World world(fleet->scenario, clock);
    // The world fills its bounded lists (commits, runs, jobs, images, revisions, events) over the
    // first days, then stays flat: the last day adds less than 5%.
    size_t by_day6 = 0;
    size_t biggest = 0;
    for (int hour = 0; hour <= 24 * 7; ++hour) {
        clock.set(fleet->scenario.start + std::chrono::hours(hour));
        size_t size = world.with_state([](const json& state, TimePoint) { return state.dump().size(); });
        if (hour <= 144) by_day6 = std::max(by_day6, size);
        biggest = std::max(biggest, size);
    }
    EXPECT_EQ(world.script_errors(), std::vector<std::string>{});
    std::string parts;  // where the bytes are, for the message below
    world.with_state([&](const json& state, TimePoint) {
        for (const auto& [region, services] : state["aws"].items())
            for (const auto& [service, content] : services.items())
                for (const auto& [key, value] : content.items())
                    parts += fmt::format(" {}/{}/{}={}", region, service, key, value.dump().size());
        parts += fmt::format(" github={} http={}", state["github"].dump().size(), state["http"].dump().size());
        for (const auto& [repo, content] : state["github"].items()) {
            EXPECT_LE(content["commits"].size(), 30u) << repo;
            EXPECT_LE(content["runs"].size(), 30u) << repo;
            EXPECT_LE(content["jobs"].size(), 30u) << repo;
        }
        for (const auto& [region, services] : state["aws"].items()) {
            for (const auto& [name, repository] : services["ecr"]["repositories"].items())
                EXPECT_LE(repository["images"].size(), 10u) << name;
            std::map<std::string, int> revisions;
            for (const json& d : services["ecs"]["taskDefinitions"]) ++revisions[d["family"].get<std::string>()];
            for (const auto& [family, n] : revisions) EXPECT_LE(n, 10) << family;
            for (const auto& [name, cluster] : services["ecs"]["clusters"].items())
                for (const json& service : cluster["services"]) EXPECT_LE(service["events"].size(), 100u);
        }
        return 0;
    });
    EXPECT_LT(biggest, by_day6 + by_day6 / 20) << "the world kept growing: " << by_day6 << " bytes by day 6, " << biggest
                                                << " by day 7;" << parts;
}

TEST(FleetWeek, TruthHasDeploymentsAndAnIncidentForEveryPipelineAndEveryIncidentKind) {
    FleetOptions o;
    o.pipelines = 50;
    o.week = true;
    auto fleet = make_fleet(o);
    ASSERT_TRUE(fleet);
    const FleetTruth& truth = fleet->truth;
    std::set<TruthKind> kinds;
    for (const TruthInterval& i : truth.broken) {
        kinds.insert(i.kind);
        EXPECT_LT(i.from, i.to);
        EXPECT_GE(i.from, fleet->scenario.start);
        EXPECT_LE(i.to, fleet->scenario.start + std::chrono::hours(24 * 7)) << i.pipeline;
    }
    EXPECT_EQ(kinds.size(), 5u);
    for (const PipelineSpec& p : fleet->scenario.pipelines) {
        EXPECT_GE(truth.deployments(p.name), 5) << p.name;
        EXPECT_GE(truth.incidents(p.name), 1) << p.name;
    }
    const TruthInterval& first = truth.broken.front();
    EXPECT_TRUE(truth.broken_at(first.pipeline, first.from));
    EXPECT_FALSE(truth.broken_at(first.pipeline, first.to));
    EXPECT_FALSE(truth.broken_throughout(first.pipeline, first.from - 1s, first.from + 1s));
}

// The static fleet's expectations are what the real clients and engine make of it.
TEST(FleetStatic, VerdictsAtTheStartAreTheExpectedOnes) {
    auto fleet = make_fleet(FleetOptions{});
    ASSERT_TRUE(fleet) << fleet.error().message;
    auto expect = fleet->scenario.expect;
    std::set<std::string> distinct;
    for (const auto& [p, v] : expect) distinct.insert(v);
    EXPECT_GE(distinct.size(), 3u) << "a mixed fleet";
    DemoClock clock;
    clock.frozen = true;
    auto demo = make_demo_from({fleet->scenario}, clock);
    for (auto& collector : demo->collectors) {
        PipelineAnalysis a = analyze(collector->collect());
        EXPECT_EQ(to_string(a.diagnosis.verdict.code), expect.at(collector->spec().name))
            << collector->spec().name << ": " << a.diagnosis.verdict.summary;
    }
}

}  // namespace
}  // namespace shipwatch::sim

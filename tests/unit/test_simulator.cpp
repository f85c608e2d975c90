// The simulator's scenarios and script: parsing, validation, steps in time order, templates,
// the bounds real AWS keeps, call counting.
#include <gtest/gtest.h>

#include "sim_fixture.hpp"

namespace shipwatch::sim {
namespace {

using namespace shipwatch::sim::testing;
using nlohmann::json;
using namespace std::chrono_literals;

// ---- scenarios ---------------------------------------------------------------------------------

TEST(Scenario, ParsesTheTinyScenario) {
    auto s = parse_scenario(tiny_text());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->name, "tiny");
    EXPECT_EQ(s->start, kStart);
    EXPECT_EQ(s->account, "123456789012");
    EXPECT_EQ(s->access_key_id, "AKIDSHIPWATCHSIM");
    ASSERT_EQ(s->pipelines.size(), 1u);
    const PipelineSpec& p = s->pipelines[0];
    EXPECT_EQ(p.kind, PipelineKind::ecs);
    EXPECT_EQ(p.region, "us-east-1");
    EXPECT_EQ(p.account, "123456789012");
    EXPECT_EQ(p.cluster, "tiny-cluster");
    EXPECT_EQ(p.target_groups, std::vector<std::string>{kTg});
    EXPECT_EQ(s->expect.at("tiny-api"), "live");
    ASSERT_EQ(s->script.size(), 2u);
    EXPECT_EQ(s->script[0].at, 2min);
    EXPECT_EQ(s->script[0].every, 0ms);
    EXPECT_EQ(s->script[1].every, 10min);
    EXPECT_EQ(s->script[1].until, 35min);
}

TEST(Scenario, ErrorsNameTheScenarioAndTheMember) {
    struct Case {
        std::function<void(json&)> change;
        std::string message;
    };
    const std::vector<Case> cases = {
        {[](json& d) { d["pipelines"][0]["kind"] = "lambda"; }, "scenario tiny: pipelines[0].kind must be ecs or ec2"},
        {[](json& d) { d.erase("start"); }, "scenario tiny: start is required"},
        {[](json& d) { d["start"] = "yesterday"; }, "scenario tiny: start must be an ISO-8601 time"},
        {[](json& d) { d["account"] = "12345"; }, "scenario tiny: account must be 12 digits"},
        {[](json& d) { d["pipelines"][0].erase("cluster"); }, "scenario tiny: pipelines[0].cluster is required"},
        {[](json& d) { d["pipelines"][0]["repo"] = "tiny"; }, "scenario tiny: pipelines[0].repo must be owner/name"},
        {[](json& d) { d["pipelines"][0]["regoin"] = "x"; }, "scenario tiny: pipelines[0].regoin is not a scenario member"},
        {[](json& d) { d["pipelines"] = json::array(); }, "scenario tiny: pipelines must be a non-empty array"},
        {[](json& d) { d["expect"]["ghost"] = "live"; }, "scenario tiny: expect.ghost names no pipeline"},
        {[](json& d) { d["script"][1]["every"] = "10 minutes"; }, "scenario tiny: script[1].every must be a duration"},
        {[](json& d) { d["script"][0]["patch"][0]["op"] = "append"; }, "scenario tiny: script[0].patch[0].op must be one of"},
        {[](json& d) { d["script"][1]["patch"][1]["value"] = "1"; }, "scenario tiny: script[1].patch[1].value must be a number"},
        {[](json& d) { d["script"][0]["until"] = "1h"; }, "scenario tiny: script[0].until only applies to a step with every"},
        {[](json& d) { d["world"]["aws"]["us-east-1"]["ecs"]["clusters"]["tiny-cluster"]["services"][0].erase("serviceName"); },
         "scenario tiny: world.aws.us-east-1.ecs.clusters.tiny-cluster.services[0].serviceName is required"},
        {[](json& d) { d["world"]["http"]["https://tiny.example.com/version"]["status"] = "200"; },
         "scenario tiny: world.http[https://tiny.example.com/version].status must be an HTTP status number"},
        {[](json& d) { d.erase("name"); }, "scenario (unnamed): name is required"},
    };
    for (const auto& c : cases) {
        json doc = tiny_doc();
        c.change(doc);
        auto s = parse_scenario(doc.dump());
        ASSERT_FALSE(s) << "accepted a scenario that should fail with: " << c.message;
        EXPECT_EQ(s.error().code, "scenario");
        EXPECT_EQ(s.error().message.rfind(c.message, 0), 0u) << s.error().message;
    }
    auto broken = parse_scenario("{\"name\": ");
    ASSERT_FALSE(broken);
    EXPECT_NE(broken.error().message.find("not valid JSON"), std::string::npos);
}

TEST(Scenario, BuiltinScenariosLoadAndTheirScriptsApplyCleanlyForSixHours) {
    auto names = scenario_names();
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
    for (const auto& name : names) {
        auto s = load_builtin(name);
        ASSERT_TRUE(s) << s.error().message;
        EXPECT_EQ(s->name, name);
        ManualClock clock(s->start);
        World world(std::move(s).value(), clock);
        for (int minute = 0; minute <= 6 * 60; minute += 7) {
            clock.set(world.scenario().start + std::chrono::minutes(minute));
            world.with_state([](const json&, TimePoint) { return 0; });
        }
        EXPECT_EQ(world.script_errors(), std::vector<std::string>{}) << name;
    }
    auto unknown = load_builtin("no-such-scenario");
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("no built-in scenario named 'no-such-scenario'"), std::string::npos);
}


// ---- the script ----------------------------------------------------------------------------------

TEST_F(Sim, OnceStepFiresAtItsTimeExactlyOnceWithTemplates) {
    auto once_events = [&] {
        std::vector<json> found;
        for (const json& e : service_events())
            if (e["id"].get<std::string>().rfind("ev-once", 0) == 0) found.push_back(e);
        return found;
    };
    at(2min - 1s);
    EXPECT_TRUE(once_events().empty());
    EXPECT_EQ(json::parse(get("https://tiny.example.com/version").body)["sha"], "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3");
    at(2min);
    auto events = once_events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0]["id"], "ev-once-1");  // ${seq}: the first firing of this world
    EXPECT_DOUBLE_EQ(events[0]["createdAt"].get<double>(), epoch("2025-06-12T17:42:00Z"));  // ${now}: scheduled time
    EXPECT_EQ(events[0]["message"], "(service tiny-api) once at 2025-06-12T17:40:30Z");  // ${now-90s}
    EXPECT_EQ(json::parse(get("https://tiny.example.com/version").body)["sha"], "d4d4d4d");
    at(3h);
    EXPECT_EQ(once_events().size(), 1u);
}

TEST_F(Sim, RepeatingStepFiresEveryIntervalUntilItsEnd) {
    auto failed = [&] {
        return ecs("DescribeServices", {{"cluster", "tiny-cluster"}, {"services", {"tiny-api"}}})["services"][0]["deployments"][0]
            ["failedTasks"].get<int>();
    };
    const std::vector<std::pair<Duration, int>> expected = {
        {4min, 0}, {5min, 1}, {14min, 1}, {15min, 2}, {34min, 3}, {35min, 4}, {36min, 4}, {2h, 4}};
    for (const auto& [when, count] : expected) {
        at(when);
        EXPECT_EQ(failed(), count) << "at +" << when.count() / 1000 << "s";
    }
    EXPECT_TRUE(world->script_errors().empty());
}

TEST_F(Sim, AJumpAppliesEveryDueFiringInTimeOrder) {
    at(40min);
    json runs = github("/repos/acme/tiny/actions/runs?per_page=100")["workflow_runs"];
    ASSERT_EQ(runs.size(), 6u);  // 2 + 4 firings
    // Inserted at the front, so the newest firing (seq 5: the once step at 2m took seq 1) is first.
    EXPECT_EQ(runs[0]["id"], 9100000005LL);  // "${seq+9100000000}" becomes a number
    EXPECT_EQ(runs[0]["run_number"], 5);
    EXPECT_EQ(runs[0]["created_at"], "2025-06-12T18:15:00Z");
    EXPECT_EQ(runs[3]["id"], 9100000002LL);
    EXPECT_EQ(runs[3]["created_at"], "2025-06-12T17:45:00Z");
    json events = service_events();
    ASSERT_EQ(events.size(), 7u);
    std::string id = events[0]["id"];
    ASSERT_EQ(id.size(), 11u);  // "ev-" + ${hex8}
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 3), std::string::npos);
    EXPECT_NE(events[0]["id"], events[1]["id"]);
}

TEST_F(Sim, StepsDueAtTheSameTimeApplyInScriptOrder) {
    json doc = tiny_doc();
    const std::string events = "/aws/us-east-1/ecs/clusters/tiny-cluster/services/0/events/0";
    auto step = [&](const char* id) {
        return json{{"at", "1m"},
                    {"patch", {{{"op", "add"}, {"path", events}, {"value", {{"id", std::string(id) + "-${seq}"}, {"createdAt", "${now}"}, {"message", id}}}}}}};
    };
    doc["script"] = json::array({step("first"), step("second")});
    load(doc);
    at(5min);
    json e = service_events();
    ASSERT_EQ(e.size(), 4u);
    EXPECT_EQ(e[0]["id"], "second-2");  // same createdAt: the later insertion stays in front
    EXPECT_EQ(e[1]["id"], "first-1");
}

TEST_F(Sim, TemplatesAreDeterministicAcrossWorlds) {
    at(40min);
    json first = service_events();
    ManualClock other_clock(kStart + 40min);
    SimTransport other_sim(std::make_shared<World>(parse_scenario(tiny_text()).value(), other_clock));
    HttpRequest r;
    r.method = "POST";
    r.url = "https://ecs.us-east-1.amazonaws.com/";
    r.headers["X-Amz-Target"] = std::string(kEcs) + ".DescribeServices";
    r.body = json{{"cluster", "tiny-cluster"}, {"services", {"tiny-api"}}}.dump();
    EXPECT_EQ(json::parse(other_sim.send(r).body)["services"][0]["events"], first);
}

TEST_F(Sim, AFailingStepIsSkippedWholeAndReported) {
    json doc = tiny_doc();
    doc["script"] = json::array({{{"at", "1m"},
                                  {"patch", {{{"op", "add"}, {"path", "/http/https:~1~1tiny.example.com~1extra"},
                                              {"value", {{"status", 200}, {"body", "x"}}}},
                                             {{"op", "increment"}, {"path", "/aws/us-east-1/ecs/clusters/tiny-cluster/services/0/serviceName"},
                                              {"value", 1}}}}}});
    load(doc);
    at(1min);
    EXPECT_EQ(get("https://tiny.example.com/extra").status, 404);  // the add was rolled back too
    auto errors = world->script_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("scenario tiny: script[0] at 2025-06-12T17:41:00Z"), std::string::npos) << errors[0];
}

// Every kind of operation a step can hold is taken back when a later one fails: the world after
// the failed step is the world before it, member for member.
TEST_F(Sim, AFailingStepLeavesTheWorldAsItWasWhateverItsOperationsChanged) {
    json doc = tiny_doc();
    const std::string service = "/aws/us-east-1/ecs/clusters/tiny-cluster/services/0";
    const std::string tasks = "/aws/us-east-1/ecs/clusters/tiny-cluster/tasks";
    json step = json::array({
        {{"op", "add"},
         {"path", service + "/events/0"},
         {"value", {{"id", "new"}, {"createdAt", "${now}"}, {"message", "m"}}}},
        {{"op", "add"}, {"path", tasks + "/-"}, {"value", {{"taskArn", "arn:extra"}, {"lastStatus", "RUNNING"}}}},
        {{"op", "remove"}, {"path", tasks + "/0"}},
        {{"op", "replace"}, {"path", service + "/desiredCount"}, {"value", 9}},
        {{"op", "add"}, {"path", service + "/serviceName"}, {"value", "renamed"}},  // over an existing member
        {{"op", "add"}, {"path", service + "/brandNew"}, {"value", 1}},
        {{"op", "remove"}, {"path", service + "/events/1"}},
        {{"op", "increment"}, {"path", service + "/desiredCount"}, {"value", 1}},
        {{"op", "test"}, {"path", service + "/desiredCount"}, {"value", 10}},
        {{"op", "increment"}, {"path", service + "/serviceName"}, {"value", 1}},  // fails: not a number
    });
    doc["script"] = json::array({{{"at", "1m"}, {"patch", step}}});
    load(doc);
    const std::string before = world->with_state([](const json& state, TimePoint) { return state.dump(); });
    at(1min);
    const std::string after = world->with_state([](const json& state, TimePoint) { return state.dump(); });
    EXPECT_EQ(after, before);
    EXPECT_EQ(world->script_errors().size(), 1u);
}

TEST_F(Sim, ServiceEventsAreCappedAtTheNewestHundred) {
    json doc = tiny_doc();
    doc["script"] = json::array({{{"at", "0s"}, {"every", "1m"},
                                  {"patch", {{{"op", "add"}, {"path", "/aws/us-east-1/ecs/clusters/tiny-cluster/services/0/events/-"},
                                              {"value", {{"id", "e${seq}"}, {"createdAt", "${now}"}, {"message", "tick ${seq}"}}}}}}}});
    load(doc);
    at(3h);  // 181 firings + 2 events from the document
    json events = service_events();
    ASSERT_EQ(events.size(), 100u);
    EXPECT_EQ(events[0]["id"], "e181");  // appended at the end, still returned newest first
    EXPECT_DOUBLE_EQ(events[0]["createdAt"].get<double>(), epoch("2025-06-12T20:40:00Z"));
    EXPECT_EQ(events[99]["id"], "e82");
    world->with_state([](const json& state, TimePoint) {
        EXPECT_EQ(state["aws"]["us-east-1"]["ecs"]["clusters"]["tiny-cluster"]["services"][0]["events"].size(), 100u);
        return 0;
    });
}

TEST_F(Sim, StoppedTasksAreDroppedAnHourAfterTheyStop) {
    EXPECT_EQ(task_ids("STOPPED"), std::vector<std::string>{"bbbb2222"});
    at(29min);  // 18:09, bbbb2222 stopped 17:09:40; script tasks stopped at 17:45, 17:55, 18:05
    EXPECT_EQ(task_ids("STOPPED").size(), 4u);
    at(30min);  // 18:10: bbbb2222 is more than an hour old
    auto ids = task_ids("STOPPED");
    EXPECT_EQ(ids.size(), 3u);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), "bbbb2222"), 0);
    at(2h);  // every script task stopped by 18:15, so all are gone from the world itself
    EXPECT_TRUE(task_ids("STOPPED").empty());
    world->with_state([](const json& state, TimePoint) {
        const json& tasks = state["aws"]["us-east-1"]["ecs"]["clusters"]["tiny-cluster"]["tasks"];
        EXPECT_EQ(tasks.size(), 2u);  // the two running ones
        return 0;
    });
}

// ---- counters and concurrency --------------------------------------------------------------------

TEST_F(Sim, CountsCallsPerOperationAcrossThreads) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                post_json("ecs", std::string(kEcs) + ".DescribeServices", {{"cluster", "tiny-cluster"}, {"services", {"tiny-api"}}});
                get("https://api.github.com/repos/acme/tiny/commits?sha=main");
            }
        });
    for (auto& t : threads) t.join();
    get("https://tiny.example.com/version?x=1");
    post_query("ec2", "Action=DescribeInstances&Version=2016-11-15");
    auto counts = sim->call_counts();
    EXPECT_EQ(counts["ecs:DescribeServices"], 100);
    EXPECT_EQ(counts["github:repos/list-commits"], 100);
    EXPECT_EQ(counts["http:https://tiny.example.com/version"], 1);
    EXPECT_EQ(counts["ec2:DescribeInstances"], 1);
    EXPECT_EQ(counts.count("secretsmanager:GetSecretValue"), 0u);
}


}  // namespace
}  // namespace shipwatch::sim

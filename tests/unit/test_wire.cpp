// The wire document (wire/): every snapshot the simulator produces, decorated with what its
// scenarios rarely hold (errors, upstream errors, max_age, states the API added, absent parts),
// decodes back to a snapshot that encodes to the same JSON and is diagnosed the same; a frame
// keeps its sources in every state; and every member removed or mistyped in turn, another wire
// version or too many pipelines is one error naming the member's path.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>

#include "base/clock.hpp"
#include "model/analysis.hpp"
#include "report/report.hpp"
#include "sim/demo_sources.hpp"
#include "sim/simulator.hpp"
#include "wire/wire.hpp"
#include "wire/wire_members.hpp"

namespace shipwatch {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::filesystem::path kSeedDir = std::filesystem::path(SHIPWATCH_TEST_DATA) / "../fuzz/seeds/wire";

// Every snapshot of `names` at `offsets` into their scenarios.
std::vector<PipelineSnapshot> collect_at(const std::vector<std::string>& names, const std::vector<Duration>& offsets) {
    ManualClock driver(TimePoint{});
    DemoClock clock;
    clock.follow = &driver;
    auto demo = make_demo(names, clock);
    EXPECT_TRUE(demo) << demo.error().message;
    std::vector<PipelineSnapshot> out;
    if (!demo) return out;
    Duration at{0};
    for (Duration offset : offsets) {
        driver.advance(offset - at);
        at = offset;
        for (auto& collector : (*demo)->collectors) out.push_back(collector->collect());
    }
    return out;
}

std::vector<std::string> every_scenario() {
    std::vector<std::string> names = sim::scenario_names();
    for (const auto& entry : std::filesystem::directory_iterator(std::string(SHIPWATCH_TEST_DATA) + "/sim"))
        if (entry.path().extension() == ".json") names.push_back(entry.path().string());
    names.push_back("fleet-6");
    names.push_back("fleet-3-week");
    return names;
}

const std::vector<PipelineSnapshot>& scenario_snapshots() {
    static const auto all = collect_at(every_scenario(), {0min, 7min, 25min, 3h});
    return all;
}

// What the scenarios rarely hold, added to a copy of `s`: every part with a max_age, an error
// with its context over kept data, an upstream error, states the API added, an absent part.
PipelineSnapshot decorated(PipelineSnapshot s, size_t seed) {
    Duration age = std::chrono::seconds(30 + seed % 7);
    for_each_part(s, [&](Part, auto& part) { part.max_age = age; });
    s.commits.error = FetchError{Source::github, "HTTP 502", "Bad Gateway\x1b[2J", s.now - 5s,
                                 {"github:GET /repos/o/r/commits", "branch main", "", ""}, false};
    s.deployment.error = FetchError{Source::ecs, "ClusterNotFoundException", "Cluster not found.", s.now,
                                    {"ecs:DescribeServices", "cluster c service s", "eu-west-1", "profile prod"}, true};
    if (seed % 3 == 0) {
        s.logs.value.reset();
        s.logs.fetched_at.reset();
        s.logs.configured = false;
    }
    if (s.service.value) s.service.value->status = ApiEnum<ServiceStatus>("PAUSED_BY_A_NEWER_API");
    if (s.tasks.value && !s.tasks.value->empty()) s.tasks.value->front().stop_code = "SomeStopCodeAddedLater";
    s.target_changes.push_back({s.now - 1min, "tg", "10.0.0.9:80", {}, "unhealthy.elsewhere", "Target.Timeout"});
    return s;
}

// Through text, as a client receives it.
json through_text(const json& doc) { return json::parse(doc.dump()); }

void expect_round_trip(const PipelineSnapshot& s) {
    SCOPED_TRACE(s.spec.name);
    json doc = wire::encode(s);
    auto back = wire::decode_snapshot(through_text(doc));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(wire::encode(back.value()), doc);
    EXPECT_EQ(tui::to_json(analyze(back.value())), tui::to_json(analyze(s)));
}

TEST(Wire, EveryScenarioRoundTripsAtSeveralTimes) {
    const auto& all = scenario_snapshots();
    ASSERT_GE(all.size(), 60u);
    size_t deployments = 0, instances = 0, changes = 0, errors = 0;
    for (size_t i = 0; i < all.size(); ++i) {
        deployments += all[i].deployment.has();
        instances += all[i].instances.has() && !all[i].instances.value->empty();
        changes += !all[i].target_changes.empty();
        for_each_part(all[i], [&](Part, const auto& part) { errors += part.error.has_value(); });
        expect_round_trip(all[i]);
        expect_round_trip(decorated(all[i], i));
    }
    fmt::print("{} snapshots (and as many decorated): {} with a CodeDeploy deployment, {} with EC2 instances, "
               "{} with target changes, {} failed parts\n",
               all.size(), deployments, instances, changes, errors);
    EXPECT_GT(deployments, 0u);
    EXPECT_GT(instances, 0u);
    EXPECT_GT(changes, 0u);
}

TEST(Wire, StatesTheApiAddedStayUnknownWithTheirText) {
    auto s = decorated(scenario_snapshots().front(), 0);
    ASSERT_TRUE(s.service.value);
    auto back = wire::decode_snapshot(through_text(wire::encode(s)));
    ASSERT_TRUE(back) << back.error().message;
    const auto& status = back.value().service.value->status;
    EXPECT_FALSE(status.known());
    EXPECT_EQ(status.text, "PAUSED_BY_A_NEWER_API");
    EXPECT_EQ(back.value().service.value->controller, s.service.value->controller);
    const FetchError& upstream = *back.value().deployment.error;
    EXPECT_TRUE(upstream.upstream);
    EXPECT_EQ(upstream.context.profile, "profile prod");
    EXPECT_EQ(back.value().commits.max_age, 30s);
}

// A member added to a model type without its line in wire_members.hpp would not travel.
struct AnyValue {
    template <class T>
    operator T() const;  // unevaluated only: T{AnyValue{}, ...} tells how many members T has
};
template <class T, class... A>
constexpr size_t member_count(A... a) {
    if constexpr (requires { T{a..., AnyValue{}}; })
        return member_count<T>(a..., AnyValue{});
    else
        return sizeof...(A);
}
struct CountMembers {
    size_t n = 0;
    template <class T>
    void operator()(std::string_view, T&) { ++n; }
};
template <class... T>
void expect_every_member_listed() {
    auto check = [](auto x, const char* type) {
        CountMembers count;
        wire::detail::members(count, x);
        EXPECT_EQ(count.n, member_count<decltype(x)>()) << type << ": a member is missing from wire_members.hpp";
    };
    (check(T{}, typeid(T).name()), ...);
}

TEST(Wire, EveryMemberOfEveryTypeIsListed) {
    expect_every_member_listed<Commit, CiStep, CiRun, Image, SecretRef, ContainerDef, TaskDefinition, Deployment,
                               ServiceEvent, ServiceLoadBalancer, TaskSet, Service, CodeDeployLifecycleEvent,
                               CodeDeployTaskSet, CodeDeployDeployment, TaskContainer, Task, Target, TargetGroup,
                               TargetHealthChange, Instance, VersionObservation, LogMatch, SecretInfo, ErrorContext,
                               FetchError, Fetched<Service>, PipelineSpec, PipelineSnapshot, SourceState,
                               wire::Frame::Pipeline, wire::Frame>();
}

// ---- frames -----------------------------------------------------------------------------------

Picture picture_of(const std::vector<PipelineSnapshot>& snapshots) {
    Picture p;
    p.context = "account 1234 · eu-west-1 · profile prod";
    p.generation = 41;
    for (const auto& s : snapshots)
        p.pipelines.push_back({s.spec.name, std::make_shared<const PipelineAnalysis>(analyze(s)), false});
    p.pipelines.push_back({"not-fetched-yet", nullptr, true});
    TimePoint t = snapshots.front().now;
    p.sources = {{"ecs eu-west-1", SourceState::State::ok, t - 2s, std::nullopt, "", std::nullopt},
                 {"github", SourceState::State::backing_off, t - 1min, t - 30s, "HTTP 429: rate limited", t + 20s},
                 {"elb eu-west-1", SourceState::State::failing, std::nullopt, t - 5min, "AccessDenied\x07", std::nullopt}};
    return p;
}

TEST(Wire, AFrameRoundTripsWithSourcesInEveryState) {
    std::vector<PipelineSnapshot> some(scenario_snapshots().begin(), scenario_snapshots().begin() + 8);
    Picture picture = picture_of(some);
    TimePoint now = some.front().now + 1500ms;
    json doc = wire::encode_frame(picture, now, 60.0);
    auto frame = wire::decode_frame(through_text(doc));
    ASSERT_TRUE(frame) << frame.error().message;
    EXPECT_EQ(wire::encode(frame.value()), doc);
    const wire::Frame& f = frame.value();
    EXPECT_EQ(f.generation, 41u);
    EXPECT_EQ(f.context, picture.context);
    EXPECT_EQ(f.server_now, now);
    EXPECT_EQ(f.world_rate, 60.0);
    ASSERT_EQ(f.sources.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(f.sources[i].name, picture.sources[i].name);
        EXPECT_EQ(f.sources[i].state, picture.sources[i].state);
        EXPECT_EQ(f.sources[i].last_success, picture.sources[i].last_success);
        EXPECT_EQ(f.sources[i].failing_since, picture.sources[i].failing_since);
        EXPECT_EQ(f.sources[i].error, picture.sources[i].error);
        EXPECT_EQ(f.sources[i].retry_at, picture.sources[i].retry_at);
    }
    ASSERT_EQ(f.pipelines.size(), picture.pipelines.size());
    EXPECT_EQ(doc["pipelines"].back()["snapshot"], nullptr);
    EXPECT_FALSE(f.pipelines.back().snapshot);
    EXPECT_TRUE(f.pipelines.back().refreshing);
    for (size_t i = 0; i + 1 < f.pipelines.size(); ++i) {
        EXPECT_EQ(f.pipelines[i].name, picture.pipelines[i].name);
        ASSERT_TRUE(f.pipelines[i].snapshot);
        EXPECT_EQ(tui::to_json(analyze(*f.pipelines[i].snapshot)), tui::to_json(*picture.pipelines[i].analysis));
    }
}

// ---- hostile documents ------------------------------------------------------------------------

// Every member and array element of `doc` with its path as the decoder names it: struct members
// as ".name", map keys (ARNs) as ["key"], elements as [i].
void walk(const json& doc, const std::string& path, const json::json_pointer& at,
          const std::function<void(const std::string&, const json::json_pointer&, bool)>& visit) {
    static const std::regex identifier("[a-z_]+");
    if (doc.is_object()) {
        for (const auto& [key, value] : doc.items()) {
            std::string step = std::regex_match(key, identifier) ? (path.empty() ? key : path + "." + key)
                                                                  : path + "[\"" + key + "\"]";
            visit(step, at / key, true);
            walk(value, step, at / key, visit);
        }
    } else if (doc.is_array()) {
        for (size_t i = 0; i < doc.size(); ++i) {
            std::string step = fmt::format("{}[{}]", path, i);
            visit(step, at / i, false);
            walk(doc[i], step, at / i, visit);
        }
    }
}

json wrong_type(const json& v) {
    if (v.is_string()) return 42;
    if (v.is_object()) return json::array();
    return "text";
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

// A rich document: a CodeDeploy deployment, target groups, tasks, errors and an absent part.
json rich_document() {
    for (size_t i = 0; i < scenario_snapshots().size(); ++i) {
        const auto& s = scenario_snapshots()[i];
        if (s.deployment.has() && s.tasks.has() && s.target_groups.has() && s.task_definitions.has())
            return wire::encode(decorated(s, 0));
    }
    ADD_FAILURE() << "no scenario has a CodeDeploy deployment with tasks and target groups";
    return {};
}

TEST(Wire, EveryMemberMissingInTurnIsRefusedByItsPathOrIsAnAbsentOptional) {
    json doc = rich_document();
    size_t refused = 0, absent = 0;
    walk(doc, "", json::json_pointer(), [&](const std::string& path, const json::json_pointer& at, bool member) {
        if (!member) return;
        json broken = doc;
        broken[at.parent_pointer()].erase(at.back());
        auto back = wire::decode_snapshot(broken);
        if (!back) {
            ++refused;
            EXPECT_EQ(back.error().message, path + ": missing");
            EXPECT_EQ(back.error().kind, ErrorKind::parse);
        } else {
            // Only an optional may be absent, and then it is absent when encoded again.
            ++absent;
            EXPECT_EQ(wire::encode(back.value()), broken) << path << " was dropped silently";
        }
    });
    fmt::print("{} members removed in turn: {} refused by their path, {} absent optionals\n", refused + absent,
               refused, absent);
    EXPECT_GT(refused, 300u);
    EXPECT_GT(absent, 10u);
}

TEST(Wire, EveryMemberOfTheWrongTypeInTurnIsRefusedByItsPath) {
    json doc = rich_document();
    size_t refused = 0;
    walk(doc, "", json::json_pointer(), [&](const std::string& path, const json::json_pointer& at, bool) {
        json broken = doc;
        broken[at] = wrong_type(doc[at]);
        auto back = wire::decode_snapshot(broken);
        ASSERT_FALSE(back) << path << " took " << broken[at].dump();
        ++refused;
        EXPECT_TRUE(starts_with(back.error().message, path + ": expected ")) << back.error().message;
    });
    fmt::print("{} members and elements of the wrong type refused\n", refused);
}

// A frame of `count` pipelines that each run at least three tasks (and one not fetched yet).
json frame_document(size_t count = 5) {
    std::vector<PipelineSnapshot> some;
    for (const auto& s : scenario_snapshots())
        if (s.tasks.has() && s.tasks.value->size() >= 3 && some.size() < count) some.push_back(s);
    return wire::encode_frame(picture_of(some), some.front().now, 1.0);
}

TEST(Wire, AFrameNamesThePathOfItsBadMember) {
    json doc = frame_document();
    doc["pipelines"][3]["snapshot"]["tasks"]["value"][2]["last_status"] = 7;
    auto back = wire::decode_frame(through_text(doc));
    ASSERT_FALSE(back);
    EXPECT_EQ(back.error().message, "pipelines[3].snapshot.tasks.value[2].last_status: expected a string");

    doc = frame_document();
    doc["sources"][1]["state"] = "sleeping\x1b[31m";
    back = wire::decode_frame(doc);
    ASSERT_FALSE(back);
    EXPECT_EQ(back.error().message,
              "sources[1].state: unknown value \"sleeping\\e[31m\" (expected one of ok, backing_off, failing)");

    doc = frame_document();
    doc["pipelines"][0]["snapshot"]["task_definitions"]["value"].begin()->at("revision") = 1LL << 40;
    back = wire::decode_frame(doc);
    ASSERT_FALSE(back);
    EXPECT_TRUE(std::regex_search(back.error().message,
                                  std::regex(R"(^pipelines\[0\]\.snapshot\.task_definitions\.value\["arn:[^"]+"\]\.)"
                                             R"(revision: expected an integer from -2147483648 to 2147483647$)")))
        << back.error().message;
}

TEST(Wire, AnotherWireVersionIsRefusedAsSuch) {
    json doc = frame_document();
    doc["wire"] = 2;
    auto back = wire::decode_frame(doc);
    ASSERT_FALSE(back);
    EXPECT_EQ(back.error().message, "wire: the server speaks wire version 2; this shipwatch speaks version 1");
    doc.erase("wire");
    EXPECT_EQ(wire::decode_frame(doc).error().message, "wire: missing");
    EXPECT_EQ(wire::decode_frame(json::array()).error().message, "the document: expected an object");
    EXPECT_EQ(wire::decode_snapshot("snapshot").error().message, "the document: expected an object");
}

TEST(Wire, AFrameHoldsAtMostTenThousandPipelinesAndSources) {
    json doc = wire::encode(wire::Frame{});
    json entry = {{"name", "p"}, {"refreshing", false}, {"snapshot", nullptr}};
    doc["pipelines"] = json::array();
    for (size_t i = 0; i < wire::kMaxFrameEntries; ++i) doc["pipelines"].push_back(entry);
    auto at_bound = wire::decode_frame(doc);
    ASSERT_TRUE(at_bound) << at_bound.error().message;
    EXPECT_EQ(at_bound.value().pipelines.size(), wire::kMaxFrameEntries);

    doc["pipelines"].push_back(entry);
    auto over = wire::decode_frame(doc);
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().message, "pipelines: 10001 entries, more than the 10000 a frame may hold");

    doc["pipelines"] = json::array();
    doc["sources"] = json::array();
    for (size_t i = 0; i <= wire::kMaxFrameEntries; ++i) doc["sources"].push_back(json::object());
    EXPECT_EQ(wire::decode_frame(doc).error().message, "sources: 10001 entries, more than the 10000 a frame may hold");
}

// ---- the fuzzer's seeds -------------------------------------------------------------------------

// tests/fuzz/seeds/wire: encoded scenarios, kept decodable as the document changes
// (SHIPWATCH_UPDATE_WIRE_SEEDS=1 writes them again).
TEST(Wire, TheFuzzerSeedsDecode) {
    std::map<std::string, json> seeds;
    for (const auto& s : scenario_snapshots()) {
        std::string name = "snapshot-" + s.spec.name + ".json";
        if (seeds.size() < 4 && !seeds.contains(name) && (s.deployment.has() || s.instances.has() || seeds.empty()))
            seeds[name] = wire::encode(decorated(s, 1));
    }
    seeds["frame.json"] = frame_document(2);
    if (std::getenv("SHIPWATCH_UPDATE_WIRE_SEEDS")) {
        std::filesystem::create_directories(kSeedDir);
        for (const auto& [name, doc] : seeds) std::ofstream(kSeedDir / name) << doc.dump(1) << "\n";
        GTEST_SKIP() << "wrote " << seeds.size() << " seeds to " << kSeedDir;
    }
    size_t read = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kSeedDir)) {
        std::ifstream in(entry.path());
        json doc = json::parse(in);
        bool frame = entry.path().filename().string().rfind("frame", 0) == 0;
        std::string error = frame ? (wire::decode_frame(doc) ? "" : wire::decode_frame(doc).error().message)
                                  : (wire::decode_snapshot(doc) ? "" : wire::decode_snapshot(doc).error().message);
        EXPECT_EQ(error, "") << entry.path() << " (SHIPWATCH_UPDATE_WIRE_SEEDS=1 writes the seeds again)";
        ++read;
    }
    EXPECT_GE(read, 3u);
}

}  // namespace
}  // namespace shipwatch

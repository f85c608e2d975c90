// Properties of every diagnosis the simulator can produce: the stage a verdict names is the first
// stage that is not ok (none when live), the verdict's code belongs to that stage, and no sentence
// compares a value with itself or with "?". Checked over every built-in scenario for six
// simulated hours and every scenario file in tests/data/sim for two, minute by minute, and over
// a generated fleet's week.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "base/clock.hpp"
#include "model/analysis.hpp"
#include "sim/demo_sources.hpp"

namespace shipwatch {
namespace {

using namespace std::chrono_literals;

// The stages each verdict may name (unknown: any stage that cannot be judged).
const std::map<VerdictCode, std::set<Stage>>& stages_of_verdict() {
    static const std::map<VerdictCode, std::set<Stage>> table{
        {VerdictCode::build_running, {Stage::build}},
        {VerdictCode::build_failed, {Stage::build}},
        {VerdictCode::not_built, {Stage::build, Stage::push}},
        {VerdictCode::image_missing, {Stage::image}},
        {VerdictCode::taskdef_stale, {Stage::taskdef}},
        {VerdictCode::deploy_in_progress, {Stage::tasks, Stage::alb}},  // alb: a target change-over
        {VerdictCode::deploy_failing, {Stage::tasks}},
        {VerdictCode::deploy_rolled_back, {Stage::tasks}},
        {VerdictCode::tasks_stale, {Stage::tasks}},
        {VerdictCode::targets_unhealthy, {Stage::alb}},
        {VerdictCode::version_mismatch, {Stage::alb, Stage::instances}},
        {VerdictCode::instance_stale, {Stage::instances}},
    };
    return table;
}

// "X, not X" or "not ?": a sentence that compares a value with itself or with nothing.
std::string self_comparison(const std::string& text) {
    static const std::regex same(R"((\S+?),? not \1\b)");
    static const std::regex nothing(R"(not \?)");
    std::smatch m;
    if (std::regex_search(text, m, same) && m[1].length() >= 4) return m[0];
    if (std::regex_search(text, m, nothing)) return m[0];
    return {};
}

// Every violation in one analysis, as lines naming the pipeline and the time.
std::vector<std::string> violations(const PipelineAnalysis& a, const std::string& when) {
    std::vector<std::string> out;
    const Diagnosis& d = a.diagnosis;
    auto say = [&](const std::string& what) { out.push_back(fmt::format("{} at {}: {}", d.pipeline, when, what)); };
    std::optional<Stage> first_not_ok;
    for (const auto& st : d.stages)
        if (st.health != Health::ok) {
            first_not_ok = st.id;
            break;
        }
    if (d.verdict.code == VerdictCode::live) {
        if (first_not_ok) say(fmt::format("live, but stage {} is not ok", to_string(*first_not_ok)));
        if (d.verdict.stage) say("live, but the verdict names a stage");
    } else {
        if (d.verdict.stage != first_not_ok)
            say(fmt::format("verdict {} names stage {}, the first stage not ok is {}", to_string(d.verdict.code),
                            d.verdict.stage ? to_string(*d.verdict.stage) : "none",
                            first_not_ok ? to_string(*first_not_ok) : "none"));
        auto allowed = stages_of_verdict().find(d.verdict.code);
        if (d.verdict.stage && allowed != stages_of_verdict().end() && !allowed->second.contains(*d.verdict.stage))
            say(fmt::format("verdict {} cannot be told by stage {}", to_string(d.verdict.code), to_string(*d.verdict.stage)));
    }
    for (const auto& st : d.stages)
        if (auto bad = self_comparison(st.summary); !bad.empty())
            say(fmt::format("stage {} says \"{}\" ({})", to_string(st.id), bad, st.summary));
    if (auto bad = self_comparison(d.verdict.summary); !bad.empty())
        say(fmt::format("verdict says \"{}\" ({})", bad, d.verdict.summary));
    return out;
}

// Runs `names` for `span` of simulated time, diagnosing every pipeline every `step`.
void check_over_time(const std::vector<std::string>& names, Duration span, Duration step) {
    ManualClock driver(TimePoint{});
    DemoClock clock;
    clock.follow = &driver;
    auto demo = make_demo(names, clock);
    ASSERT_TRUE(demo) << demo.error().message;
    std::vector<std::string> all;
    size_t diagnoses = 0;
    for (Duration t{0}; t <= span; t += step) {
        for (auto& collector : (*demo)->collectors) {
            PipelineAnalysis a = analyze(collector->collect());
            ++diagnoses;
            for (auto& v : violations(a, format_duration(t))) all.push_back(std::move(v));
        }
        driver.advance(step);
    }
    std::cout << fmt::format("{} diagnoses checked, {} violations\n", diagnoses, all.size());
    for (size_t i = 0; i < all.size() && i < 40; ++i) ADD_FAILURE() << all[i];
}

TEST(VerdictProperties, SelfComparisonIsFound) {
    EXPECT_EQ(self_comparison("tasks run 4f35409, not 4f35409"), "4f35409, not 4f35409");
    EXPECT_EQ(self_comparison("tasks run 2f6b9e0, not ?"), "not ?");
    EXPECT_EQ(self_comparison("3/3 tasks run sha256:964c2ff, not sha256:1234567"), "");
}

TEST(VerdictProperties, EveryBuiltinScenarioMinuteByMinuteForSixHours) {
    check_over_time({}, 6h, 1min);
}

// The scenario files of real accounts' shapes (members missing, task sets, native blue/green,
// registries elsewhere, hostile text): each for two simulated hours, minute by minute.
TEST(VerdictProperties, EveryScenarioFileMinuteByMinuteForTwoHours) {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(SHIPWATCH_TEST_DATA) + "/sim"))
        if (entry.path().extension() == ".json") files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    ASSERT_GE(files.size(), 5u);
    for (const auto& f : files) {
        SCOPED_TRACE(f);
        check_over_time({f}, 2h, 1min);
    }
}

TEST(VerdictProperties, AFleetWeekEverySimulatedMinute) {
    check_over_time({"fleet-3-week"}, 7 * 24h, 1min);
}

TEST(VerdictProperties, ALargerFleetWeekEveryTenMinutes) {
    check_over_time({"fleet-12-week"}, 7 * 24h, 10min);
}

}  // namespace
}  // namespace shipwatch

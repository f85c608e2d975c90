// Golden frames of the dashboard: for each built-in scenario, the overview, every pipeline's
// view and every drill-down pane at 80x24 and 160x48, as text and as role letters (so a colour
// regression fails too). Regenerate with SHIPWATCH_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "tui/render.hpp"
#include "unit/tui_fixtures.hpp"

using namespace shipwatch;
using namespace shipwatch::tui;

namespace {

const std::filesystem::path kGoldenDir = std::filesystem::path(SHIPWATCH_TEST_DATA) / ".." / "golden";

ViewState base_state(const Picture& p) {
    ViewState s;
    // The clock in the status bar reads the first pipeline's simulated time, so frames are fixed.
    if (!p.pipelines.empty() && p.pipelines.front().analysis) s.wall_now = p.pipelines.front().analysis->snapshot.now;
    return s;
}

std::string frame(const Picture& p, const ViewState& s, Size size, const std::string& title) {
    CellGrid g = render(p, s, size);
    return fmt::format("=== {} {}x{}\n{}--- roles\n{}", title, size.width, size.height, g.to_text(), g.to_roles());
}

// Every view of a picture, one after another in one document.
std::string all_views(const Picture& p, Size size) {
    std::string out;
    ViewState s = base_state(p);
    out += frame(p, s, size, "overview");
    for (const auto& e : p.pipelines) {
        s.pipeline = e.name;
        s.pinned = true;
        s.screen = Screen::pipeline;
        s.stage = 0;
        const auto& d = e.analysis->diagnosis;
        for (size_t i = 0; i < d.stages.size(); ++i)
            if (d.stages[i].id == d.verdict.stage) s.stage = static_cast<int>(i);
        out += frame(p, s, size, e.name + " pipeline");
        s.screen = Screen::pane;
        for (size_t i = 0; i < d.stages.size(); ++i) {
            s.stage = static_cast<int>(i);
            out += frame(p, s, size, e.name + " pane " + std::string(to_string(d.stages[i].id)));
        }
    }
    return out;
}

void compare(const std::string& name, const std::string& actual) {
    auto path = kGoldenDir / (name + ".txt");
    if (std::getenv("SHIPWATCH_UPDATE_GOLDEN")) {
        std::filesystem::create_directories(kGoldenDir);
        std::ofstream(path) << actual;
        GTEST_SKIP() << "updated " << path;
    }
    std::ifstream in(path);
    ASSERT_TRUE(in) << "missing golden file " << path << " (run with SHIPWATCH_UPDATE_GOLDEN=1)";
    std::stringstream ss;
    ss << in.rdbuf();
    std::string expected = ss.str();
    if (expected == actual) return;
    // Point at the first differing line, with the frame it belongs to.
    std::istringstream a(actual), e(expected);
    std::string la, le, section;
    for (int line = 1;; ++line) {
        bool ga = static_cast<bool>(std::getline(a, la)), ge = static_cast<bool>(std::getline(e, le));
        if (ga && la.rfind("=== ", 0) == 0) section = la;
        if (!ga && !ge) break;
        if (la != le || ga != ge) {
            FAIL() << path << ":" << line << " differs in " << section << "\n  expected: " << le << "\n  actual:   " << la
                   << "\n(SHIPWATCH_UPDATE_GOLDEN=1 regenerates; review the diff)";
        }
    }
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, Frames80x24) { compare(GetParam() + "-80x24", all_views(fixtures::demo_picture({GetParam()}), {80, 24})); }
TEST_P(Golden, Frames160x48) { compare(GetParam() + "-160x48", all_views(fixtures::demo_picture({GetParam()}), {160, 48})); }

INSTANTIATE_TEST_SUITE_P(Scenarios, Golden, ::testing::ValuesIn(fixtures::scenario_list()), [](const auto& info) {
    std::string n = info.param;
    for (char& c : n)
        if (c == '-') c = '_';
    return n;
});

// All scenarios together: the overview people see with `shipwatch --demo`, at both sizes and
// at the 60x20 a split terminal gives.
TEST(GoldenAll, OverviewOfEveryScenario) {
    Picture p = fixtures::demo_picture({});
    ViewState s = base_state(p);
    compare("all-overview", frame(p, s, {80, 24}, "overview") + frame(p, s, {160, 48}, "overview") + frame(p, s, {60, 20}, "overview") +
                                frame(p, s, {59, 15}, "too small"));
}

// A source that fails: its stages turn unknown (grey, "?"), never green, and the pane and the
// status bar show the error text in red.
TEST(GoldenAll, FailingSourceShowsItsError) {
    DemoClock clock;
    clock.frozen = true;
    auto demo = make_demo({"phantom-ecs"}, clock);
    ASSERT_TRUE(demo);
    PipelineSnapshot snap = demo.value()->collectors.front()->collect();
    snap.service.error = FetchError{Source::ecs, "AccessDeniedException",
                                    "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecs:DescribeServices", snap.now};
    snap.tasks.error = snap.service.error;
    Picture p;
    p.context = "demo";
    auto a = std::make_shared<const PipelineAnalysis>(analyze(snap));
    p.pipelines.push_back({a->diagnosis.pipeline, a, false});
    p.pipelines.push_back({"not-fetched-yet", nullptr, true});
    ViewState s = base_state(p);
    std::string out = frame(p, s, {80, 24}, "overview");
    s.pipeline = a->diagnosis.pipeline;
    s.pinned = true;
    s.screen = Screen::pane;
    s.stage = 4;  // tasks
    out += frame(p, s, {80, 24}, "tasks pane") + frame(p, s, {160, 48}, "tasks pane");
    compare("source-error", out);

    // And the facts behind the golden file, so a wrong regeneration cannot hide them.
    CellGrid g = render(p, s, {160, 48});
    std::string text = g.to_text();
    EXPECT_NE(text.find("AccessDeniedException"), std::string::npos);
    EXPECT_NE(text.find("? unknown"), std::string::npos);
}

}  // namespace

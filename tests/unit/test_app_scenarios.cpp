// `scenarios` in-process: one line per built-in scenario, its title and expected verdicts.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "app_fixture.hpp"
#include "sim/simulator.hpp"

namespace shipwatch {
namespace {

TEST(ScenariosInProcess, ListsEveryBuiltInThenTheGeneratedFleet) {
    test::CapturedIo io;
    app::Options o;
    o.command = app::Command::scenarios;
    EXPECT_EQ(app::run_scenarios(o, io.io), 0);
    EXPECT_EQ(io.err.str(), "");
    std::istringstream lines(io.out.str());
    std::string line;
    for (const auto& name : sim::scenario_names()) {
        ASSERT_TRUE(std::getline(lines, line)) << name;
        auto s = sim::load_builtin(name);
        ASSERT_TRUE(s) << name;
        EXPECT_EQ(line.rfind(fmt::format("{:<22} {}  [", name, s->title), 0), 0u) << line;
        EXPECT_NE(line.find("=" + s->expect.begin()->second), std::string::npos) << line;
    }
    ASSERT_TRUE(std::getline(lines, line));
    EXPECT_EQ(line.rfind("fleet-N[-week]         generated: N pipelines", 0), 0u) << line;
    EXPECT_FALSE(std::getline(lines, line));
    EXPECT_EQ(sim::scenario_names().size(), 8u);
}

}  // namespace
}  // namespace shipwatch

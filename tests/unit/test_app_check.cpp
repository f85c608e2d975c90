// `check` in-process: the same bytes as the outputs recorded from the binary (tests/data/check_json),
// exit 0/1/2 by verdict, and its usage errors.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app_fixture.hpp"

namespace shipwatch {
namespace {

using app::Command;
using test::CapturedIo;
using test::demo_options;

std::string recorded(const std::string& file) {
    std::ifstream in(std::string(SHIPWATCH_TEST_DATA) + "/check_json/" + file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct CheckCase {
    const char* file;  // in tests/data/check_json
    const char* scenario;
    const char* at;
    std::vector<std::string> faults;
    bool json;
    int exit_code;
    const char* verdict;  // the text names it on its first line
};

class CheckInProcess : public ::testing::TestWithParam<CheckCase> {};

TEST_P(CheckInProcess, MatchesTheRecordedOutputAndExitCode) {
    const CheckCase& c = GetParam();
    auto o = demo_options(Command::check, {c.scenario});
    o.at = c.at;
    o.faults = c.faults;
    o.json = c.json;
    CapturedIo io;
    EXPECT_EQ(app::run_check(o, io.io), c.exit_code);
    EXPECT_EQ(io.err.str(), "");
    std::string want = recorded(c.file);
    ASSERT_FALSE(want.empty()) << c.file;
    EXPECT_EQ(io.out.str(), want);
    if (c.json) {
        auto doc = nlohmann::json::parse(io.out.str());
        EXPECT_TRUE(doc.is_object());
    } else {
        std::string first = io.out.str().substr(0, io.out.str().find('\n'));
        EXPECT_NE(first.find(c.verdict), std::string::npos) << first;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Recorded, CheckInProcess,
    ::testing::Values(CheckCase{"healthy@3m.txt", "healthy", "3m", {}, false, 0, "LIVE"},
                      CheckCase{"healthy@3m.json", "healthy", "3m", {}, true, 0, ""},
                      CheckCase{"stuck-rollouts@3m.txt", "stuck-rollouts", "3m", {}, false, 1, "BUILD_FAILED"},
                      CheckCase{"cache-trap@3m.json", "cache-trap", "3m", {}, true, 1, ""},
                      CheckCase{"fault-ecs-refuse.txt", "phantom-ecs", "", {"ecs=refuse"}, false, 2, "UNKNOWN"},
                      CheckCase{"fault-ecs-refuse.json", "phantom-ecs", "", {"ecs=refuse"}, true, 2, ""}),
    [](const auto& info) {
        std::string name;
        for (char ch : std::string(info.param.file)) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
        return name;
    });

TEST(CheckInProcess, SpeedIsAUsageError) {
    auto o = demo_options(Command::check, {"healthy"});
    o.speed = 2;
    CapturedIo io;
    EXPECT_EQ(app::run_check(o, io.io), 2);
    EXPECT_EQ(io.out.str(), "");
    EXPECT_EQ(io.err.str(),
              "shipwatch: --speed has no effect on check; use --at to look later into a scenario (see 'shipwatch --help')\n");
}

TEST(CheckInProcess, AnUnknownScenarioIsAUsageErrorByKind) {
    CapturedIo io;
    EXPECT_EQ(app::run_check(demo_options(Command::check, {"no-such"}), io.io), 2);
    EXPECT_EQ(io.err.str().rfind("shipwatch: no built-in scenario named 'no-such' (built-in: ", 0), 0u) << io.err.str();
    EXPECT_NE(io.err.str().find("(see 'shipwatch --help')\n"), std::string::npos);
}

TEST(CheckInProcess, AMissingConfigFileIsADataErrorWithoutTheHelpHint) {
    app::Options o;
    o.command = Command::check;
    o.config = "/nonexistent/shipwatch.toml";
    CapturedIo io;
    EXPECT_EQ(app::run_check(o, io.io), 2);
    EXPECT_EQ(io.err.str(),
              "shipwatch: /nonexistent/shipwatch.toml: no such file (create it, or pass --config with the right path)\n");
}

}  // namespace
}  // namespace shipwatch

// Bad input, end to end: malformed configuration files and bad flags, each with the exact one
// line a person sees on stderr and exit status 2. Nothing crashes, nothing hangs, nothing is
// printed on stdout, and every message ends by saying what to fix.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "run_binary.hpp"

namespace {

using shipwatch::e2e::run_shipwatch;
using shipwatch::e2e::shell_quote;

const std::string kPipeline =
    "[[pipeline]]\nname = \"api\"\ncluster = \"prod\"\nservice = \"api\"\nregion = \"eu-west-1\"\n";

struct ConfigCase {
    const char* name;
    std::string text;
    std::string message;  // after "shipwatch: <path>"
};

class BadConfig : public ::testing::TestWithParam<ConfigCase> {};

TEST_P(BadConfig, OneLineNamingTheLineAndTheFix) {
    const ConfigCase& c = GetParam();
    std::filesystem::path dir = std::filesystem::temp_directory_path() / ("shipwatch-bad-config-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    std::filesystem::path file = dir / (std::string(c.name) + ".toml");
    std::ofstream(file) << c.text;
    auto r = run_shipwatch("check --config " + shell_quote(file.string()));
    std::filesystem::remove_all(dir);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "shipwatch: " + file.string() + c.message + "\n");
}

std::string with(const std::string& from, const std::string& to) {
    std::string s = kPipeline;
    s.replace(s.find(from), from.size(), to);
    return s;
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadConfig,
    ::testing::Values(
        ConfigCase{"unknown_key", with("service", "servcie"), ":4: pipeline #1: unknown key 'servcie' (did you mean 'service'?)"},
        ConfigCase{"unknown_table", "[refersh]\necs = \"5s\"\n" + kPipeline,
                   ":1: unknown top-level key 'refersh' (did you mean 'refresh'?); known: refresh, http, budget, [registry.\"<host>\"], [[pipeline]]"},
        ConfigCase{"wrong_type", with("cluster = \"prod\"", "cluster = 42"), ":3: pipeline #1: 'cluster' must be a string"},
        ConfigCase{"missing_service", with("service = \"api\"\n", ""),
                   ":1: pipeline 'api': 'cluster' and 'service' go together; set both (ECS) or neither (EC2 with target_group)"},
        ConfigCase{"duplicate_names", kPipeline + kPipeline, ":6: pipeline name 'api' is used twice; names must be unique"},
        ConfigCase{"duration_in_words", "[refresh]\necs = \"10 minutes\"\n" + kPipeline,
                   ":2: 'refresh.ecs' = \"10 minutes\" is not a duration of at least 1s (use s, m, h: \"10s\", \"1m30s\")"},
        ConfigCase{"negative_duration", "[refresh]\necs = \"-5s\"\n" + kPipeline,
                   ":2: 'refresh.ecs' = \"-5s\" is not a duration of at least 1s (use s, m, h: \"10s\", \"1m30s\")"},
        ConfigCase{"zero_duration", "[refresh]\ngithub = \"0s\"\n" + kPipeline,
                   ":2: 'refresh.github' = \"0s\" is not a duration of at least 1s (use s, m, h: \"10s\", \"1m30s\")"},
        ConfigCase{"duration_as_number", "[refresh]\necs = 10\n" + kPipeline,
                   ":2: 'refresh.ecs' must be a duration string like \"10s\" or \"1m\""},
        ConfigCase{"bad_timeout", "[http]\ntimeout = \"fast\"\n" + kPipeline,
                   ":2: 'http.timeout' = \"fast\" is not a duration of at least 1s (use s, m, h: \"10s\", \"1m30s\")"},
        ConfigCase{"bad_budget", "[budget]\necs = -1\n" + kPipeline,
                   ":2: 'budget.ecs' must be requests per second, a number above 0 and at most 1000, e.g. 5"},
        ConfigCase{"toml_syntax", "[[pipeline]\nname = \"api\"\n",
                   ":1: not valid TOML: Error while parsing table header: expected ']', saw '\\n'"},
        ConfigCase{"empty_file", "", ": no [[pipeline]] tables: add at least one pipeline to watch"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(BadConfigFile, MissingDirectoryAndUnreadable) {
    auto missing = run_shipwatch("check --config /nonexistent/shipwatch.toml");
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_EQ(missing.err,
              "shipwatch: /nonexistent/shipwatch.toml: no such file (create it, or pass --config with the right path)\n");

    std::filesystem::path dir = std::filesystem::temp_directory_path() / ("shipwatch-bad-dir-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    auto directory = run_shipwatch("check --config " + shell_quote(dir.string()));
    EXPECT_EQ(directory.exit_code, 2);
    EXPECT_EQ(directory.err, "shipwatch: " + dir.string() + ": is a directory; pass the TOML file itself (e.g. " +
                                 dir.string() + "/shipwatch.toml)\n");

    // Permission bits stop everyone but root (CI runs as root).
    if (geteuid() != 0) {
        std::filesystem::path file = dir / "locked.toml";
        std::ofstream(file) << kPipeline;
        chmod(file.c_str(), 0);
        auto locked = run_shipwatch("check --config " + shell_quote(file.string()));
        EXPECT_EQ(locked.exit_code, 2);
        EXPECT_EQ(locked.err, "shipwatch: " + file.string() + ": cannot be read (check its permissions)\n");
    }
    std::filesystem::remove_all(dir);
}

struct FlagCase {
    const char* name;
    const char* args;
    const char* message;  // the whole line after "shipwatch: "
};

class BadFlags : public ::testing::TestWithParam<FlagCase> {};

TEST_P(BadFlags, OneLineAndExitTwo) {
    const FlagCase& c = GetParam();
    auto r = run_shipwatch(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args;
    EXPECT_EQ(r.out, "") << c.args;
    EXPECT_EQ(r.err, std::string("shipwatch: ") + c.message + "\n") << c.args;
}

constexpr const char* kScenarios = "blue-green, cache-trap, ec2-never-updated, healthy, merged-after-deploy, phantom-ecs, rollout, stuck-rollouts";

INSTANTIATE_TEST_SUITE_P(
    Table, BadFlags,
    ::testing::Values(
        FlagCase{"unknown_flag", "--bogus", "unrecognised option '--bogus' (see 'shipwatch --help')"},
        FlagCase{"missing_value", "check --config", "the required argument for option '--config' is missing (see 'shipwatch --help')"},
        FlagCase{"not_a_number", "--demo --speed fast", "the argument ('fast') for option '--speed' is invalid (see 'shipwatch --help')"},
        FlagCase{"zero_speed", "--demo --speed 0",
                 "--speed must be above 0 and at most 100000 (simulated seconds per second) (see 'shipwatch --help')"},
        FlagCase{"speed_on_check", "check --demo healthy --speed 2",
                 "--speed has no effect on check; use --at to look later into a scenario (see 'shipwatch --help')"},
        FlagCase{"bad_timeout", "wait --demo healthy --timeout soon", "--timeout: 'soon' is not a duration like 20m (see 'shipwatch --help')"},
        FlagCase{"bad_interval", "wait --demo healthy --interval 0s", "--interval: '0s' is not a duration like 10s (see 'shipwatch --help')"},
        FlagCase{"bad_sha", "wait --demo healthy --sha xyz",
                 "--sha: 'xyz' is not a commit SHA (7 to 40 hex characters) (see 'shipwatch --help')"},
        FlagCase{"bad_port", "sim --scenario healthy --port 70000", "--port must be between 0 and 65535 (see 'shipwatch --help')"},
        FlagCase{"unknown_command", "deploy", "unknown command 'deploy' (see 'shipwatch --help')"},
        FlagCase{"at_without_demo", "check --at 10m --cluster a --service b", "--at only applies to --demo (see 'shipwatch --help')"},
        FlagCase{"cluster_alone", "check --cluster a", "--cluster and --service go together (see 'shipwatch --help')"},
        FlagCase{"empty_branch", "check --demo healthy --branch ''", "--branch must not be empty (see 'shipwatch --help')"},
        FlagCase{"sim_without_scenario", "sim",
                 "sim needs --scenario: one of blue-green, cache-trap, ec2-never-updated, healthy, merged-after-deploy, phantom-ecs, rollout, "
                 "stuck-rollouts, or fleet-N[-week] (see 'shipwatch --help')"},
        FlagCase{"bad_fault", "sim --scenario healthy --fault ecs=boom",
                 "--fault 'ecs=boom': unknown kind 'boom': one of throttle, 500, 503, refuse, slow, truncate, malformed, bad-enum, "
                 "missing-fields, expired-credentials, rate-limit, endless-pages, missing-tasks (see 'shipwatch --help')"},
        FlagCase{"fault_on_real_data", "check --fault ecs=500 --cluster a --service b",
                 "--fault only applies to --demo and sim (see 'shipwatch --help')"},
        FlagCase{"dashboard_without_terminal", "",
                 "the dashboard needs a terminal; use 'shipwatch check' for a report (see 'shipwatch --help')"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(BadFlags, UnknownScenarioListsTheBuiltInOnes) {
    auto r = run_shipwatch("check --demo no-such");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, std::string("shipwatch: no built-in scenario named 'no-such' (built-in: ") + kScenarios +
                         "; generated: fleet-N, fleet-N-week) (see 'shipwatch --help')\n");
}

}  // namespace

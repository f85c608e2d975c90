// The config file: a good one parses into typed pipelines; each bad one gives the exact line a user sees.
#include <gtest/gtest.h>

#include <fstream>

#include "config/config.hpp"

using namespace shipwatch;

TEST(Config, MinimalEcsPipelineNeedsOnlyNameClusterService) {
    auto c = parse_config("[[pipeline]]\nname = \"api\"\ncluster = \"prod\"\nservice = \"api\"\n", "shipwatch.toml");
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_EQ(c->pipelines.size(), 1u);
    const auto& p = c->pipelines[0].spec;
    EXPECT_EQ(p.kind, PipelineKind::ecs);
    EXPECT_EQ(p.branch, "main");
    EXPECT_EQ(c->refresh.ecs, std::chrono::seconds(10));
    EXPECT_EQ(c->refresh.github, std::chrono::seconds(30));
}

TEST(Config, EveryKeyAndTheRefreshTable) {
    auto c = parse_config(R"(
[refresh]
ecs = "5s"
github = "1m"
ecr = "45s"

[[pipeline]]
name = "streamr-p2p-beta"
region = "eu-west-1"
profile = "beta"
repo = "streamr-dev/streamr-p2p"
branch = "develop"
workflow = "deploy-beta.yml"
codebuild_project = "streamr-build"
cluster = "streamr"
service = "streamr-app"
target_group = "streamr-tg"
version_url = "https://beta.example/version"
version_json_pointer = "/commit"
expect_log = "Requested platforms:"

[[pipeline]]
name = "ec2-app"
target_group = "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/app/abc"
)",
                          "cfg.toml");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->refresh.ecs, std::chrono::seconds(5));
    EXPECT_EQ(c->refresh.github, std::chrono::minutes(1));
    const auto& a = c->pipelines[0];
    EXPECT_EQ(a.profile, "beta");
    EXPECT_EQ(a.spec.branch, "develop");
    EXPECT_EQ(a.spec.target_groups, std::vector<std::string>{"streamr-tg"});
    EXPECT_EQ(a.spec.expect_log, "Requested platforms:");
    EXPECT_EQ(c->pipelines[1].spec.kind, PipelineKind::ec2);
}

TEST(Config, BudgetDefaultsAndOverrides) {
    const char* pipeline = "[[pipeline]]\nname = \"a\"\ncluster = \"c\"\nservice = \"s\"\n";
    auto defaults = parse_config(pipeline, "cfg.toml");
    ASSERT_TRUE(defaults.ok()) << defaults.error().message;
    EXPECT_EQ(defaults->budget.requests_per_second, 5);
    EXPECT_EQ(defaults->budget.burst, 10);
    EXPECT_EQ(defaults->budget.services.at("github"), 1);
    EXPECT_EQ(defaults->budget.services.at("logs"), 1);

    auto c = parse_config(std::string("[budget]\nrequests_per_second = 2.5\nburst = 4\necs = 10\ngithub = 0.5\n") + pipeline, "cfg.toml");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->budget.requests_per_second, 2.5);
    EXPECT_EQ(c->budget.burst, 4);
    EXPECT_EQ(c->budget.services.at("ecs"), 10);
    EXPECT_EQ(c->budget.services.at("github"), 0.5);
    EXPECT_EQ(c->budget.services.at("logs"), 1);  // untouched defaults stay
}

struct BadConfig {
    const char* name;
    const char* text;
    const char* error;  // the exact line the user sees
};

class BadConfigs : public ::testing::TestWithParam<BadConfig> {};

TEST_P(BadConfigs, GiveTheExactOneLineError) {
    auto c = parse_config(GetParam().text, "shipwatch.toml");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message, GetParam().error);
    EXPECT_EQ(std::string(c.error().message).find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadConfigs,
    ::testing::Values(
        BadConfig{"unknown_key", "[[pipeline]]\nname = \"a\"\ncluster = \"c\"\nservcie = \"s\"\n",
                  "shipwatch.toml:4: pipeline #1: unknown key 'servcie' (did you mean 'service'?)"},
        BadConfig{"wrong_type", "[[pipeline]]\nname = \"a\"\ncluster = \"c\"\nservice = 42\n",
                  "shipwatch.toml:4: pipeline #1: 'service' must be a string"},
        BadConfig{"missing_service", "[[pipeline]]\nname = \"a\"\ncluster = \"c\"\n",
                  "shipwatch.toml:1: pipeline 'a': 'cluster' and 'service' go together; set both (ECS) or neither (EC2 with target_group)"},
        BadConfig{"nothing_to_watch", "[[pipeline]]\nname = \"a\"\nrepo = \"o/r\"\n",
                  "shipwatch.toml:1: pipeline 'a': set 'cluster' and 'service' (ECS) or 'target_group' (ALB → EC2)"},
        BadConfig{"missing_name", "[[pipeline]]\ncluster = \"c\"\nservice = \"s\"\n", "shipwatch.toml:1: pipeline #1: 'name' is required"},
        BadConfig{"duplicate_names",
                  "[[pipeline]]\nname = \"a\"\ncluster = \"c\"\nservice = \"s\"\n\n[[pipeline]]\nname = \"a\"\ncluster = \"c\"\nservice = \"t\"\n",
                  "shipwatch.toml:6: pipeline name 'a' is used twice; names must be unique"},
        BadConfig{"bad_duration", "refresh = \"soon\"\n[[pipeline]]\nname = \"a\"\ncluster = \"c\"\nservice = \"s\"\n",
                  "shipwatch.toml:1: 'refresh' = \"soon\" is not a duration of at least 1s (use s, m, h: \"10s\", \"1m30s\")"},
        BadConfig{"too_short_duration", "[refresh]\necs = \"0s\"\n[[pipeline]]\nname = \"a\"\ncluster = \"c\"\nservice = \"s\"\n",
                  "shipwatch.toml:2: 'refresh.ecs' = \"0s\" is not a duration of at least 1s (use s, m, h: \"10s\", \"1m30s\")"},
        BadConfig{"unknown_refresh_key", "[refresh]\neks = \"5s\"\n[[pipeline]]\nname = \"a\"\ncluster = \"c\"\nservice = \"s\"\n",
                  "shipwatch.toml:2: unknown key 'refresh.eks' (did you mean 'ecs'?); known: ecs, github, ecr"},
        BadConfig{"unknown_top_level", "pipelines = []\n", "shipwatch.toml:1: unknown top-level key 'pipelines' (did you mean 'pipeline'?); known: refresh, http, budget, [registry.\"<host>\"], [[pipeline]]"},
        BadConfig{"unknown_budget_key", "[budget]\necr = 2\nelb = 3\n[[pipeline]]\nname = \"a\"\ncluster = \"c\"\nservice = \"s\"\n",
                  "shipwatch.toml:3: unknown key 'budget.elb' (did you mean 'elbv2'?); known: requests_per_second, burst, ecs, ecr, elbv2, ec2, logs, "
                  "codebuild, secretsmanager, github, version, registry"},
        BadConfig{"budget_zero", "[budget]\nrequests_per_second = 0\n[[pipeline]]\nname = \"a\"\ncluster = \"c\"\nservice = \"s\"\n",
                  "shipwatch.toml:2: 'budget.requests_per_second' must be requests per second, a number above 0 and at most 1000, e.g. 5"},
        BadConfig{"budget_string", "[budget]\necs = \"10\"\n[[pipeline]]\nname = \"a\"\ncluster = \"c\"\nservice = \"s\"\n",
                  "shipwatch.toml:2: 'budget.ecs' must be requests per second, a number above 0 and at most 1000, e.g. 5"},
        BadConfig{"budget_burst", "[budget]\nburst = 0.5\n[[pipeline]]\nname = \"a\"\ncluster = \"c\"\nservice = \"s\"\n",
                  "shipwatch.toml:2: 'budget.burst' must be a number of requests from 1 to 1000, e.g. 10"},
        BadConfig{"budget_not_table", "budget = 5\n[[pipeline]]\nname = \"a\"\ncluster = \"c\"\nservice = \"s\"\n",
                  "shipwatch.toml:1: 'budget' must be a table: [budget] with requests_per_second, burst and per-service rates"},
        BadConfig{"not_array_of_tables", "pipeline = \"x\"\n", "shipwatch.toml:1: 'pipeline' must be tables: write each one as [[pipeline]]"},
        BadConfig{"bad_repo", "[[pipeline]]\nname = \"a\"\ncluster = \"c\"\nservice = \"s\"\nrepo = \"just-a-name\"\n",
                  "shipwatch.toml:5: pipeline 'a': 'repo' must be a GitHub owner/name, got \"just-a-name\""},
        BadConfig{"bad_pointer", "[[pipeline]]\nname = \"a\"\ncluster = \"c\"\nservice = \"s\"\nversion_json_pointer = \"commit\"\n",
                  "shipwatch.toml:5: pipeline 'a': 'version_json_pointer' must start with '/', e.g. \"/commit\""},
        BadConfig{"empty", "", "shipwatch.toml: no [[pipeline]] tables: add at least one pipeline to watch"},
        // Found by fuzz_config: toml++ asserted on it in debug builds instead of reporting it.
        BadConfig{"slash_in_table_name", "[/rrefresh]\n",
                  "shipwatch.toml:1: not valid TOML: Error while parsing key: expected bare key starting character or string delimiter, saw '/'"},
        // Found by fuzz_config: toml++ 3.3 reaches __builtin_unreachable() when it asks whether
        // some code points are whitespace (U+FEF7, U+00E9, U+02E0); they reach it swapped for
        // safe ones, and its messages show the originals.
        BadConfig{"non_ascii_bare", "\xEF\xBB\xB7g_ ole\"\n",
                  "shipwatch.toml:1: not valid TOML: Error while parsing root table: expected keys, tables, whitespace or comments, saw '\xEF\xBB\xB7'"},
        BadConfig{"non_ascii_value", "[[pipeline]]\nname = caf\xC3\xA9\n", "shipwatch.toml:2: not valid TOML: Error while parsing value: could not determine value type"},
        BadConfig{"non_ascii_after_multiline", "a = \"\"\"x\n\"\"\"\"\" \xC3\xA9\n",
                  "shipwatch.toml:2: not valid TOML: Error while parsing key-value pair: expected a comment or whitespace, saw '\xC3\xA9'"},
        BadConfig{"non_ascii_after_quote_in_token", "ff=0'[ff=119..'[\xCB\xA0[\n", "shipwatch.toml:1: not valid TOML: Error while parsing floating-point: expected decimal digit, saw '''"},
        BadConfig{"toml_syntax", "[[pipeline]\nname = \"a\"\n", "shipwatch.toml:1: not valid TOML: Error while parsing table header: expected ']', saw '\\n'"}),
    [](const auto& info) { return std::string(info.param.name); });

// Non-ASCII text is fine where TOML allows it: strings of every kind, comments, a byte order mark.
TEST(Config, NonAsciiInStringsAndComments) {
    const std::string text =
        "\xEF\xBB\xBF# d\xC3\xA9ploiement \xE2\x86\x92 prod\n"
        "[[pipeline]]\n"
        "name = \"caf\xC3\xA9 \\\" \xE2\x80\x83\"  # \xC2\xA1ol\xC3\xA9!\n"
        "cluster = 'caf\xC3\xA9'\n"
        "service = \"\"\"\nm\xC3\xA9\n\"\"\"\n"
        "repo = \"\"\"o/\\\n   \xC3\xA9\"\"\"\n"  // a line-ending backslash before a non-ASCII character
        "expect_log = '''\n\xEF\xBB\xB7 l\xC3\xA9\n'''\n";
    auto c = parse_config(text, "shipwatch.toml");
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_EQ(c->pipelines.size(), 1u);
    EXPECT_EQ(c->pipelines[0].spec.name, "caf\xC3\xA9 \" \xE2\x80\x83");
    EXPECT_EQ(c->pipelines[0].spec.cluster, "caf\xC3\xA9");
    EXPECT_EQ(c->pipelines[0].spec.service, "m\xC3\xA9\n");
    EXPECT_EQ(c->pipelines[0].spec.repo, "o/\xC3\xA9");
    EXPECT_EQ(c->pipelines[0].spec.expect_log, "\xEF\xBB\xB7 l\xC3\xA9\n");
}

TEST(Config, UnreadableAndMissingFiles) {
    auto missing = load_config_file("/nonexistent/shipwatch.toml");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message, "/nonexistent/shipwatch.toml: no such file (create it, or pass --config with the right path)");
    auto dir = load_config_file("/tmp");
    ASSERT_FALSE(dir.ok());
}

TEST(Config, RegistryEndpointsLikeContainerdMirrors) {
    auto c = parse_config(R"(
[registry."docker.io"]
endpoint = "https://mirror.example.com/"
[registry."ghcr.io"]
endpoint = "http://127.0.0.1:5000/registry/ghcr.io"
[[pipeline]]
name = "api"
cluster = "prod"
service = "api"
)", "shipwatch.toml");
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->registries.at("docker.io").endpoint, "https://mirror.example.com");
    EXPECT_EQ(c->registries.at("ghcr.io").endpoint, "http://127.0.0.1:5000/registry/ghcr.io");

    const std::string pipeline = "\n[[pipeline]]\nname = \"api\"\ncluster = \"prod\"\nservice = \"api\"\n";
    auto bad_url = parse_config("[registry.\"docker.io\"]\nendpoint = \"mirror.example.com\"\n" + pipeline, "s.toml");
    ASSERT_FALSE(bad_url);
    EXPECT_NE(bad_url.error().message.find("s.toml:2: 'registry.\"docker.io\".endpoint' must be an http(s) URL"), std::string::npos)
        << bad_url.error().message;
    auto bad_key = parse_config("[registry.\"docker.io\"]\nendpoitn = \"https://m.example.com\"\n" + pipeline, "s.toml");
    ASSERT_FALSE(bad_key);
    EXPECT_NE(bad_key.error().message.find("unknown key 'registry.\"docker.io\".endpoitn' (did you mean 'endpoint'?)"),
              std::string::npos)
        << bad_key.error().message;
    auto empty = parse_config("[registry.\"docker.io\"]\n" + pipeline, "s.toml");
    ASSERT_FALSE(empty);
    EXPECT_NE(empty.error().message.find("needs endpoint"), std::string::npos) << empty.error().message;
}

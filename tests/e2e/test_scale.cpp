// 200 pipelines in one config file, over several clusters, regions and AWS profiles, on the
// real-data path (config, credentials from profiles, libcurl SigV4, AWS_ENDPOINT_URL,
// GITHUB_API_URL) against `shipwatch sim --scenario fleet-200`: `check` gives each pipeline the
// verdict the fleet declares. Three profiles share the simulator's keys through a temporary
// AWS_SHARED_CREDENTIALS_FILE, so each gets its own signing transport and budget. And 10,000
// pipelines through `check --demo` on one bounded fetch pool (issue 13: a thread per pipeline
// aborted at that size). The Scale. tests run in the first CI stage; the sanitizer stages skip them.
#include <fcntl.h>
#include <malloc.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/fleet.hpp"
#include "run_binary.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string toml(const std::string& s) { return nlohmann::json(s).dump(); }  // a JSON string is a TOML basic string

// `shipwatch sim` with stdout and stderr in files; SIGTERM then SIGKILL at the end.
class Sim {
public:
    Sim(const std::string& scenario, const fs::path& dir) {
        pid_ = fork();
        if (pid_ == 0) {
            int out = open((dir / "sim.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            int err = open((dir / "sim.err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            dup2(out, STDOUT_FILENO);
            dup2(err, STDERR_FILENO);
            execl(SHIPWATCH_BINARY, SHIPWATCH_BINARY, "sim", "--scenario", scenario.c_str(), "--port", "0", static_cast<char*>(nullptr));
            _exit(127);
        }
        std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
        for (int i = 0; i < 300 && port_ == 0; ++i) {
            std::smatch m;
            std::string out = slurp(dir / "sim.out");
            if (std::regex_search(out, m, listening)) port_ = std::stoi(m[1]);
            else std::this_thread::sleep_for(100ms);
        }
        err_ = slurp(dir / "sim.err");
    }
    ~Sim() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        for (int i = 0; i < 50 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i) std::this_thread::sleep_for(100ms);
        if (waitpid(pid_, nullptr, WNOHANG) == 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    int port() const { return port_; }
    const std::string& err() const { return err_; }

private:
    pid_t pid_ = -1;
    int port_ = 0;
    std::string err_;
};

}  // namespace

TEST(Scale, TwoHundredPipelinesAcrossProfilesRegionsAndClusters) {
    auto options = shipwatch::sim::fleet_options_from_name("fleet-200");
    ASSERT_TRUE(options && *options);
    auto fleet = shipwatch::sim::make_fleet(options->value());
    ASSERT_TRUE(fleet.ok()) << fleet.error().message;
    const auto& scenario = fleet->scenario;
    ASSERT_EQ(scenario.pipelines.size(), 200u);

    fs::path dir = fs::temp_directory_path() / fmt::format("shipwatch-scale-{}", getpid());
    fs::create_directories(dir);
    {
        Sim sim("fleet-200", dir);
        ASSERT_GT(sim.port(), 0) << "shipwatch sim did not start: " << sim.err();
        std::map<std::string, std::string> urls;
        std::regex mapping(R"(version_url (\S+) -> (\S+))");
        for (std::sregex_iterator it(sim.err().begin(), sim.err().end(), mapping), end; it != end; ++it) urls[(*it)[1]] = (*it)[2];

        // Three profiles, one set of keys: the simulator knows one account.
        const std::vector<std::string> profiles{"prod", "staging", "ops"};
        std::ofstream creds(dir / "credentials");
        for (const auto& p : profiles)
            creds << "[" << p << "]\naws_access_key_id = " << scenario.access_key_id << "\naws_secret_access_key = " << scenario.secret_access_key
                  << "\n\n";
        creds.close();

        std::set<std::string> regions, clusters;
        std::ofstream cfg(dir / "shipwatch.toml");
        // GitHub's default budget (1 a second, for a real token's hourly limit) would make the
        // first picture of 67 repositories take minutes; the simulator has no such limit. Its 200
        // version endpoints share one host, whose budget would otherwise be one endpoint's.
        cfg << "[budget]\ngithub = 20\nversion = 40\n\n";
        for (size_t i = 0; i < scenario.pipelines.size(); ++i) {
            const auto& p = scenario.pipelines[i];
            regions.insert(p.region);
            if (!p.cluster.empty()) clusters.insert(p.region + "/" + p.cluster);
            cfg << "[[pipeline]]\nname = " << toml(p.name) << "\nregion = " << toml(p.region) << "\nprofile = " << toml(profiles[i % 3]) << "\n";
            if (!p.repo.empty()) cfg << "repo = " << toml(p.repo) << "\nbranch = " << toml(p.branch) << "\n";
            if (!p.workflow.empty()) cfg << "workflow = " << toml(p.workflow) << "\n";
            if (!p.codebuild_project.empty()) cfg << "codebuild_project = " << toml(p.codebuild_project) << "\n";
            if (!p.cluster.empty()) cfg << "cluster = " << toml(p.cluster) << "\nservice = " << toml(p.service) << "\n";
            if (!p.target_groups.empty()) cfg << "target_group = " << toml(p.target_groups.front()) << "\n";
            if (!p.version_url.empty()) cfg << "version_url = " << toml(urls.count(p.version_url) ? urls[p.version_url] : p.version_url) << "\n";
            if (!p.version_json_pointer.empty()) cfg << "version_json_pointer = " << toml(p.version_json_pointer) << "\n";
            if (!p.expect_log.empty()) cfg << "expect_log = " << toml(p.expect_log) << "\n";
            cfg << "\n";
        }
        cfg.close();
        EXPECT_GE(regions.size(), 2u);
        EXPECT_GE(clusters.size(), 5u);

        std::string base = fmt::format("http://127.0.0.1:{}", sim.port());
        std::string env = fmt::format(
            "env -i PATH=/usr/bin:/bin HOME={0} AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE={0}/credentials "
            "AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL={1} GITHUB_API_URL={1} GH_TOKEN=shipwatch-e2e timeout 300 ",
            dir.string(), base);
        auto started = std::chrono::steady_clock::now();
        shipwatch::e2e::Run run = shipwatch::e2e::run_shipwatch_with(env, "check --config " + (dir / "shipwatch.toml").string() + " --json --log " + (dir / "check.log").string());
        auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        RecordProperty("check_seconds", std::to_string(took));
        auto doc = nlohmann::json::parse(run.out, nullptr, false);
        ASSERT_TRUE(doc.is_object()) << "no JSON report (exit " << run.exit_code << "): " << run.err.substr(0, 500);
        std::map<std::string, std::string> got;
        std::map<std::string, nlohmann::json> docs;
        for (const auto& p : doc["pipelines"]) {
            got[p["name"]] = p["verdict"]["code"];
            docs[p["name"]] = p;
        }
        EXPECT_EQ(got.size(), 200u);
        // Warnings name every request that failed after its retries.
        const std::string log = slurp(dir / "check.log");
        EXPECT_EQ(log.find(" warning "), std::string::npos) << log.substr(0, 4000);
        // A mismatch prints the pipeline's whole report: which stage, which error, how old.
        for (const auto& [name, verdict] : scenario.expect) EXPECT_EQ(got[name], verdict) << name << ": " << docs[name].dump(1).substr(0, 4000);
        bool all_live = std::all_of(scenario.expect.begin(), scenario.expect.end(), [](const auto& kv) { return kv.second == "live"; });
        EXPECT_EQ(run.exit_code, all_live ? 0 : 1) << run.err.substr(0, 500);
    }
    fs::remove_all(dir);
}

// Every one of 10,000 generated pipelines gets the verdict the fleet declares, in one report, on
// a pool of at most 64 threads; the run's wall time is recorded, not judged.
TEST(Scale, CheckDemoOfTenThousandPipelinesGivesEachItsVerdict) {
    std::map<std::string, std::string> expect;
    {
        auto options = shipwatch::sim::fleet_options_from_name("fleet-10000");
        ASSERT_TRUE(options && *options);
        auto fleet = shipwatch::sim::make_fleet(options->value());
        ASSERT_TRUE(fleet.ok()) << fleet.error().message;
        expect = fleet->scenario.expect;
    }
    malloc_trim(0);  // the generated world is gigabytes; the binary below makes its own
    ASSERT_EQ(expect.size(), 10000u);

    auto started = std::chrono::steady_clock::now();
    shipwatch::e2e::Run run = shipwatch::e2e::run_shipwatch_with("timeout 900 ", "check --demo fleet-10000 --json");
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    RecordProperty("check_seconds", std::to_string(took));
    auto doc = nlohmann::json::parse(run.out, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << "no JSON report (exit " << run.exit_code << "): " << run.err.substr(0, 2000);
    std::map<std::string, std::string> got;
    for (const auto& p : doc["pipelines"]) got[p["name"].get<std::string>()] = p["verdict"]["code"].get<std::string>();
    EXPECT_EQ(doc["pipelines"].size(), 10000u);
    EXPECT_EQ(got.size(), 10000u);  // each pipeline once
    size_t mismatched = 0;
    for (const auto& [name, verdict] : expect)
        if (got[name] != verdict && ++mismatched <= 10)
            ADD_FAILURE() << name << ": " << got[name] << ", expected " << verdict;
    EXPECT_EQ(mismatched, 0u);
    EXPECT_EQ(run.exit_code, 1) << run.err.substr(0, 2000);  // some pipelines start in an incident
}

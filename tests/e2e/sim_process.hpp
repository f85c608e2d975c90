// `shipwatch sim` as a child process for the end-to-end tests, with what they need of it: its
// endpoints and keys, its call counters and faults, a config file of a scenario's pipelines on
// it, and the environment of a machine with nothing configured but the simulator.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "run_binary.hpp"
#include "tmux_driver.hpp"

namespace shipwatch::e2e {

class SlowSim {
public:
    // `fault`: a rule the server starts with (empty: none); more can be added while it serves.
    SlowSim(const std::string& scenario, const std::string& dir, const std::string& fault = "aws=slow,delay=30s") {
        pid_ = fork();
        if (pid_ == 0) {
            int out = open((dir + "/sim.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            int err = open((dir + "/sim.err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            dup2(out, STDOUT_FILENO);
            dup2(err, STDERR_FILENO);
            if (fault.empty())
                execl(SHIPWATCH_BINARY, SHIPWATCH_BINARY, "sim", "--scenario", scenario.c_str(), "--port", "0",
                      static_cast<char*>(nullptr));
            else
                execl(SHIPWATCH_BINARY, SHIPWATCH_BINARY, "sim", "--scenario", scenario.c_str(), "--port", "0",
                      "--fault", fault.c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
        std::regex listening(R"(listening on (http://127\.0\.0\.1:\d+))");
        for (int i = 0; i < 300 && base_.empty(); ++i) {
            std::smatch m;
            std::string out = slurp(dir + "/sim.out");
            if (std::regex_search(out, m, listening)) base_ = m[1];
            else std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        err_ = slurp(dir + "/sim.err");
    }
    // SIGKILL: on SIGTERM the simulator would first wait out its slow answers still being served.
    ~SlowSim() {
        if (pid_ <= 0) return;
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    const std::string& base() const { return base_; }
    const std::string& err() const { return err_; }
    // "NAME=value" as the simulator prints it.
    std::string printed(const std::string& name) const {
        std::smatch m;
        return std::regex_search(err_, m, std::regex(name + "=(\\S+)")) ? std::string(m[1]) : std::string();
    }
    std::string mapped(const std::string& version_url) const {
        for (const auto& line : lines(err_))
            if (auto at = line.find("version_url " + version_url + " -> "); at != std::string::npos)
                return line.substr(at + version_url.size() + 16);
        return version_url;
    }
    // AWS calls the simulator has received (each counted as it arrives, before its slow answer).
    int aws_calls() const {
        auto doc = nlohmann::json::parse(sh("curl -s " + base_ + "/_sim/calls"), nullptr, false);
        int n = 0;
        if (!doc.is_object()) return 0;
        for (const auto& [op, count] : doc.items())
            if (op.rfind("github:", 0) != 0 && op.rfind("http:", 0) != 0 && count.is_number()) n += count.get<int>();
        return n;
    }
    // Adds a fault rule while the server serves (its /_sim/faults control path).
    void add_fault(const std::string& rule) const {
        sh("curl -s -X POST --data-binary '" + rule + "' " + base_ + "/_sim/faults");
    }
    int calls(const std::string& operation) const {
        auto doc = nlohmann::json::parse(sh("curl -s " + base_ + "/_sim/calls"), nullptr, false);
        return doc.is_object() && doc.contains(operation) ? doc[operation].get<int>() : 0;
    }
    static std::string slurp(const std::string& path) {
        std::ifstream in(path);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }

private:
    pid_t pid_ = -1;
    std::string base_;
    std::string err_;
};

// The scenario's pipelines as a config file (sim/scenarios/<name>.json), version URLs on the simulator.
inline std::string write_config(const std::string& scenario, const SlowSim& sim, const std::string& dir) {
    std::string source = std::string(SHIPWATCH_TEST_DATA) + "/../../sim/scenarios/" + scenario + ".json";
    auto doc = nlohmann::json::parse(SlowSim::slurp(source), nullptr, false);
    if (!doc.is_object()) return {};
    std::ofstream cfg(dir + "/shipwatch.toml");
    for (const auto& p : doc["pipelines"]) {
        cfg << "[[pipeline]]\n";
        for (const char* key : {"name", "region", "repo", "branch", "workflow", "codebuild_project", "cluster",
                                "service", "target_group", "version_url", "version_json_pointer", "expect_log"}) {
            std::string value = p.value(key, std::string());
            if (std::string(key) == "version_url" && !value.empty()) value = sim.mapped(value);
            // A JSON string is a TOML basic string.
            if (!value.empty()) cfg << key << " = " << nlohmann::json(value).dump() << "\n";
        }
        cfg << "\n";
    }
    return dir + "/shipwatch.toml";
}

// Sets (or, with nullopt, unsets) environment variables for one test; the tmux server this
// test starts inherits them, and so does the dashboard in its pane.
class ScopedEnvironment {
public:
    explicit ScopedEnvironment(const std::vector<std::pair<std::string, std::optional<std::string>>>& vars) {
        for (const auto& [name, value] : vars) {
            const char* old = std::getenv(name.c_str());
            saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
            if (value) setenv(name.c_str(), value->c_str(), 1);
            else unsetenv(name.c_str());
        }
    }
    ~ScopedEnvironment() {
        for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {  // backwards: a name set twice ends as it began
            if (it->second) setenv(it->first.c_str(), it->second->c_str(), 1);
            else unsetenv(it->first.c_str());
        }
    }

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// The environment of a machine with nothing configured but the simulator's endpoints and `extra`.
inline std::vector<std::pair<std::string, std::optional<std::string>>> sim_environment(
    const SlowSim& sim, const std::string& home,
    std::vector<std::pair<std::string, std::optional<std::string>>> extra) {
    std::vector<std::pair<std::string, std::optional<std::string>>> vars{
        {"HOME", home},
        {"AWS_CONFIG_FILE", "/dev/null"},
        {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
        {"AWS_EC2_METADATA_DISABLED", "true"},
        {"AWS_ACCESS_KEY_ID", std::nullopt},
        {"AWS_SECRET_ACCESS_KEY", std::nullopt},
        {"AWS_SESSION_TOKEN", std::nullopt},
        {"AWS_PROFILE", std::nullopt},
        {"AWS_DEFAULT_PROFILE", std::nullopt},
        {"AWS_ENDPOINT_URL", sim.base()},
        {"GITHUB_API_URL", sim.base()},
        {"GH_TOKEN", "shipwatch-e2e"},
        {"http_proxy", std::nullopt},
        {"https_proxy", std::nullopt},
        {"HTTP_PROXY", std::nullopt},
        {"HTTPS_PROXY", std::nullopt},
        {"ALL_PROXY", std::nullopt},
        {"all_proxy", std::nullopt}};
    vars.insert(vars.end(), extra.begin(), extra.end());  // later entries win: ScopedEnvironment applies in order
    return vars;
}

}  // namespace shipwatch::e2e

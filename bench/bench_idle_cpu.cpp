// Idle CPU of the dashboard: the TUI open on 20 pipelines at the default refresh intervals,
// on the real-data path (config file, credentials, libcurl SigV4, AWS_ENDPOINT_URL and
// GITHUB_API_URL) against `shipwatch sim --scenario fleet-20` over loopback HTTP. After the
// first full picture it reads utime+stime from /proc/<pid>/stat over the measuring window
// (default 60 s) and prints the share of one core; the simulator's own CPU is shown apart.
//   bench_idle_cpu [SECONDS] [SCENARIO] [SHIPWATCH_BINARY]
//   bench_idle_cpu --demo [SECONDS] [SCENARIO]     the in-process simulator instead (no HTTP)
#include <fcntl.h>
#include <spawn.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "sim/fleet.hpp"
#include "pty_session.hpp"

using namespace shipwatch;
using namespace shipwatch::bench;
namespace fs = std::filesystem;

extern char** environ;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string toml_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// `shipwatch sim` in the background, its output in files; killed by the destructor.
struct SimProcess {
    pid_t pid = -1;
    int port = 0;
    std::string err;
    SimProcess(const std::string& binary, const std::string& scenario, const fs::path& dir) {
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, (dir / "sim.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_addopen(&fa, 2, (dir / "sim.err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        std::vector<std::string> args{binary, "sim", "--scenario", scenario, "--port", "0"};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        if (posix_spawn(&pid, binary.c_str(), &fa, nullptr, argv.data(), environ) != 0) pid = -1;
        posix_spawn_file_actions_destroy(&fa);
        std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
        for (int i = 0; i < 300 && pid > 0 && port == 0; ++i) {
            std::smatch m;
            std::string out = slurp(dir / "sim.out");
            if (std::regex_search(out, m, listening)) port = std::stoi(m[1]);
            else std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        err = slurp(dir / "sim.err");
    }
    ~SimProcess() {
        if (pid > 0) {
            kill(pid, SIGTERM);
            waitpid(pid, nullptr, 0);
        }
    }
};

int measure(PtySession& term, int seconds, const std::string& what, pid_t sim_pid) {
    auto started = steady::now();
    if (!term.wait_settled("not live", "loading…", std::chrono::milliseconds(1500), std::chrono::seconds(120))) {
        std::fprintf(stderr, "bench_idle_cpu: no full picture within 120 s\n");
        return 1;
    }
    std::printf("%s: first full picture after %.1f s\n", what.c_str(),
                std::chrono::duration<double>(steady::now() - started).count() - 1.5);
    double cpu0 = cpu_seconds(term.pid());
    double sim0 = sim_pid > 0 ? cpu_seconds(sim_pid) : 0;
    auto t0 = steady::now();
    // Keep reading the terminal (a full pty would block the dashboard) until the window ends.
    while (steady::now() - t0 < std::chrono::seconds(seconds) && !term.eof()) term.read_some(std::chrono::milliseconds(200));
    double wall = std::chrono::duration<double>(steady::now() - t0).count();
    double cpu = cpu_seconds(term.pid()) - cpu0;
    std::printf("idle CPU over %.0f s: %.2f%% of one core (%.2f s of CPU)\n", wall, 100.0 * cpu / wall, cpu);
    if (sim_pid > 0) std::printf("  (the simulator serving it: %.2f%% of one core, not counted)\n", 100.0 * (cpu_seconds(sim_pid) - sim0) / wall);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    bool demo = !args.empty() && args.front() == "--demo";
    if (demo) args.erase(args.begin());
    int seconds = args.size() > 0 ? std::atoi(args[0].c_str()) : 60;
    std::string scenario = args.size() > 1 ? args[1] : "fleet-20";
    std::string binary = args.size() > 2 ? args[2] : SHIPWATCH_BINARY;
    if (seconds < 1) {
        std::fprintf(stderr, "bench_idle_cpu: SECONDS must be at least 1\n");
        return 2;
    }
    if (demo) {
        PtySession term({binary, "--demo", scenario}, 160, 48);
        return measure(term, seconds, fmt::format("--demo {}", scenario), -1);
    }

    auto options = sim::fleet_options_from_name(scenario);
    if (!options || !*options) {
        std::fprintf(stderr, "bench_idle_cpu: '%s' is not a fleet scenario (fleet-N)\n", scenario.c_str());
        return 2;
    }
    auto fleet = sim::make_fleet(options->value());
    if (!fleet) {
        std::fprintf(stderr, "bench_idle_cpu: %s\n", fleet.error().message.c_str());
        return 2;
    }
    fs::path dir = fs::temp_directory_path() / fmt::format("shipwatch-idle-{}", getpid());
    fs::create_directories(dir);
    int status = 1;
    {
        SimProcess sim(binary, scenario, dir);
        if (sim.port == 0) {
            std::fprintf(stderr, "bench_idle_cpu: the simulator did not start: %s\n", sim.err.c_str());
            fs::remove_all(dir);
            return 1;
        }
        std::map<std::string, std::string> urls;  // version URL -> where the simulator serves it
        std::regex mapping(R"(version_url (\S+) -> (\S+))");
        for (std::sregex_iterator it(sim.err.begin(), sim.err.end(), mapping), end; it != end; ++it) urls[(*it)[1]] = (*it)[2];
        // The default refresh intervals: no [refresh] table.
        std::ofstream cfg(dir / "shipwatch.toml");
        for (const auto& p : fleet->scenario.pipelines) {
            cfg << "[[pipeline]]\nname = " << toml_string(p.name) << "\nregion = " << toml_string(p.region) << "\n";
            if (!p.repo.empty()) cfg << "repo = " << toml_string(p.repo) << "\nbranch = " << toml_string(p.branch) << "\n";
            if (!p.workflow.empty()) cfg << "workflow = " << toml_string(p.workflow) << "\n";
            if (!p.codebuild_project.empty()) cfg << "codebuild_project = " << toml_string(p.codebuild_project) << "\n";
            if (!p.cluster.empty()) cfg << "cluster = " << toml_string(p.cluster) << "\nservice = " << toml_string(p.service) << "\n";
            if (!p.target_groups.empty()) cfg << "target_group = " << toml_string(p.target_groups.front()) << "\n";
            if (!p.version_url.empty())
                cfg << "version_url = " << toml_string(urls.count(p.version_url) ? urls[p.version_url] : p.version_url) << "\n";
            if (!p.version_json_pointer.empty()) cfg << "version_json_pointer = " << toml_string(p.version_json_pointer) << "\n";
            if (!p.expect_log.empty()) cfg << "expect_log = " << toml_string(p.expect_log) << "\n";
            cfg << "\n";
        }
        cfg.close();
        std::string base = fmt::format("http://127.0.0.1:{}", sim.port);
        PtySession term({binary, "--config", (dir / "shipwatch.toml").string()}, 160, 48,
                        {"HOME=" + dir.string(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
                         "AWS_EC2_METADATA_DISABLED=true", "AWS_PROFILE=", "AWS_ACCESS_KEY_ID=" + fleet->scenario.access_key_id,
                         "AWS_SECRET_ACCESS_KEY=" + fleet->scenario.secret_access_key, "AWS_SESSION_TOKEN=",
                         "AWS_ENDPOINT_URL=" + base, "GITHUB_API_URL=" + base, "GH_TOKEN=shipwatch-bench"});
        status = measure(term, seconds, fmt::format("{} over signed loopback HTTP", scenario), sim.pid);
    }
    fs::remove_all(dir);
    return status;
}

// `check` at scale: the check engine (collect_all on one fetch pool, then the diagnosis and both
// reports) over generated fleets of N pipelines on the in-process simulator. Each N runs in its
// own child process, so its peak resident memory (the kernel's, from wait4) and its peak thread
// count (sampled from /proc/PID/status every few milliseconds) are its own. Prints wall time by
// phase, requests made, and the fewest requests the APIs' batching limits allow for the same
// picture: the physical limit to compare against.
//   bench_scale [N ...]      default: 100 1000 10000
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/analysis.hpp"
#include "report/report.hpp"
#include "sim/demo_sources.hpp"
#include "sim/fleet.hpp"

using namespace shipwatch;
using nlohmann::json;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

long pages(long items, long per) { return std::max(1L, (items + per - 1) / per); }

// The fewest requests one first picture of this world needs under the APIs' batching limits, as
// the engine shares them: per cluster, DescribeServices (10 services a call), ListTasks RUNNING
// (100 a page) and STOPPED, DescribeTasks (100 a call); per region, DescribeTargetGroups and
// DescribeLoadBalancers (20 a call); per pipeline, its task definition, its target group's
// health, its ECR repository's images and its version endpoint; per repository, the commits;
// per pipeline's workflow, its runs and the newest run's jobs.
long minimum_calls(const sim::Scenario& s) {
    long calls = 0;
    for (const auto& [region, services] : s.world["aws"].items()) {
        long groups = 0, balancers = 0;
        if (services.contains("elbv2")) {
            groups = static_cast<long>(services["elbv2"].value("targetGroups", json::array()).size());
            balancers = static_cast<long>(services["elbv2"].value("loadBalancers", json::array()).size());
        }
        calls += pages(groups, 20) + pages(balancers, 20);
        if (!services.contains("ecs")) continue;
        for (const auto& [name, cluster] : services["ecs"]["clusters"].items()) {
            long svcs = static_cast<long>(cluster.value("services", json::array()).size());
            long tasks = 0;
            for (const auto& t : cluster.value("tasks", json::array())) tasks += t.value("lastStatus", "") == "RUNNING";
            calls += pages(svcs, 10) + pages(tasks, 100) + 1 + pages(tasks, 100);
        }
    }
    const long pipelines = static_cast<long>(s.pipelines.size());
    calls += 4 * pipelines;  // task definition, target health, images, version endpoint
    calls += static_cast<long>(s.world["github"].size());  // commits per repository
    calls += 2 * pipelines;  // runs of its workflow, jobs of the newest run
    return calls;
}

// The process's own peak resident memory so far, from /proc/self/status.
long hwm_kb() {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
    return 0;
}

long rss_kb() {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return 0;
}

struct Measured {
    double generate_s = 0, demo_s = 0, collect_s = 0, report_s = 0;
    long hwm_generate_kb = 0, rss_generated_kb = 0, rss_collected_kb = 0;
    long pipelines = 0, verdicts = 0, as_expected = 0, calls = 0, minimum = 0, text_bytes = 0, json_bytes = 0;
    std::map<std::string, int> operations;  // requests by operation
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Measured, generate_s, demo_s, collect_s, report_s, hwm_generate_kb,
                                   rss_generated_kb, rss_collected_kb, pipelines, verdicts, as_expected, calls,
                                   minimum, text_bytes, json_bytes, operations)

// The child's work: one fleet, one check. Its numbers go back as one JSON line.
Measured run_check(int n) {
    Measured m;
    auto t = std::chrono::steady_clock::now();
    sim::FleetOptions options;
    options.pipelines = n;
    auto fleet = sim::make_fleet(options);
    if (!fleet) {
        std::fprintf(stderr, "fleet-%d: %s\n", n, fleet.error().message.c_str());
        std::exit(2);
    }
    m.generate_s = seconds_since(t);
    m.hwm_generate_kb = hwm_kb();
    malloc_trim(0);
    m.rss_generated_kb = rss_kb();
    m.minimum = minimum_calls(fleet->scenario);
    auto expect = fleet->scenario.expect;

    t = std::chrono::steady_clock::now();
    DemoClock clock;
    clock.frozen = true;  // as `check --demo`: the world stands still while it is read
    auto demo = make_demo_from({std::move(fleet->scenario)}, clock);
    std::vector<PipelineCollector*> collectors;
    for (auto& c : demo->collectors) collectors.push_back(c.get());
    m.pipelines = static_cast<long>(collectors.size());
    m.demo_s = seconds_since(t);

    t = std::chrono::steady_clock::now();
    auto snaps = collect_all(collectors, RefreshParts::all(), kMaxFetchThreads);  // as `check --demo`: unpaced
    m.collect_s = seconds_since(t);
    malloc_trim(0);
    m.rss_collected_kb = rss_kb();

    t = std::chrono::steady_clock::now();
    std::vector<PipelineAnalysis> results;
    results.reserve(snaps.size());
    for (auto& snap : snaps) results.push_back(analyze(std::move(snap)));
    m.text_bytes = static_cast<long>(tui::render_text(results).size());
    m.json_bytes = static_cast<long>(tui::to_json(results).dump(2).size());
    m.report_s = seconds_since(t);

    for (const auto& r : results) {
        ++m.verdicts;
        auto e = expect.find(r.snapshot.spec.name);
        m.as_expected += e != expect.end() && e->second == to_string(r.diagnosis.verdict.code);
    }
    for (const auto& [op, count] : demo->worlds.front()->call_counts()) {
        m.calls += count;
        // Each version endpoint is its own operation ("http:<url>"): one line for them all.
        m.operations[op.rfind("http:", 0) == 0 ? "http:<version endpoints>" : op] += count;
    }
    return m;
}

int threads_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
    return 0;
}

struct Row {
    int n = 0;
    double wall_s = 0;
    long peak_rss_kb = 0;
    int peak_threads = 0;
    Measured m;
};

bool measure(int n, Row& row) {
    int fds[2];
    if (pipe(fds) != 0) return false;
    auto start = std::chrono::steady_clock::now();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        std::string line = json(run_check(n)).dump();
        if (write(fds[1], line.data(), line.size()) < 0) _exit(3);
        _exit(0);
    }
    close(fds[1]);
    row.n = n;
    int status = 0;
    rusage usage{};
    // The pool's threads come and go with the work: sample often enough to see the peak.
    for (;;) {
        row.peak_threads = std::max(row.peak_threads, threads_of(pid));
        pid_t done = wait4(pid, &status, WNOHANG, &usage);
        if (done == pid) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    row.wall_s = seconds_since(start);
    row.peak_rss_kb = usage.ru_maxrss;
    std::string out;
    char buf[4096];
    for (ssize_t got; (got = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(got));
    close(fds[0]);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "fleet-%d: the check did not finish (status %d)\n", n, status);
        return false;
    }
    json j = json::parse(out);
    row.m = j.get<Measured>();
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<int> sizes;
    for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
    if (sizes.empty()) sizes = {100, 1000, 10000};
    std::printf("check over fleet-N on the in-process simulator (frozen clock), %u cores\n",
                std::thread::hardware_concurrency());
    std::printf("%7s %7s %6s %9s %8s | %7s %7s %9s %10s %8s | %7s %9s %8s %7s %11s\n", "N", "wall_s", "gen_s",
                "collect_s", "report_s", "peak_MB", "KB/pipe", "gen_peak", "generated", "collected", "threads",
                "requests", "minimum", "req/min", "verdicts ok");
    int failed = 0;
    for (int n : sizes) {
        Row r;
        if (!measure(n, r)) {
            ++failed;
            continue;
        }
        auto mb = [](long kb) { return static_cast<double>(kb) / 1024.0; };
        std::printf("%7d %7.2f %6.2f %9.2f %8.2f | %7.1f %7.1f %9.1f %10.1f %8.1f | %7d %9ld %8ld %7.2f %5ld/%-5ld\n",
                    n,
                    r.wall_s, r.m.generate_s, r.m.collect_s, r.m.report_s, mb(r.peak_rss_kb),
                    static_cast<double>(r.peak_rss_kb) / static_cast<double>(n), mb(r.m.hwm_generate_kb),
                    mb(r.m.rss_generated_kb), mb(r.m.rss_collected_kb), r.peak_threads, r.m.calls, r.m.minimum,
                    static_cast<double>(r.m.calls) / static_cast<double>(r.m.minimum), r.m.as_expected, r.m.verdicts);
        std::string ops;
        for (const auto& [op, count] : r.m.operations) ops += fmt::format(" {}={}", op, count);
        std::printf("        requests:%s\n", ops.c_str());
        std::fflush(stdout);
    }
    return failed == 0 ? 0 : 1;
}

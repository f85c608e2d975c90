// Internals of the fleet generator, shared by its three files: the layout of the fleet (names,
// placement), the schedule of commits through pipelines, and the API-shaped objects.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/fleet.hpp"

namespace shipwatch::sim::fleet {

using nlohmann::json;

inline constexpr const char* kAccount = "246813579024";
inline constexpr int kTasksPerService = 2;

// Deterministic everywhere: std::mt19937_64 is specified exactly; the ranges are ours.
class Rng {
public:
    explicit Rng(uint64_t seed) : engine_(seed) {}
    uint64_t below(uint64_t n) { return n == 0 ? 0 : engine_() % n; }
    // Whole seconds, as the APIs' timestamps are.
    Duration between(Duration lo, Duration hi) {
        auto span = std::chrono::duration_cast<std::chrono::seconds>(hi - lo).count();
        return lo + std::chrono::seconds(static_cast<long long>(below(static_cast<uint64_t>(span) + 1)));
    }
    bool chance(int percent) { return below(100) < static_cast<uint64_t>(percent); }

private:
    std::mt19937_64 engine_;
};

// One pipeline's fixed facts: where it runs and what it is called.
struct PipelineLayout {
    std::string name;  // also the ECS service, task family and ECR repository name
    std::string region;
    std::string cluster;
    std::string repo;  // owner/name
    size_t repo_index = 0;
    std::string workflow;  // deploy-<stage>.yml: each pipeline has its own runs
    std::string workflow_name;
    long long workflow_id = 0;
    bool latest_tag = false;  // deploys `:latest` (the cache trap needs it) rather than a SHA tag
    bool short_tag = false;  // SHA tags: 7 characters rather than 40
    std::string target_group_arn;
    std::string target_group_name;
    std::string load_balancer_arn;
    std::string version_url;
    std::string secret_arn;
    int ip_block = 0;  // 10.<a>.<b>.x, unique per pipeline
};

struct ClusterLayout {
    std::string name;
    std::string region;
    std::string load_balancer_arn;
    std::string load_balancer_name;
};

struct RepoLayout {
    std::string name;  // owner/name
    std::vector<size_t> pipelines;
};

struct Layout {
    std::vector<PipelineLayout> pipelines;
    std::vector<ClusterLayout> clusters;
    std::vector<RepoLayout> repos;
};

Layout make_layout(const FleetOptions& options);

// What happens to one pipeline when a commit is merged into its repository.
enum class Outcome { normal, image_never_pushed, cache_trap, secret_stuck, merged_after_deploy };

struct Cycle {
    size_t pipeline = 0;
    int commit = 0;  // per repository, counting from 0 (the commits of the initial world are 0 and 1)
    TimePoint merge{};
    Outcome outcome = Outcome::normal;
    TimePoint build_start{};  // the CI run starts (for merged_after_deploy: when someone runs it)
    TimePoint recover{};  // incidents: when a person fixes it (re-run, stopped tasks, secret)
    TimePoint live{};  // everything carries the commit from here on; TimePoint::max() if never
};

struct Merge {
    size_t repo = 0;
    int commit = 0;
    TimePoint at{};
};

struct Schedule {
    std::vector<Merge> merges;  // time order
    std::vector<Cycle> cycles;  // per pipeline in time order, pipelines interleaved
};

// `from`..`until`: merges happen in this range; cycles may end later. `recover` false leaves
// incidents unrecovered (the static fleet shows them at its start).
Schedule make_schedule(const Layout& layout, Rng& rng, TimePoint from, TimePoint until, bool recover);
FleetTruth truth_of(const Layout& layout, const Schedule& schedule);

// Phase offsets of a cycle, relative to its build start.
inline constexpr Duration kBuildTime = std::chrono::minutes(6);
inline constexpr Duration kRolloutDelay = std::chrono::minutes(1);  // push → new task definition
inline constexpr Duration kTargetsHealthy = std::chrono::minutes(2);  // after the rollout starts
inline constexpr Duration kRolloutDone = std::chrono::minutes(3);
inline constexpr Duration kFailEvery = std::chrono::minutes(13);  // the stuck rollout's retry period

// ---- API-shaped objects -------------------------------------------------------------------------
std::string commit_sha(uint64_t seed, const std::string& repo, int commit);
std::string hex_id(const std::string& what, size_t length);  // deterministic hex from a name
std::string escape_pointer(const std::string& token);  // RFC 6901: ~ → ~0, / → ~1

json commit_json(const std::string& repo, const std::string& sha, const std::string& parent, TimePoint at,
                 const std::string& message);
json run_json(const PipelineLayout& p, long long id, int number, const std::string& sha, TimePoint created,
              const std::string& event);
json jobs_json(long long run_id, TimePoint start, bool push_fails);
json image_json(const PipelineLayout& p, const std::string& digest, const std::string& sha, TimePoint pushed);
std::vector<std::string> image_tags(const PipelineLayout& p, const std::string& sha, bool newest);
std::string image_ref(const PipelineLayout& p, const std::string& sha);
json taskdef_json(const PipelineLayout& p, int revision, const std::string& sha, TimePoint registered, bool secret);
std::string taskdef_arn(const PipelineLayout& p, int revision);
json task_json(const PipelineLayout& p, const std::string& id, int revision, const std::string& deployment,
               const std::string& sha, const std::string& digest, const std::string& ip, TimePoint started);
json stopped_task_patch(const PipelineLayout& p, const std::string& task_id, TimePoint at, const std::string& code,
                        const std::string& reason, int exit_code);
json deployment_json(const PipelineLayout& p, const std::string& id, const std::string& status, int revision,
                     int running, TimePoint created, TimePoint updated, const std::string& rollout);
json service_json(const PipelineLayout& p, int revision, const json& deployments);
json event_json(const std::string& id, TimePoint at, const std::string& message);
json target_json(const std::string& ip, const std::string& state, const std::string& reason);
json version_answer(const std::string& sha);
std::string task_arn(const PipelineLayout& p, const std::string& id);
std::string service_path(const PipelineLayout& p);  // JSON pointer of the service object
std::string cluster_path(const PipelineLayout& p);

}  // namespace shipwatch::sim::fleet

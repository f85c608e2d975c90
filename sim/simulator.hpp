// The built-in simulator: a simulated AWS account and GitHub repository that evolves over time
// and answers the same HTTP requests, with the same JSON/XML bodies, as the real APIs.
// Scenario files (sim/scenarios/*.json, compiled in) describe the world in the APIs'
// own shapes plus a script of timed JSON patches; see sim/README.md.
#pragma once

#include <map>
#include <memory>
#include <atomic>
#include <mutex>
#include <optional>
#include <queue>
#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.hpp"
#include "base/result.hpp"
#include "sim/faults.hpp"
#include "http/transport.hpp"
#include "model/snapshot.hpp"

namespace shipwatch::sim {

const std::map<std::string, std::string>& embedded_scenarios();  // name -> JSON text
std::vector<std::string> scenario_names();  // sorted

struct ScriptStep {
    Duration at{};  // offset from the scenario start
    Duration every{};  // 0: once
    std::optional<Duration> until;  // last offset a repeating step may fire at
    nlohmann::json patch;  // RFC 6902 operations (+ "increment"), values may use templates
};

struct Scenario {
    std::string name;
    std::string title;
    std::string description;
    TimePoint start{};
    std::string account;
    std::string access_key_id;
    std::string secret_access_key;
    std::vector<PipelineSpec> pipelines;
    std::map<std::string, std::string> expect;  // pipeline -> verdict code at the start
    nlohmann::json world;
    std::vector<ScriptStep> script;
};

// Parse a scenario document; errors name the scenario and the offending member.
Result<Scenario> parse_scenario(const std::string& json_text);
Result<Scenario> load_builtin(const std::string& name);
// A built-in scenario by name, or a scenario file by path (a name with a '/' or ending in
// ".json"): `sim --scenario ./mine.json`, `--demo ./mine.json`.
Result<Scenario> load_scenario(const std::string& name_or_path);

// The evolving world of one scenario. Thread-safe.
class World {
public:
    World(Scenario scenario, const ClockSource& clock);
    // Its world has moved into the state: read that through with_state().
    const Scenario& scenario() const { return scenario_; }
    TimePoint now() const { return clock_.now(); }
    // Applies every script step due by now, then calls f with the current state under the lock.
    template <typename F>
    auto with_state(F&& f) {
        std::lock_guard lock(mutex_);
        advance_locked();
        return f(state_, clock_.now());
    }

    // Calls answered, per operation ("ecs:DescribeServices", "github:repos/list-commits",
    // "http:<url>"), for tests and benchmarks.
    // Counts a call; returns how many calls of this operation there have been, this one included.
    int count_call(const std::string& operation);
    // Fault injection (faults.hpp): consulted for every call, changeable while serving.
    FaultPlan& faults() { return faults_; }
    std::map<std::string, int> call_counts() const;
    // Firings whose patch could not be applied ("scenario x: script[2] at <ISO>: ..."); skipped whole.
    std::vector<std::string> script_errors() const;
    // Deterministic per-world request ids for x-amzn-RequestId and the XML RequestId.
    std::string next_request_id();

private:
    void advance_locked();
    void apply_step_locked(size_t index, TimePoint scheduled);
    void bound_events_locked();
    void bound_lists_locked();
    bool touched_locked(const std::string& prefix) const;  // a step since the last bounding changed it
    static std::string escape_token(const std::string& token);
    void forget_stopped_tasks_locked(TimePoint now);
    void queue_next_locked(size_t index);

    Scenario scenario_;
    const ClockSource& clock_;
    mutable std::mutex mutex_;
    nlohmann::json state_;
    std::vector<long long> fired_;  // per step: how many times it fired
    // Each step's next firing, earliest first (ties: the step written first).
    using Due = std::pair<TimePoint, size_t>;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
    TimePoint forget_due_ = TimePoint::max();  // when the oldest kept stopped task is forgotten
    long long seq_ = 0;
    bool bounded_once_ = false;
    std::vector<std::string> touched_;  // paths the steps applied since the last bounding changed
    std::vector<std::string> script_errors_;
    mutable std::mutex counts_mutex_;
    FaultPlan faults_;  // its own lock, so faults can change while a slow handler runs
    std::map<std::string, int> counts_;
    long long requests_ = 0;
};

// Answers HTTP requests from a World: AWS JSON 1.1 (ECS, ECR, CodeBuild, CloudWatch Logs,
// Secrets Manager), AWS Query/XML (ELBv2, EC2), GitHub REST, and plain version endpoints.
// Routing is by host, as the real endpoints are: "ecs.<region>.amazonaws.com", ...
class SimTransport final : public Transport {
public:
    // `stop` ends a slow answer's delay at once (the answer is then LocalFailure::cancelled).
    explicit SimTransport(std::shared_ptr<World> world, std::stop_token stop = {})
        : world_(std::move(world)), stop_(std::move(stop)) {}
    HttpResponse send(const HttpRequest& request) override;
    World& world() { return *world_; }
    std::map<std::string, int> call_counts() const { return world_->call_counts(); }

private:
    std::shared_ptr<World> world_;
    std::stop_token stop_;
};

}  // namespace shipwatch::sim

// Fault injection for the simulator: rules that make chosen operations fail the way real
// services and networks do (throttling, 5xx, refused connections, answers slower than the
// client's time-out, damaged bodies, unexpected enum values, missing members, expired
// credentials, GitHub's rate limit). Used by `shipwatch sim --fault`, its /_sim/faults control
// endpoint, the demo, and the fault-matrix tests.
//
// A rule is written PATTERN=KIND[,first=K][,rate=R][,delay=D]:
//   ecs:DescribeTasks=missing-tasks  running tasks the cluster cannot describe (failures[])
//   ecs:DescribeServices=500         every DescribeServices call answers 500
//   ecs:*@eu-west-1=throttle,first=3 the first 3 calls of each ECS operation in eu-west-1
//   aws=slow,delay=8s,rate=0.5       every other AWS call answers after 8 s
//   github=rate-limit                GitHub answers 403 with x-ratelimit-remaining: 0
// PATTERN is `*` (everything), `aws`, `github`, `http` (version endpoints), a service (`ecs`,
// `elasticloadbalancing`: all its operations), or a glob over the operation names the simulator
// counts ("ecs:DescribeServices", "github:repos/list-commits", "http:https://host/path");
// `@region` (a glob too) narrows AWS operations to regions.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "http/transport.hpp"
#include "model/time.hpp"

namespace shipwatch::sim {

enum class FaultKind {
    throttle,  // the service's throttling error (GitHub: a secondary rate limit, 429 elsewhere)
    error500,
    error503,
    refuse,  // the connection is refused: no answer at all
    slow,  // the right answer, `delay` late
    truncate,  // the body cut in half
    malformed,  // the body is no longer valid JSON / XML
    bad_enum,  // status-like members carry a value no client knows
    missing_fields,  // members clients rely on are left out
    expired_credentials,  // AWS: ExpiredToken(Exception)
    rate_limit,  // GitHub: 403 with x-ratelimit-remaining: 0
    endless_pages,  // AWS JSON listings: every answer carries a new nextToken, forever
    missing_tasks,  // ECS DescribeTasks: every other RUNNING task is answered in failures[] as MISSING
};

// The tokens endless_pages hands out; a listing asked with one answers an empty page, to which
// the fault adds the next token.
inline constexpr std::string_view kEndlessTokenPrefix = "endless-";

std::string_view to_string(FaultKind kind);
std::vector<std::string_view> fault_kind_names();

// Where an answer comes from, so a fault can take that protocol's shape.
enum class Protocol { aws_json, aws_query_elbv2, aws_query_ec2, github, http };

struct FaultRule {
    std::string pattern = "*";
    FaultKind kind = FaultKind::error500;
    int first = 0;  // > 0: only the first K calls of each matching operation
    double rate = 1.0;  // (0, 1]: this share of matching calls, spread evenly (deterministic)
    Duration delay = std::chrono::seconds(30);  // slow: how late; rate-limit: until the reset
    std::string spec;  // as written, for listings
};

// Parses one rule; the error says what to fix ("--fault 'x': unknown kind 'y': one of ...").
Result<FaultRule> parse_fault(std::string_view spec);

// The active rules and how often each has matched each operation. Thread-safe.
class FaultPlan {
public:
    void set(std::vector<FaultRule> rules);  // replaces the rules and forgets their counts
    void add(FaultRule rule);
    void clear() { set({}); }
    std::vector<FaultRule> rules() const;
    // Counts the call against every matching rule; the first rule that fires for it, if any.
    std::optional<FaultRule> take(std::string_view family, const std::string& operation, const std::string& region);

private:
    mutable std::mutex mutex_;
    std::vector<FaultRule> rules_;
    std::vector<std::map<std::string, long long>> hits_;  // per rule: matching calls per operation
};

// The answer a fault gives instead of the real one (throttle, 5xx, expired, rate limit); nullopt
// for faults that act on the real answer (slow, truncate, malformed, bad_enum, missing_fields)
// or on the connection (refuse).
std::optional<HttpResponse> fault_answer(const FaultRule& rule, Protocol protocol, const std::string& request_id);
// Damages a real answer (truncate, malformed, bad_enum, missing_fields); others leave it alone.
void damage_answer(const FaultRule& rule, Protocol protocol, HttpResponse& answer);

// The transport error of an injected `refuse` (over HTTP, the server drops the connection).
inline constexpr std::string_view kRefusedBySim = "Failed to connect: Connection refused (simulated)";

// The value bad_enum puts in place of a known one.
inline constexpr std::string_view kUnexpectedEnum = "SHIPWATCH_SIM_UNEXPECTED";

}  // namespace shipwatch::sim

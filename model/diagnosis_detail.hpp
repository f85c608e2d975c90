// Internals shared by the diagnosis rule files (one file per stage family).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "model/diagnosis.hpp"

namespace shipwatch::detail {

// A stage's report plus the verdict it implies when it is the first broken link.
struct StageOutcome {
    StageReport report;
    std::optional<VerdictCode> verdict;  // set when the stage is not ok
    std::string verdict_summary;
};

// A rollout that carried the target commit and did not stay: ECS's circuit breaker rolled it
// back, or the CodeDeploy deployment failed or was stopped.
struct Rollback {
    std::string task_definition;  // ARN of the revision that carried the target
    std::string deployment;  // ECS deployment id or CodeDeploy deployment id
    std::string by;  // "ECS" or "CodeDeploy"
    bool rolled_back = false;  // false: failed (or stopped) but not rolled back
    std::string reason;
    std::optional<TimePoint> at;
};

// CODE_DEPLOY and EXTERNAL services roll out through task sets, not deployments.
bool uses_task_sets(const Service& svc);
const TaskSet* primary_task_set(const Service& svc);
const TaskSet* replacement_task_set(const Service& svc);  // newest ACTIVE set beside the primary
// The task definition the service's newest rollout aims at: the replacement task set's while a
// blue/green shift runs, else the primary set's, else the service's own.
std::string rollout_task_definition(const Service& svc);

// What the rules compute once and share.
struct Context {
    explicit Context(const PipelineSnapshot& s);

    const PipelineSnapshot& snap;
    RevisionIndex index;
    TimePoint now;

    const Commit* target = nullptr;  // newest commit of the watched branch
    const CiRun* target_build = nullptr;  // newest CI run for the target commit
    const CiRun* latest_build = nullptr;  // newest CI run of any commit
    const Image* expected_image = nullptr;  // newest image carrying the target commit
    Revision expected;  // its revision (with digest)

    const TaskDefinition* service_taskdef = nullptr;  // what the service is set to run
    const ContainerDef* app_container = nullptr;  // the container built from the watched repo
    std::string app_image_repository;  // ECR repository name of that container's image

    const CodeDeployDeployment* codedeploy = nullptr;  // the newest deployment of the service's group, when read
    std::optional<Rollback> rollback;

    std::vector<Finding> findings;

    void find(Severity sev, Stage stage, std::string message, std::vector<Evidence> evidence = {}) {
        findings.push_back({sev, stage, std::move(message), std::move(evidence)});
    }
    const TaskDefinition* taskdef(const std::string& arn) const;
    const ContainerDef* app_container_of(const TaskDefinition& td) const;
    const TaskContainer* app_container_of(const Task& task) const;
    // The revision a running task carries, told by the digest it actually runs; without a
    // digest, by the image reference of its task definition (inferred, or none for a mutable tag).
    Revision task_revision(const Task& task) const;
    // Does this task definition's app container reference an image of the target commit?
    bool carries_target(const std::string& task_definition_arn) const;
    std::string short_sha(const std::string& sha) const { return sha.substr(0, 7); }
    std::string describe_commit(const Commit& c) const;
    void find_rollback();
    // When the newest deployment of the service was created, when known.
    std::optional<TimePoint> last_deployment() const;
};

// "ECS tasks data 42s old (trusted up to 30s)".
inline std::string too_old_text(std::string_view what, Duration age, Duration max_age) {
    return fmt::format("{} data {} old (trusted up to {})", what, format_duration(age), format_duration(max_age));
}

// When a part of the snapshot cannot be trusted, the stage is unknown and says why.
// Returns true when it filled `out` (the caller stops there).
template <typename T>
bool source_unusable(const Fetched<T>& part, const char* what, StageOutcome& out, TimePoint now) {
    auto& r = out.report;
    if (!part.configured) {
        r.health = Health::unknown;
        r.summary = fmt::format("no {} configured", what);
    } else if (part.error) {
        r.health = Health::unknown;
        const FetchError& e = *part.error;
        // An upstream error names the call that failed; the part itself was never asked.
        if (e.upstream) r.summary = fmt::format("{} not read: {}", what, describe_failure(e));
        else r.summary = fmt::format("{} fetch failed: {}", what, describe_failure(e.context, e.code, e.message));
        r.evidence.push_back({"error", describe(*part.error), part.error->time});
        if (part.fetched_at)
            r.evidence.push_back({"last good data", format_duration(now - *part.fetched_at) + " old", part.fetched_at});
        else
            r.evidence.push_back({"last good data", "never", std::nullopt});
    } else if (!part.value) {
        r.health = Health::unknown;
        r.summary = fmt::format("no {} data yet", what);
    } else if (auto age = part.too_old(now)) {
        // A call that hangs, or a refresh that never comes back, must not leave the stage green.
        r.health = Health::unknown;
        r.summary = too_old_text(what, *age, *part.max_age);
        r.evidence.push_back({"last good data", format_duration(*age) + " old", part.fetched_at});
    } else {
        return false;
    }
    out.verdict = VerdictCode::unknown;
    out.verdict_summary = fmt::format("Cannot tell: {}{}", r.summary, r.summary.ends_with('.') ? "" : ".");
    return true;
}

// The stage cannot be judged: `summary` on the stage, "Cannot tell: <why>." as the verdict
// (`why` defaults to the summary).
inline StageOutcome& fail_unknown(StageOutcome& out, std::string summary, std::string why = {}) {
    out.report.health = Health::unknown;
    out.report.summary = std::move(summary);
    out.verdict = VerdictCode::unknown;
    out.verdict_summary = fmt::format("Cannot tell: {}.", why.empty() ? out.report.summary : why);
    return out;
}

StageOutcome diagnose_push(Context& ctx);
StageOutcome diagnose_build(Context& ctx);
StageOutcome diagnose_image(Context& ctx);
StageOutcome diagnose_taskdef(Context& ctx);
StageOutcome diagnose_tasks(Context& ctx);
StageOutcome diagnose_alb(Context& ctx);
StageOutcome diagnose_instances(Context& ctx);
void add_findings(Context& ctx);  // cross-stage findings (secrets, commits ahead, ...)
void add_rollout_findings(Context& ctx);  // deployments, failed tasks, repeating events

std::string short_digest(const std::string& digest);  // "sha256:964c2ff"

}  // namespace shipwatch::detail

// The judgement: which link of the chain carries which commit, how healthy each link is, and
// which link broke first. Pure functions of a PipelineSnapshot.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/revision.hpp"
#include "model/snapshot.hpp"
#include "model/stage.hpp"

namespace shipwatch {

enum class Health { ok, progressing, stale, failed, unknown };
std::string_view to_string(Health h);

enum class VerdictCode {
    live,
    build_running,
    build_failed,
    not_built,
    image_missing,
    taskdef_stale,
    deploy_in_progress,
    deploy_failing,
    deploy_rolled_back,
    tasks_stale,
    targets_unhealthy,
    version_mismatch,
    instance_stale,
    unknown,
};
std::string_view to_string(VerdictCode v);
std::optional<VerdictCode> verdict_from_string(std::string_view s);

enum class Severity { info, warning, error };
std::string_view to_string(Severity s);

struct Evidence {
    std::string label;  // "newest commit", "task definition image", ...
    std::string value;  // "194af44 Stream Lifecycle System", "sha256:964c2ff..."
    std::optional<TimePoint> time;
};

struct StageReport {
    Stage id = Stage::push;
    Health health = Health::unknown;
    Revision revision;  // what the stage carries
    std::optional<TimePoint> since;  // when the stage reached what it carries
    std::string summary;
    std::vector<Evidence> evidence;
};

struct Finding {
    Severity severity = Severity::info;
    Stage stage = Stage::push;
    std::string message;
    std::vector<Evidence> evidence;
};

struct Verdict {
    VerdictCode code = VerdictCode::unknown;
    std::string summary;
    std::optional<Stage> stage;  // the first broken link; none when live
};

struct Diagnosis {
    std::string pipeline;
    Verdict verdict;
    std::vector<StageReport> stages;
    std::vector<Finding> findings;
    std::string target_sha;  // newest commit of the watched branch, when known
};

Diagnosis diagnose(const PipelineSnapshot& snapshot);

}  // namespace shipwatch

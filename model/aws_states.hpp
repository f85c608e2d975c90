// The AWS and GitHub states the diagnosis and the panes read, as enums (STYLE practice 14).
// Each enum has one spelling table (text <-> value). The parsers in sources/ read a state
// through that table once, where the answer is read, and validate it against the same table;
// the model then compares values, never strings. A value the API adds later parses as
// `unknown` and keeps its text, so it can still be shown as the API wrote it.
//
// Values checked against the service models in Debian's python3-botocore 1.29.27
// (botocore/data/<service>/<version>/service-2.json); where the model types a member as a
// plain String, the documentation text there is the source, as noted per table.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace shipwatch {

// One row of a spelling table: the API's text and the value it means.
template <class V>
struct Spelling {
    std::string_view text;
    V value;
};

// The value of `text` in `table`, or nullptr when the table does not list it.
template <class V>
constexpr const V* find_spelling(std::span<const Spelling<V>> table, std::string_view text) {
    for (const auto& row : table)
        if (row.text == text) return &row.value;
    return nullptr;
}
template <class V, size_t N>
constexpr const V* find_spelling(const Spelling<V> (&table)[N], std::string_view text) {
    return find_spelling(std::span<const Spelling<V>>(table), text);
}

// A state as read from an API: the value, and the text exactly as the API wrote it (what the
// writers print). `E` must have an `unknown` member and a `spellings(E)` table found by ADL.
template <class E>
struct ApiEnum {
    E value = E::unknown;
    std::string text;

    ApiEnum() = default;
    // Reads `text` through the table; text outside it is `unknown` (and kept).
    ApiEnum(std::string t) : value(parse(t)), text(std::move(t)) {}
    ApiEnum(const char* t) : ApiEnum(std::string(t)) {}

    static E parse(std::string_view t) {
        const E* v = find_spelling(spellings(E{}), t);
        return v ? *v : E::unknown;
    }
    bool known() const { return value != E::unknown; }

    bool operator==(E e) const { return value == e; }
    // Two readings are the same state when the API wrote the same text (two unknown values differ).
    bool operator==(const ApiEnum& o) const { return text == o.text; }
    // States are compared as values: a string comparison is a compile error, not a silent match.
    bool operator==(const char*) const = delete;
    bool operator==(const std::string&) const = delete;
};

// ---- ECS: botocore/data/ecs/2014-11-13/service-2.json ----------------------------------------

// Deployment.status is a String; its documentation lists PRIMARY, ACTIVE, INACTIVE.
enum class DeploymentStatus { unknown, primary, active, inactive };
inline constexpr Spelling<DeploymentStatus> kDeploymentStatuses[] = {
    {"PRIMARY", DeploymentStatus::primary},
    {"ACTIVE", DeploymentStatus::active},
    {"INACTIVE", DeploymentStatus::inactive}};
constexpr std::span<const Spelling<DeploymentStatus>> spellings(DeploymentStatus) { return kDeploymentStatuses; }

// Deployment.rolloutState: DeploymentRolloutState. "Only returned for services that use the
// rolling update (ECS) deployment type that aren't behind a Classic Load Balancer": the empty
// text is `absent`.
enum class RolloutState { unknown, absent, completed, failed, in_progress };
inline constexpr Spelling<RolloutState> kRolloutStates[] = {{"", RolloutState::absent},
                                                            {"COMPLETED", RolloutState::completed},
                                                            {"FAILED", RolloutState::failed},
                                                            {"IN_PROGRESS", RolloutState::in_progress}};
constexpr std::span<const Spelling<RolloutState>> spellings(RolloutState) { return kRolloutStates; }

// Service.status is a String; its documentation: "The valid values are ACTIVE, DRAINING, or INACTIVE."
enum class ServiceStatus { unknown, active, draining, inactive };
inline constexpr Spelling<ServiceStatus> kServiceStatuses[] = {
    {"ACTIVE", ServiceStatus::active}, {"DRAINING", ServiceStatus::draining}, {"INACTIVE", ServiceStatus::inactive}};
constexpr std::span<const Spelling<ServiceStatus>> spellings(ServiceStatus) { return kServiceStatuses; }

// Service.deploymentController.type: DeploymentControllerType. "If a deployment controller
// is not specified, the default value of ECS is used": the empty text is `absent`, judged as ECS.
enum class ControllerType { unknown, absent, ecs, code_deploy, external };
inline constexpr Spelling<ControllerType> kControllerTypes[] = {{"", ControllerType::absent},
                                                                {"ECS", ControllerType::ecs},
                                                                {"CODE_DEPLOY", ControllerType::code_deploy},
                                                                {"EXTERNAL", ControllerType::external}};
constexpr std::span<const Spelling<ControllerType>> spellings(ControllerType) { return kControllerTypes; }

// Service.deploymentConfiguration.strategy: DeploymentStrategy. Newer than botocore 1.29, so from
// the ECS API reference: BLUE_GREEN came with ECS-native blue/green (July 2025), LINEAR and CANARY
// late in 2025. "The default is ROLLING": the empty text (not told) is `absent`, judged as rolling.
enum class DeploymentStrategy { unknown, absent, rolling, blue_green, linear, canary };
inline constexpr Spelling<DeploymentStrategy> kDeploymentStrategies[] = {{"", DeploymentStrategy::absent},
                                                                         {"ROLLING", DeploymentStrategy::rolling},
                                                                         {"BLUE_GREEN", DeploymentStrategy::blue_green},
                                                                         {"LINEAR", DeploymentStrategy::linear},
                                                                         {"CANARY", DeploymentStrategy::canary}};
constexpr std::span<const Spelling<DeploymentStrategy>> spellings(DeploymentStrategy) { return kDeploymentStrategies; }

// TaskSet.status is a String; its documentation lists PRIMARY, ACTIVE, DRAINING.
enum class TaskSetStatus { unknown, primary, active, draining };
inline constexpr Spelling<TaskSetStatus> kTaskSetStatuses[] = {
    {"PRIMARY", TaskSetStatus::primary}, {"ACTIVE", TaskSetStatus::active}, {"DRAINING", TaskSetStatus::draining}};
constexpr std::span<const Spelling<TaskSetStatus>> spellings(TaskSetStatus) { return kTaskSetStatuses; }

// TaskSet.stabilityStatus: StabilityStatus.
enum class StabilityStatus { unknown, absent, steady_state, stabilizing };
inline constexpr Spelling<StabilityStatus> kStabilityStatuses[] = {{"", StabilityStatus::absent},
                                                                   {"STEADY_STATE", StabilityStatus::steady_state},
                                                                   {"STABILIZING", StabilityStatus::stabilizing}};
constexpr std::span<const Spelling<StabilityStatus>> spellings(StabilityStatus) { return kStabilityStatuses; }

// Task.lastStatus and Task.desiredStatus are Strings whose documentation points to the ECS
// "Task Lifecycle" page (not in the model); these are the lifecycle states shipwatch has
// accepted for lastStatus since it first validated it.
enum class TaskStatus {
    unknown,
    provisioning,
    pending,
    activating,
    running,
    deactivating,
    stopping,
    deprovisioning,
    stopped,
    deleted
};
inline constexpr Spelling<TaskStatus> kTaskStatuses[] = {
    {"PROVISIONING", TaskStatus::provisioning}, {"PENDING", TaskStatus::pending},
    {"ACTIVATING", TaskStatus::activating},     {"RUNNING", TaskStatus::running},
    {"DEACTIVATING", TaskStatus::deactivating}, {"STOPPING", TaskStatus::stopping},
    {"DEPROVISIONING", TaskStatus::deprovisioning}, {"STOPPED", TaskStatus::stopped},
    {"DELETED", TaskStatus::deleted}};
constexpr std::span<const Spelling<TaskStatus>> spellings(TaskStatus) { return kTaskStatuses; }

// Task.healthStatus and Container.healthStatus: HealthStatus. ECS's own UNKNOWN is
// `undetermined`; `unknown` is, as in every enum here, a value shipwatch does not know.
enum class HealthStatus { unknown, healthy, unhealthy, undetermined };
inline constexpr Spelling<HealthStatus> kHealthStatuses[] = {
    {"HEALTHY", HealthStatus::healthy},
    {"UNHEALTHY", HealthStatus::unhealthy},
    {"UNKNOWN", HealthStatus::undetermined}};
constexpr std::span<const Spelling<HealthStatus>> spellings(HealthStatus) { return kHealthStatuses; }

// Task.stopCode: TaskStopCode. Absent while the task has not stopped.
enum class StopCode {
    unknown,
    task_failed_to_start,
    essential_container_exited,
    user_initiated,
    service_scheduler_initiated,
    spot_interruption,
    termination_notice
};
inline constexpr Spelling<StopCode> kStopCodes[] = {
    {"TaskFailedToStart", StopCode::task_failed_to_start},
    {"EssentialContainerExited", StopCode::essential_container_exited},
    {"UserInitiated", StopCode::user_initiated},
    {"ServiceSchedulerInitiated", StopCode::service_scheduler_initiated},
    {"SpotInterruption", StopCode::spot_interruption},
    {"TerminationNotice", StopCode::termination_notice}};
constexpr std::span<const Spelling<StopCode>> spellings(StopCode) { return kStopCodes; }

// ---- CodeDeploy: botocore/data/codedeploy/2014-10-06/service-2.json --------------------------

// DeploymentInfo.status: DeploymentStatus.
enum class CodeDeployStatus { unknown, created, queued, in_progress, baking, succeeded, failed, stopped, ready };
inline constexpr Spelling<CodeDeployStatus> kCodeDeployStatuses[] = {
    {"Created", CodeDeployStatus::created},       {"Queued", CodeDeployStatus::queued},
    {"InProgress", CodeDeployStatus::in_progress}, {"Baking", CodeDeployStatus::baking},
    {"Succeeded", CodeDeployStatus::succeeded},   {"Failed", CodeDeployStatus::failed},
    {"Stopped", CodeDeployStatus::stopped},       {"Ready", CodeDeployStatus::ready}};
constexpr std::span<const Spelling<CodeDeployStatus>> spellings(CodeDeployStatus) { return kCodeDeployStatuses; }

// ---- ELBv2: botocore/data/elbv2/2015-12-01/service-2.json ------------------------------------

// TargetHealth.State: TargetHealthStateEnum lists initial, healthy, unhealthy, unused, draining,
// unavailable. "unhealthy.draining" is not in that (1.29.27) model; shipwatch has accepted it
// since it first validated the state (newer ELBv2 answers carry it), so it stays a known value.
enum class TargetState { unknown, initial, healthy, unhealthy, unhealthy_draining, unused, draining, unavailable };
inline constexpr Spelling<TargetState> kTargetStates[] = {
    {"initial", TargetState::initial},   {"healthy", TargetState::healthy},
    {"unhealthy", TargetState::unhealthy}, {"unhealthy.draining", TargetState::unhealthy_draining},
    {"unused", TargetState::unused},     {"draining", TargetState::draining},
    {"unavailable", TargetState::unavailable}};
constexpr std::span<const Spelling<TargetState>> spellings(TargetState) { return kTargetStates; }

// ---- EC2: botocore/data/ec2/2016-11-15/service-2.json ----------------------------------------

// InstanceState.Name: InstanceStateName.
enum class InstanceState { unknown, pending, running, shutting_down, terminated, stopping, stopped };
inline constexpr Spelling<InstanceState> kInstanceStates[] = {
    {"pending", InstanceState::pending},       {"running", InstanceState::running},
    {"shutting-down", InstanceState::shutting_down}, {"terminated", InstanceState::terminated},
    {"stopping", InstanceState::stopping},     {"stopped", InstanceState::stopped}};
constexpr std::span<const Spelling<InstanceState>> spellings(InstanceState) { return kInstanceStates; }

}  // namespace shipwatch

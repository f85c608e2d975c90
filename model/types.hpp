// Domain types: what the AWS and GitHub APIs tell us about one delivery pipeline.
// Pure data, no I/O. Field names follow the APIs they come from so a reader can map them back.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/aws_states.hpp"
#include "model/image_ref.hpp"
#include "model/time.hpp"

namespace shipwatch {

// ---- source control -------------------------------------------------------------------------

struct Commit {
    std::string sha;  // full 40-hex SHA
    std::string message;  // first line
    std::string author;
    TimePoint time{};  // committer date: when it landed on the branch
    std::optional<int> pull_request;  // "Merge pull request #70" / "(#70)"
    std::string url;
};

// ---- CI ---------------------------------------------------------------------------------------

enum class CiKind { github_actions, codebuild };
enum class CiStatus { queued, in_progress, completed };
enum class CiConclusion { none, success, failure, cancelled, timed_out, skipped, other };

// A GitHub Actions step (inside a job) or a CodeBuild phase.
struct CiStep {
    std::string job;  // GitHub job name; empty for CodeBuild
    std::string name;  // step name or CodeBuild phaseType (e.g. POST_BUILD)
    CiStatus status = CiStatus::completed;
    CiConclusion conclusion = CiConclusion::none;
    std::optional<TimePoint> started;
    std::optional<TimePoint> finished;
    std::string context;  // CodeBuild phase context message, e.g. "COMMAND_EXECUTION_ERROR: ..."
};

struct CiRun {
    CiKind kind = CiKind::github_actions;
    std::string id;  // run id or CodeBuild build id ("project:uuid")
    std::string name;  // workflow name or CodeBuild project
    std::string sha;  // head_sha / resolvedSourceVersion
    std::string branch;
    int number = 0;  // run_number / buildNumber
    CiStatus status = CiStatus::completed;
    CiConclusion conclusion = CiConclusion::none;
    TimePoint started{};
    std::optional<TimePoint> finished;
    std::string url;
    std::vector<CiStep> steps;
    // Changes whenever the run moves on (its steps may then have changed too).
    std::string status_key() const {
        return std::to_string(static_cast<int>(status)) + "/" + std::to_string(static_cast<int>(conclusion)) + "/" +
               std::to_string(finished ? finished->time_since_epoch().count() : 0);
    }
};

// ---- registry ---------------------------------------------------------------------------------

struct Image {
    std::string registry;  // "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    std::string repository;  // "streamr-p2p"
    std::vector<std::string> tags;
    std::string digest;  // "sha256:..."
    TimePoint pushed_at{};  // meaningful only when push_time_known
    std::optional<long long> size_bytes;
    // The OCI distribution API tells a tag's digest but not when it was pushed (ECR does): such
    // an image cannot be placed in time, so nothing may be inferred from its push. Last, so the
    // aggregate initialisers stay valid.
    bool push_time_known = true;
};


// ---- ECS --------------------------------------------------------------------------------------

struct SecretRef {
    std::string name;  // environment variable the secret lands in
    std::string value_from;  // ARN of the secret / parameter (never its value)
};

struct ContainerDef {
    std::string name;
    std::string image;  // as written in the task definition
    std::vector<std::string> environment_names;  // names only; values are not kept
    std::vector<SecretRef> secrets;
    std::string log_group;  // awslogs-group, when the awslogs driver is used
    std::string log_stream_prefix;
    bool essential = true;
};

struct TaskDefinition {
    std::string arn;
    std::string family;
    int revision = 0;
    std::optional<TimePoint> registered_at;
    std::string execution_role;
    std::vector<ContainerDef> containers;
};

struct Deployment {
    std::string id;
    ApiEnum<DeploymentStatus> status;
    std::string task_definition;  // ARN
    ApiEnum<RolloutState> rollout_state;  // text empty when absent
    std::string rollout_state_reason;
    int desired = 0;
    int pending = 0;
    int running = 0;
    int failed_tasks = 0;
    TimePoint created{};
    TimePoint updated{};
};

struct ServiceEvent {
    std::string id;
    TimePoint time{};
    std::string message;
};

struct ServiceLoadBalancer {
    std::string target_group_arn;
    std::string container_name;
    int container_port = 0;
    // ECS-native blue/green (advancedConfiguration, newer than botocore 1.29): the target group
    // the other colour registers in, and the production listener rule ECS switches between the
    // two. Empty when not told.
    std::string alternate_target_group_arn;
    std::string production_listener_rule;
};

// A task set: how CODE_DEPLOY and EXTERNAL controllers roll out (DescribeServices `taskSets`).
// The PRIMARY set serves production traffic; during a blue/green shift the replacement is
// ACTIVE beside it, registered in its own target group.
struct TaskSet {
    std::string id;
    std::string arn;
    ApiEnum<TaskSetStatus> status;
    std::string task_definition;  // ARN
    std::string started_by;  // "CodeDeploy" for sets CodeDeploy created
    std::string external_id;  // the CodeDeploy deployment id for sets CodeDeploy created
    int computed_desired = 0;
    int pending = 0;
    int running = 0;
    std::optional<double> scale_percent;  // scale.value when scale.unit is PERCENT
    ApiEnum<StabilityStatus> stability;
    std::optional<TimePoint> stability_at;
    std::optional<TimePoint> created;
    std::optional<TimePoint> updated;
    std::vector<ServiceLoadBalancer> load_balancers;
};

struct Service {
    std::string arn;
    std::string name;
    std::string cluster;  // ARN or name as returned
    ApiEnum<ServiceStatus> status;
    std::string task_definition;  // ARN the service is set to run
    int desired = 0;
    int running = 0;
    int pending = 0;
    std::string launch_type;
    ApiEnum<ControllerType> controller;  // deploymentController.type; text empty when absent (ECS)
    std::optional<bool> circuit_breaker;  // none when deploymentConfiguration is absent: not told
    bool circuit_breaker_rollback = false;
    // deploymentConfiguration.strategy and bakeTimeInMinutes (ECS-native blue/green, LINEAR,
    // CANARY): text empty and none when not told.
    ApiEnum<DeploymentStrategy> strategy{""};
    std::optional<int> bake_time_minutes;
    std::vector<Deployment> deployments;  // empty for CODE_DEPLOY and EXTERNAL: they use task sets
    std::vector<TaskSet> task_sets;
    std::vector<ServiceEvent> events;  // newest first, as ECS returns them
    std::vector<ServiceLoadBalancer> load_balancers;
    std::optional<TimePoint> created_at;

    // ECS-native blue/green and its LINEAR and CANARY shifts: the ECS controller runs the new
    // revision (green, the PRIMARY deployment) beside the old (blue) before traffic moves.
    bool native_blue_green() const {
        bool ecs = controller.text.empty() || controller == ControllerType::ecs;  // not told: ECS
        return ecs && (strategy == DeploymentStrategy::blue_green || strategy == DeploymentStrategy::linear ||
                       strategy == DeploymentStrategy::canary);
    }
};

// ---- CodeDeploy (blue/green for CODE_DEPLOY services) ----------------------------------------

// One lifecycle hook of an ECS deployment target (BeforeInstall, Install, AfterAllowTestTraffic,
// AllowTraffic, ...), with the hook's diagnostics when it failed.
struct CodeDeployLifecycleEvent {
    std::string name;
    std::string status;  // Pending, InProgress, Succeeded, Failed, Skipped, Unknown
    std::optional<TimePoint> started;
    std::optional<TimePoint> ended;
    std::string diagnostic;  // "errorCode: message" when the hook reported one
};

// A task set as CodeDeploy sees it: which colour, and how much production traffic it takes.
struct CodeDeployTaskSet {
    std::string id;  // ECS task set id (botocore spells the member "identifer")
    std::string label;  // Blue (original) or Green (replacement)
    std::string status;
    std::optional<double> traffic_weight;  // percent of production traffic
    std::string target_group;  // name
    long long desired = 0;
    long long running = 0;
};

// GetDeployment, with GetDeploymentTarget's ECS target when it could be read.
struct CodeDeployDeployment {
    std::string id;
    std::string application;
    std::string group;
    ApiEnum<CodeDeployStatus> status;
    std::string error_code;
    std::string error_message;
    std::string rollback_message;
    std::string rollback_deployment_id;  // set on the deployment a rollback replaced
    std::string rollback_of;  // set on a rollback deployment: the deployment that triggered it
    std::string creator;  // user, codeDeployRollback, ...
    std::optional<TimePoint> created;
    std::optional<TimePoint> completed;
    // What the deployment rolls out, from its revision's AppSpec (read from the answer, no call):
    // it outlives the replacement task set ECS deletes and the stopped tasks ECS forgets.
    std::string task_definition;  // as the AppSpec writes it: an ARN, or family:revision
    std::string container_name;  // the AppSpec's LoadBalancerInfo
    std::optional<int> container_port;
    std::string appspec_content;  // the revision's AppSpecContent as CodeDeploy keeps it; empty when not told
    std::string revision_untold;  // why task_definition is not told (S3 revision, placeholder, ...)
    bool target_read = false;  // GetDeploymentTarget answered (it may be denied)
    std::string target_status;
    std::vector<CodeDeployLifecycleEvent> lifecycle;
    std::vector<CodeDeployTaskSet> task_sets;

    bool failed_or_stopped() const { return status == CodeDeployStatus::failed || status == CodeDeployStatus::stopped; }
    bool rolled_back() const { return !rollback_deployment_id.empty() || !rollback_message.empty(); }
    std::string reason() const;  // "ALARM_ACTIVE: One or more alarms ...", either part alone when the other is absent
};

struct TaskContainer {
    std::string name;
    std::string image;
    std::string image_digest;  // what actually runs
    std::string last_status;
    std::optional<int> exit_code;
    std::string reason;
    ApiEnum<HealthStatus> health;
};

struct Task {
    std::string arn;
    std::string task_definition;  // ARN
    std::string started_by;  // "ecs-svc/..." deployment id for service tasks
    std::string group;  // "service:<name>" for service tasks
    ApiEnum<TaskStatus> last_status;
    ApiEnum<TaskStatus> desired_status;
    ApiEnum<HealthStatus> health;
    std::optional<TimePoint> created_at;
    std::optional<TimePoint> started_at;
    std::optional<TimePoint> stopping_at;
    std::optional<TimePoint> stopped_at;
    ApiEnum<StopCode> stop_code;  // text empty while the task runs
    std::string stopped_reason;
    std::string private_ip;  // awsvpc ENI address, matched against IP targets
    std::vector<TaskContainer> containers;
};

// The container built from the watched repository: the one whose image is from `repository`
// (when known), else the first essential container with an ECR image, else the first with an
// ECR image, else the first container. The collector discovers the repository with this rule and
// the diagnosis judges the same container.
const ContainerDef* app_container(const TaskDefinition& td, const std::string& repository);

// Appends every target group the service's tasks register in — its own load balancers (and
// their alternate groups, for ECS-native blue/green) and, for blue/green through CodeDeploy, each
// task set's — that `groups` does not hold yet.
void add_target_groups(const Service& svc, std::vector<std::string>& groups);

// ---- load balancing ---------------------------------------------------------------------------

struct Target {
    std::string id;  // instance id or IP address
    int port = 0;
    ApiEnum<TargetState> state;
    std::string reason;  // e.g. Target.ResponseCodeMismatch
    std::string description;
};

struct TargetGroup {
    std::string arn;
    std::string name;
    std::string target_type;  // instance, ip, lambda, alb
    std::vector<std::string> load_balancer_arns;
    std::vector<std::string> load_balancer_dns;  // filled from DescribeLoadBalancers when known
    std::vector<Target> targets;
};

// A target's state as seen at one refresh; the fetcher keeps the changes it saw.
struct TargetHealthChange {
    TimePoint time{};
    std::string target_group;
    std::string target;
    ApiEnum<TargetState> from;  // text empty for a target seen for the first time
    ApiEnum<TargetState> to;
    std::string reason;
};

// ---- EC2 --------------------------------------------------------------------------------------

struct Instance {
    std::string id;
    ApiEnum<InstanceState> state;
    std::string instance_type;
    std::string image_id;
    std::string private_ip;
    TimePoint launch_time{};
    std::string user_data_digest;  // sha256 of the decoded UserData, hex; empty when none
    std::vector<std::string> user_data_summary;  // the lines that install/start the app
};

// ---- observed behaviour ----------------------------------------------------------------------

struct VersionObservation {
    TimePoint time{};
    std::string url;
    int http_status = 0;
    std::string reported;  // the version string the endpoint reports (SHA, tag, ...)
    std::string error;  // transport or parse error; empty when the request succeeded
};

struct LogMatch {
    TimePoint time{};
    std::string stream;
    std::string message;
};

struct SecretInfo {
    std::string arn;
    std::string name;
    std::optional<TimePoint> last_changed;
    std::string used_by;  // container/env var that references it
};

}  // namespace shipwatch

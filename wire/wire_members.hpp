// The members of every type a snapshot or a frame holds, each listed once: `members(v, x)` calls
// v(name, member) for each, and the encoder and the decoder (wire.cpp) walk the same list, so the
// two cannot drift apart. The names are the C++ members' names. Internal to the wire layer.
#pragma once

#include <array>
#include <span>
#include <string_view>

#include "model/picture.hpp"
#include "model/snapshot.hpp"
#include "wire/wire.hpp"

namespace shipwatch::wire::detail {

// ---- shipwatch's own enums, as their names (the API's states are ApiEnums and travel as text) --

template <class E, size_t N>
using Names = std::array<Spelling<E>, N>;

inline constexpr Names<CiKind, 2> kCiKinds{{{"github_actions", CiKind::github_actions}, {"codebuild", CiKind::codebuild}}};
inline constexpr Names<CiStatus, 3> kCiStatuses{
    {{"queued", CiStatus::queued}, {"in_progress", CiStatus::in_progress}, {"completed", CiStatus::completed}}};
inline constexpr Names<CiConclusion, 7> kCiConclusions{{{"none", CiConclusion::none},
                                                        {"success", CiConclusion::success},
                                                        {"failure", CiConclusion::failure},
                                                        {"cancelled", CiConclusion::cancelled},
                                                        {"timed_out", CiConclusion::timed_out},
                                                        {"skipped", CiConclusion::skipped},
                                                        {"other", CiConclusion::other}}};
inline constexpr Names<PipelineKind, 2> kPipelineKinds{{{"ecs", PipelineKind::ecs}, {"ec2", PipelineKind::ec2}}};
inline constexpr Names<SourceState::State, 3> kSourceStates{{{"ok", SourceState::State::ok},
                                                             {"backing_off", SourceState::State::backing_off},
                                                             {"failing", SourceState::State::failing}}};
// Sources by the ids of their table (model/source.hpp), so a new source needs no line here.
inline constexpr auto kSourceNames = [] {
    Names<Source, kSources.size()> names{};
    for (size_t i = 0; i < kSources.size(); ++i) names[i] = {kSources[i].id, kSources[i].source};
    return names;
}();

constexpr std::span<const Spelling<CiKind>> names(CiKind) { return kCiKinds; }
constexpr std::span<const Spelling<CiStatus>> names(CiStatus) { return kCiStatuses; }
constexpr std::span<const Spelling<CiConclusion>> names(CiConclusion) { return kCiConclusions; }
constexpr std::span<const Spelling<PipelineKind>> names(PipelineKind) { return kPipelineKinds; }
constexpr std::span<const Spelling<SourceState::State>> names(SourceState::State) { return kSourceStates; }
constexpr std::span<const Spelling<Source>> names(Source) { return kSourceNames; }

// Each table names every value of its enum, in order (a value without a name could not travel).
template <class Table>
constexpr bool names_every_value(const Table& table) {
    return rows_in_enum_order(table, [](const auto& row) { return row.value; });
}
static_assert(names_every_value(kCiKinds) && kCiKinds.size() == size_t(CiKind::codebuild) + 1);
static_assert(names_every_value(kCiStatuses) && kCiStatuses.size() == size_t(CiStatus::completed) + 1);
static_assert(names_every_value(kCiConclusions) && kCiConclusions.size() == size_t(CiConclusion::other) + 1);
static_assert(names_every_value(kPipelineKinds) && kPipelineKinds.size() == size_t(PipelineKind::ec2) + 1);
static_assert(names_every_value(kSourceStates) && kSourceStates.size() == size_t(SourceState::State::failing) + 1);

// ---- the members ------------------------------------------------------------------------------

template <class V>
void members(V& v, Commit& x) {
    v("sha", x.sha), v("message", x.message), v("author", x.author), v("time", x.time);
    v("pull_request", x.pull_request), v("url", x.url);
}

template <class V>
void members(V& v, CiStep& x) {
    v("job", x.job), v("name", x.name), v("status", x.status), v("conclusion", x.conclusion);
    v("started", x.started), v("finished", x.finished), v("context", x.context);
}

template <class V>
void members(V& v, CiRun& x) {
    v("kind", x.kind), v("id", x.id), v("name", x.name), v("sha", x.sha), v("branch", x.branch);
    v("number", x.number), v("status", x.status), v("conclusion", x.conclusion), v("started", x.started);
    v("finished", x.finished), v("url", x.url), v("steps", x.steps);
}

template <class V>
void members(V& v, Image& x) {
    v("registry", x.registry), v("repository", x.repository), v("tags", x.tags), v("digest", x.digest);
    v("pushed_at", x.pushed_at), v("size_bytes", x.size_bytes), v("push_time_known", x.push_time_known);
}

template <class V>
void members(V& v, SecretRef& x) {
    v("name", x.name), v("value_from", x.value_from);
}

template <class V>
void members(V& v, ContainerDef& x) {
    v("name", x.name), v("image", x.image), v("environment_names", x.environment_names), v("secrets", x.secrets);
    v("log_group", x.log_group), v("log_stream_prefix", x.log_stream_prefix), v("essential", x.essential);
}

template <class V>
void members(V& v, TaskDefinition& x) {
    v("arn", x.arn), v("family", x.family), v("revision", x.revision), v("registered_at", x.registered_at);
    v("execution_role", x.execution_role), v("containers", x.containers);
}

template <class V>
void members(V& v, Deployment& x) {
    v("id", x.id), v("status", x.status), v("task_definition", x.task_definition);
    v("rollout_state", x.rollout_state), v("rollout_state_reason", x.rollout_state_reason);
    v("desired", x.desired), v("pending", x.pending), v("running", x.running), v("failed_tasks", x.failed_tasks);
    v("created", x.created), v("updated", x.updated);
}

template <class V>
void members(V& v, ServiceEvent& x) {
    v("id", x.id), v("time", x.time), v("message", x.message);
}

template <class V>
void members(V& v, ServiceLoadBalancer& x) {
    v("target_group_arn", x.target_group_arn), v("container_name", x.container_name);
    v("container_port", x.container_port), v("alternate_target_group_arn", x.alternate_target_group_arn);
    v("production_listener_rule", x.production_listener_rule);
}

template <class V>
void members(V& v, TaskSet& x) {
    v("id", x.id), v("arn", x.arn), v("status", x.status), v("task_definition", x.task_definition);
    v("started_by", x.started_by), v("external_id", x.external_id), v("computed_desired", x.computed_desired);
    v("pending", x.pending), v("running", x.running), v("scale_percent", x.scale_percent);
    v("stability", x.stability), v("stability_at", x.stability_at), v("created", x.created);
    v("updated", x.updated), v("load_balancers", x.load_balancers);
}

template <class V>
void members(V& v, Service& x) {
    v("arn", x.arn), v("name", x.name), v("cluster", x.cluster), v("status", x.status);
    v("task_definition", x.task_definition), v("desired", x.desired), v("running", x.running);
    v("pending", x.pending), v("launch_type", x.launch_type), v("controller", x.controller);
    v("circuit_breaker", x.circuit_breaker), v("circuit_breaker_rollback", x.circuit_breaker_rollback);
    v("strategy", x.strategy), v("bake_time_minutes", x.bake_time_minutes), v("deployments", x.deployments);
    v("task_sets", x.task_sets), v("events", x.events), v("load_balancers", x.load_balancers);
    v("created_at", x.created_at);
}

template <class V>
void members(V& v, CodeDeployLifecycleEvent& x) {
    v("name", x.name), v("status", x.status), v("started", x.started), v("ended", x.ended);
    v("diagnostic", x.diagnostic);
}

template <class V>
void members(V& v, CodeDeployTaskSet& x) {
    v("id", x.id), v("label", x.label), v("status", x.status), v("traffic_weight", x.traffic_weight);
    v("target_group", x.target_group), v("desired", x.desired), v("running", x.running);
}

template <class V>
void members(V& v, CodeDeployDeployment& x) {
    v("id", x.id), v("application", x.application), v("group", x.group), v("status", x.status);
    v("error_code", x.error_code), v("error_message", x.error_message), v("rollback_message", x.rollback_message);
    v("rollback_deployment_id", x.rollback_deployment_id), v("rollback_of", x.rollback_of);
    v("creator", x.creator), v("created", x.created), v("completed", x.completed);
    v("task_definition", x.task_definition), v("container_name", x.container_name);
    v("container_port", x.container_port), v("appspec_content", x.appspec_content);
    v("revision_untold", x.revision_untold), v("target_read", x.target_read), v("target_status", x.target_status);
    v("lifecycle", x.lifecycle), v("task_sets", x.task_sets);
}

template <class V>
void members(V& v, TaskContainer& x) {
    v("name", x.name), v("image", x.image), v("image_digest", x.image_digest), v("last_status", x.last_status);
    v("exit_code", x.exit_code), v("reason", x.reason), v("health", x.health);
}

template <class V>
void members(V& v, Task& x) {
    v("arn", x.arn), v("task_definition", x.task_definition), v("started_by", x.started_by), v("group", x.group);
    v("last_status", x.last_status), v("desired_status", x.desired_status), v("health", x.health);
    v("created_at", x.created_at), v("started_at", x.started_at), v("stopping_at", x.stopping_at);
    v("stopped_at", x.stopped_at), v("stop_code", x.stop_code), v("stopped_reason", x.stopped_reason);
    v("private_ip", x.private_ip), v("containers", x.containers);
}

template <class V>
void members(V& v, Target& x) {
    v("id", x.id), v("port", x.port), v("state", x.state), v("reason", x.reason), v("description", x.description);
}

template <class V>
void members(V& v, TargetGroup& x) {
    v("arn", x.arn), v("name", x.name), v("target_type", x.target_type);
    v("load_balancer_arns", x.load_balancer_arns), v("load_balancer_dns", x.load_balancer_dns);
    v("targets", x.targets);
}

template <class V>
void members(V& v, TargetHealthChange& x) {
    v("time", x.time), v("target_group", x.target_group), v("target", x.target), v("from", x.from);
    v("to", x.to), v("reason", x.reason);
}

template <class V>
void members(V& v, Instance& x) {
    v("id", x.id), v("state", x.state), v("instance_type", x.instance_type), v("image_id", x.image_id);
    v("private_ip", x.private_ip), v("launch_time", x.launch_time), v("user_data_digest", x.user_data_digest);
    v("user_data_summary", x.user_data_summary);
}

template <class V>
void members(V& v, VersionObservation& x) {
    v("time", x.time), v("url", x.url), v("http_status", x.http_status), v("reported", x.reported);
    v("error", x.error);
}

template <class V>
void members(V& v, LogMatch& x) {
    v("time", x.time), v("stream", x.stream), v("message", x.message);
}

template <class V>
void members(V& v, SecretInfo& x) {
    v("arn", x.arn), v("name", x.name), v("last_changed", x.last_changed), v("used_by", x.used_by);
}

// ---- the snapshot ----------------------------------------------------------------------------

template <class V>
void members(V& v, ErrorContext& x) {
    v("call", x.call), v("resource", x.resource), v("region", x.region), v("profile", x.profile);
}

template <class V>
void members(V& v, FetchError& x) {
    v("source", x.source), v("code", x.code), v("message", x.message), v("time", x.time);
    v("context", x.context), v("upstream", x.upstream);
}

template <class V, class T>
void members(V& v, Fetched<T>& x) {
    v("value", x.value), v("fetched_at", x.fetched_at), v("error", x.error), v("configured", x.configured);
    v("max_age", x.max_age);
}

template <class V>
void members(V& v, PipelineSpec& x) {
    v("name", x.name), v("kind", x.kind), v("region", x.region), v("profile", x.profile);
    v("account", x.account), v("repo", x.repo), v("branch", x.branch), v("workflow", x.workflow);
    v("codebuild_project", x.codebuild_project), v("cluster", x.cluster), v("service", x.service);
    v("target_groups", x.target_groups), v("version_url", x.version_url);
    v("version_json_pointer", x.version_json_pointer), v("expect_log", x.expect_log);
    v("image_repository", x.image_repository), v("image_registry", x.image_registry);
}

// The parts by their ids in kParts ("version" holds `versions`), through the one place a Part is
// tied to its member.
template <class V>
void members(V& v, PipelineSnapshot& x) {
    v("spec", x.spec), v("now", x.now);
    for_each_part(x, [&](Part part, auto& fetched) { v(to_string(part), fetched); });
    v("target_changes", x.target_changes);
}

// ---- the frame -------------------------------------------------------------------------------

template <class V>
void members(V& v, SourceState& x) {
    v("name", x.name), v("state", x.state), v("last_success", x.last_success);
    v("failing_since", x.failing_since), v("error", x.error), v("retry_at", x.retry_at);
}

template <class V>
void members(V& v, Frame::Pipeline& x) {
    v("name", x.name), v("refreshing", x.refreshing), v("snapshot", x.snapshot);
}

// "wire" is checked first, by decode_frame itself.
template <class V>
void members(V& v, Frame& x) {
    v("generation", x.generation), v("context", x.context), v("server_now", x.server_now);
    v("world_rate", x.world_rate), v("sources", x.sources), v("pipelines", x.pipelines);
}

}  // namespace shipwatch::wire::detail

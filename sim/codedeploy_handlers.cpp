// AWS CodeDeploy (JSON 1.1), what shipwatch reads of an ECS blue/green deployment:
// GetDeployment, BatchGetDeployments, ListDeployments, GetDeploymentTarget.
// Shapes: botocore/data/codedeploy/2014-10-06/service-2.json. The world keeps
// `codedeploy.deployments` (DeploymentInfo objects) and `codedeploy.targets` (DeploymentTarget
// objects, each with its ecsTarget.deploymentId and targetId). A deployment's revision is its
// AppSpec, as CodeDeploy keeps it: written in the world (`revision.appSpecContent.content`), or,
// when the world gives only its hash, written from the task set the deployment created.
#include <fmt/format.h>

#include "base/digest.hpp"
#include "sim/handlers.hpp"

namespace shipwatch::sim::detail {
namespace {

const json& deployments(const AwsCall& call) { return list(child(call.region, "codedeploy"), "deployments"); }

const json* find_deployment(const AwsCall& call, const std::string& id) {
    for (const json& d : deployments(call))
        if (d.value("deploymentId", "") == id) return &d;
    return nullptr;
}

// The task set a deployment created (externalId), in any cluster of the region.
const json* task_set_of(const AwsCall& call, const std::string& id) {
    const json& clusters = child(child(call.region, "ecs"), "clusters");
    if (!clusters.is_object()) return nullptr;
    for (const auto& [name, cluster] : clusters.items())
        for (const json& svc : list(cluster, "services"))
            for (const json& set : list(svc, "taskSets"))
                if (set.value("externalId", "") == id) return &set;
    return nullptr;
}

// The ECS AppSpec (YAML, the form the console and `aws ecs deploy` write) of a task set.
std::string appspec_of(const json& set) {
    std::string out = fmt::format("version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n"
                                  "      Properties:\n        TaskDefinition: \"{}\"\n",
                                  set.value("taskDefinition", ""));
    const json& lbs = list(set, "loadBalancers");
    if (!lbs.empty() && lbs[0].is_object())
        out += fmt::format("        LoadBalancerInfo:\n          ContainerName: \"{}\"\n          ContainerPort: {}\n",
                           lbs[0].value("containerName", ""), lbs[0].value("containerPort", 0));
    return out;
}

// DeploymentInfo as answered: an ECS deployment's AppSpecContent carries its content and hash.
json answered(const json& d, const AwsCall& call) {
    json out = d;
    auto r = out.find("revision");
    if (r == out.end() || !r->is_object() || r->value("revisionType", "") != "AppSpecContent") return out;
    json& content = (*r)["appSpecContent"];
    if (!content.is_object()) content = json::object();
    if (!content.contains("content"))
        if (const json* set = task_set_of(call, d.value("deploymentId", ""))) content["content"] = appspec_of(*set);
    if (content.contains("content") && content["content"].is_string())
        content["sha256"] = sha256_hex(content["content"].get<std::string>());
    return out;
}

JsonReply no_deployment(const std::string& id) {
    return json_fault("DeploymentDoesNotExistException", fmt::format("The deployment {} could not be found.", id));
}

JsonReply get_deployment(const json& input, const AwsCall& call) {
    if (auto bad = check_types(input, {{"deploymentId", Kind::string}})) return *bad;
    const std::string id = input.value("deploymentId", "");
    if (id.empty()) return json_fault("DeploymentIdRequiredException", "The deployment ID was not specified.");
    const json* d = find_deployment(call, id);
    if (!d) return no_deployment(id);
    return {200, json{{"deploymentInfo", answered(*d, call)}}};
}

JsonReply batch_get_deployments(const json& input, const AwsCall& call) {
    auto ids = string_list(input, "deploymentIds");
    if (!ids) return json_fault("SerializationException", "deploymentIds must be a list of strings");
    if (ids->empty()) return json_fault("DeploymentIdRequiredException", "The deployment ID was not specified.");
    if (ids->size() > 25) return json_fault("BatchLimitExceededException", "The maximum number of deployment IDs is 25.");
    json out = json::array();
    for (const auto& id : *ids)
        if (const json* d = find_deployment(call, id)) out.push_back(answered(*d, call));
    return {200, json{{"deploymentsInfo", out}}};
}

// In the world's order, which promises nothing (as the API): callers pick by createTime.
JsonReply list_deployments(const json& input, const AwsCall& call) {
    if (auto bad = check_types(input, {{"applicationName", Kind::string}, {"deploymentGroupName", Kind::string},
                                       {"createTimeRange", Kind::object}, {"nextToken", Kind::string}}))
        return *bad;
    const std::string app = input.value("applicationName", "");
    const std::string group = input.value("deploymentGroupName", "");
    if (!app.empty() && group.empty())
        return json_fault("DeploymentGroupNameRequiredException", "The deployment group name was not specified.");
    if (app.empty() && !group.empty())
        return json_fault("ApplicationNameRequiredException", "The minimum number of required application names was not specified.");
    std::optional<TimePoint> since;
    if (auto range = input.find("createTimeRange"); range != input.end() && range->is_object() && range->contains("start"))
        since = world_time((*range)["start"]);
    bool app_known = app.empty();
    json ids = json::array();
    for (const json& d : deployments(call)) {
        if (d.value("applicationName", "") == app) app_known = true;
        if (!app.empty() && (d.value("applicationName", "") != app || d.value("deploymentGroupName", "") != group)) continue;
        auto created = d.contains("createTime") ? world_time(d["createTime"]) : std::nullopt;
        if (since && created && *created < *since) continue;
        ids.push_back(d.value("deploymentId", ""));
    }
    if (!app_known) return json_fault("ApplicationDoesNotExistException", fmt::format("No application found for name: {}", app));
    return {200, json{{"deployments", ids}}};
}

JsonReply get_deployment_target(const json& input, const AwsCall& call) {
    if (auto bad = check_types(input, {{"deploymentId", Kind::string}, {"targetId", Kind::string}})) return *bad;
    const std::string id = input.value("deploymentId", "");
    const std::string target = input.value("targetId", "");
    if (id.empty()) return json_fault("DeploymentIdRequiredException", "The deployment ID was not specified.");
    if (target.empty()) return json_fault("DeploymentTargetIdRequiredException", "A deployment target ID was not provided.");
    if (!find_deployment(call, id)) return no_deployment(id);
    for (const json& t : list(child(call.region, "codedeploy"), "targets")) {
        const json& ecs = child(t, "ecsTarget");
        if (ecs.value("deploymentId", "") == id && ecs.value("targetId", "") == target) return {200, json{{"deploymentTarget", t}}};
    }
    return json_fault("DeploymentTargetDoesNotExistException", fmt::format("The target {} does not exist in deployment {}.", target, id));
}

}  // namespace

std::optional<JsonReply> handle_codedeploy(const std::string& op, const json& input, const AwsCall& call) {
    if (op == "GetDeployment") return get_deployment(input, call);
    if (op == "BatchGetDeployments") return batch_get_deployments(input, call);
    if (op == "ListDeployments") return list_deployments(input, call);
    if (op == "GetDeploymentTarget") return get_deployment_target(input, call);
    return std::nullopt;
}

}  // namespace shipwatch::sim::detail

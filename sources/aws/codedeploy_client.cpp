// AWS CodeDeploy (JSON 1.1), read-only: GetDeployment, ListDeployments, BatchGetDeployments and
// GetDeploymentTarget. The task definition a deployment rolls out is read from its revision's
// AppSpec in the GetDeployment/BatchGetDeployments answer (no call of its own).
// Shapes: botocore/data/codedeploy/2014-10-06/service-2.json.
#include <fmt/format.h>

#include "model/appspec.hpp"
#include "sources/aws/clients.hpp"
#include "sources/aws/json_protocol.hpp"

namespace shipwatch::aws {
namespace {

using nlohmann::json;

std::string target(std::string_view op) { return "CodeDeploy_20141006." + std::string(op); }

constexpr size_t kBatchGetLimit = 25;  // BatchGetDeployments deploymentIds limit

// A member the answer is made of: refused (a parse error naming it) when absent.
const json& object_at(const json& o, const char* key) {
    auto it = o.find(key);
    require_present(it != o.end() && it->is_object(), key);
    return *it;
}

CodeDeployLifecycleEvent parse_lifecycle_event(const json& e) {
    CodeDeployLifecycleEvent out;
    out.name = json_string(e, "lifecycleEventName");
    out.status = json_string(e, "status");
    out.started = json_time(e, "startTime");
    out.ended = json_time(e, "endTime");
    if (auto d = e.find("diagnostics"); d != e.end() && d->is_object()) {
        std::string code = json_string(*d, "errorCode");
        std::string message = json_string(*d, "message");
        out.diagnostic = code.empty() ? message : message.empty() ? code : code + ": " + message;
    }
    return out;
}

CodeDeployTaskSet parse_task_set_info(const json& t) {
    CodeDeployTaskSet out;
    out.id = json_string(t, "identifer");  // sic: the model's member name
    out.label = json_string(t, "taskSetLabel");
    out.status = json_string(t, "status");
    if (auto w = t.find("trafficWeight"); w != t.end() && w->is_number()) out.traffic_weight = w->get<double>();
    if (auto tg = t.find("targetGroup"); tg != t.end() && tg->is_object()) out.target_group = json_string(*tg, "name");
    out.desired = json_int(t, "desiredCount");
    out.running = json_int(t, "runningCount");
    return out;
}

// An AppSpec longer than this is still read, but not kept for the next step that deploys it again.
constexpr size_t kAppSpecKept = 4096;

// The revision the deployment rolls out (RevisionLocation). ECS deployments carry their AppSpec
// inline (AppSpecContent); an S3 or GitHub revision would need a read shipwatch does not make (it
// reads no buckets), and String is Lambda's. GetApplicationRevision would only echo the location.
void read_revision(const json& info, CodeDeployDeployment& out) {
    auto r = info.find("revision");
    if (r == info.end() || !r->is_object()) {
        out.revision_untold = "the deployment names no revision";
        return;
    }
    std::string type = json_string(*r, "revisionType");
    if (type.empty()) {
        out.revision_untold = "the deployment's revision has no type";
        return;
    }
    if (type != "AppSpecContent") {
        out.revision_untold =
            type == "S3" || type == "GitHub"
                ? fmt::format("the AppSpec is in {} (shipwatch reads no buckets or repositories for it)", type)
                : fmt::format("the revision is of type {}, not an AppSpec", visible_text(type, 40));
        return;
    }
    auto content = r->find("appSpecContent");
    std::string text = content != r->end() && content->is_object() ? json_string(*content, "content") : "";
    if (text.empty()) {
        out.revision_untold = "the answer carries the AppSpec's hash, not its content";
        return;
    }
    AppSpecTarget spec = read_appspec(text);
    out.task_definition = spec.task_definition;
    out.container_name = spec.container_name;
    out.container_port = spec.container_port;
    out.revision_untold = spec.untold;
    if (spec.untold.empty() && text.size() <= kAppSpecKept) out.appspec_content = text;
}

CodeDeployDeployment parse_deployment_info(const json& info) {
    CodeDeployDeployment out;
    out.id = json_string(info, "deploymentId");
    out.application = json_string(info, "applicationName");
    out.group = json_string(info, "deploymentGroupName");
    // Read, not refused: a status CodeDeploy adds later is shown as written and judged unknown.
    out.status = json_string(info, "status");
    if (auto e = info.find("errorInformation"); e != info.end() && e->is_object()) {
        out.error_code = json_string(*e, "code");
        out.error_message = json_string(*e, "message");
    }
    if (auto r = info.find("rollbackInfo"); r != info.end() && r->is_object()) {
        out.rollback_message = json_string(*r, "rollbackMessage");
        out.rollback_deployment_id = json_string(*r, "rollbackDeploymentId");
        out.rollback_of = json_string(*r, "rollbackTriggeringDeploymentId");
    }
    out.creator = json_string(info, "creator");
    out.created = json_time(info, "createTime");
    out.completed = json_time(info, "completeTime");
    read_revision(info, out);
    return out;
}

}  // namespace

Result<CodeDeployDeployment> CodeDeployClient::get_deployment(const std::string& deployment_id) const {
    auto answer = call_json(ctx_, ServiceId::codedeploy, target("GetDeployment"), json{{"deploymentId", deployment_id}});
    if (!answer) return answer.error();
    return parse_guarded<CodeDeployDeployment>("GetDeployment", [&] {
        CodeDeployDeployment out = parse_deployment_info(object_at(answer.value(), "deploymentInfo"));
        if (out.id.empty()) out.id = deployment_id;
        return out;
    });
}

Result<CodeDeployDeployment> CodeDeployClient::with_ecs_target(CodeDeployDeployment deployment,
                                                               const std::string& cluster,
                                                               const std::string& service) const {
    // An ECS deployment has one target, named "<cluster name>:<service name>".
    auto answer = call_json(ctx_, ServiceId::codedeploy, target("GetDeploymentTarget"),
                            json{{"deploymentId", deployment.id}, {"targetId", cluster + ":" + service}});
    if (!answer) return answer.error();
    return parse_guarded<CodeDeployDeployment>("GetDeploymentTarget", [&] {
        const json& ecs = object_at(object_at(answer.value(), "deploymentTarget"), "ecsTarget");
        deployment.target_read = true;
        deployment.target_status = json_string(ecs, "status");
        for (const json& e : json_array(ecs, "lifecycleEvents")) deployment.lifecycle.push_back(parse_lifecycle_event(e));
        for (const json& t : json_array(ecs, "taskSetsInfo")) deployment.task_sets.push_back(parse_task_set_info(t));
        return std::move(deployment);
    });
}

Result<std::vector<std::string>> CodeDeployClient::list_deployments(const std::string& application,
                                                                   const std::string& group,
                                                                   std::optional<TimePoint> since) const {
    json body{{"applicationName", application}, {"deploymentGroupName", group}};
    if (since) body["createTimeRange"] = {{"start", to_epoch_seconds(*since)}};
    auto answer = call_json(ctx_, ServiceId::codedeploy, target("ListDeployments"), body);
    if (!answer) return answer.error();
    return parse_guarded<std::vector<std::string>>("ListDeployments", [&] {
        std::vector<std::string> ids;
        for (const json& id : json_array(answer.value(), "deployments"))
            if (id.is_string()) ids.push_back(id.get<std::string>());
        return ids;
    });
}

Result<std::vector<CodeDeployDeployment>> CodeDeployClient::batch_get(const std::vector<std::string>& ids) const {
    json body{{"deploymentIds", ids}};
    auto answer = call_json(ctx_, ServiceId::codedeploy, target("BatchGetDeployments"), body);
    if (!answer) return answer.error();
    return parse_guarded<std::vector<CodeDeployDeployment>>("BatchGetDeployments", [&] {
        std::vector<CodeDeployDeployment> out;
        for (const json& info : json_array(answer.value(), "deploymentsInfo")) out.push_back(parse_deployment_info(info));
        return out;
    });
}

Result<CodeDeployDeployment> CodeDeployClient::newest_for_service(const std::string& known_id,
                                                                  const std::string& cluster,
                                                                  const std::string& service) const {
    return in_context(newest_chain(known_id, cluster, service),
                      call_context(ctx_, ServiceId::codedeploy, "GetDeployment",
                                   fmt::format("deployment {} of service {}/{}", known_id, cluster, service)));
}

Result<CodeDeployDeployment> CodeDeployClient::newest_chain(const std::string& known_id, const std::string& cluster,
                                                            const std::string& service) const {
    auto known = get_deployment(known_id);
    if (!known) return known;
    CodeDeployDeployment newest = std::move(known).value();
    // ListDeployments promises no order: the group's deployments created since the known one,
    // read in one batch, and the newest by createTime.
    if (!newest.application.empty() && !newest.group.empty()) {
        auto listed = list_deployments(newest.application, newest.group, newest.created);
        if (listed && !listed->empty()) {
            std::vector<std::string> ids = listed.value();
            if (ids.size() > kBatchGetLimit) ids.resize(kBatchGetLimit);
            auto all = batch_get(ids);
            if (!all) return all.error();
            for (auto& d : *all)
                if (d.created && (!newest.created || *d.created > *newest.created)) newest = d;
            // A rollback is a deployment of its own: what it tells is the deployment that failed.
            if (!newest.rollback_of.empty())
                for (auto& d : *all)
                    if (d.id == newest.rollback_of) newest = d;
        }
    }
    auto with_target = with_ecs_target(newest, cluster, service);
    return with_target ? std::move(with_target).value() : newest;
}

}  // namespace shipwatch::aws

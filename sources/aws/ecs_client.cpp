// Amazon ECS (JSON 1.1). Shapes: botocore/data/ecs/2014-11-13/service-2.json.
#include "sources/aws/batches.hpp"
#include "sources/aws/clients.hpp"
#include "sources/aws/json_protocol.hpp"

namespace shipwatch::aws {
namespace {

using nlohmann::json;

constexpr size_t kServicesPerCall = 10;  // DescribeServices limit
constexpr size_t kTasksPerCall = 100;  // DescribeTasks limit

std::string target(std::string_view op) { return "AmazonEC2ContainerServiceV20141113." + std::string(op); }

TimePoint time_or_epoch(const json& o, std::string_view key) { return json_time(o, key).value_or(TimePoint{}); }

// "arn:aws:ecs:r:acct:service/cluster/name" (or the old "service/name") -> "name".
std::string last_segment(const std::string& arn) {
    auto slash = arn.rfind('/');
    return slash == std::string::npos ? arn : arn.substr(slash + 1);
}

// "cluster payments-prod service api" (several: "service api, worker"; none: the cluster alone).
std::string cluster_scope(const std::string& cluster, const std::vector<std::string>& services) {
    std::string out = "cluster " + cluster;
    std::string names;
    for (const auto& s : services)
        if (!s.empty()) names += (names.empty() ? "" : ", ") + s;
    return names.empty() ? out : out + " service " + names;
}

Deployment parse_deployment(const json& d) {
    Deployment out;
    out.id = json_string(d, "id");
    out.status = require_state<DeploymentStatus>(json_string(d, "status"), "deployment.status");
    out.task_definition = require_nonempty(json_string(d, "taskDefinition"), "deployment.taskDefinition");
    out.rollout_state = require_state<RolloutState>(json_string(d, "rolloutState"), "deployment.rolloutState");
    out.rollout_state_reason = json_string(d, "rolloutStateReason");
    out.desired = static_cast<int>(json_int(d, "desiredCount"));
    out.pending = static_cast<int>(json_int(d, "pendingCount"));
    out.running = static_cast<int>(json_int(d, "runningCount"));
    out.failed_tasks = static_cast<int>(json_int(d, "failedTasks"));
    out.created = time_or_epoch(d, "createdAt");
    out.updated = time_or_epoch(d, "updatedAt");
    return out;
}

std::vector<ServiceLoadBalancer> parse_load_balancers(const json& owner) {
    std::vector<ServiceLoadBalancer> out;
    for (const json& lb : json_array(owner, "loadBalancers")) {
        ServiceLoadBalancer one{json_string(lb, "targetGroupArn"), json_string(lb, "containerName"),
                                static_cast<int>(json_int(lb, "containerPort"))};
        // ECS-native blue/green (newer than botocore 1.29): read where present, never required.
        if (auto advanced = lb.find("advancedConfiguration"); advanced != lb.end() && advanced->is_object()) {
            one.alternate_target_group_arn = json_string(*advanced, "alternateTargetGroupArn");
            one.production_listener_rule = json_string(*advanced, "productionListenerRule");
        }
        out.push_back(std::move(one));
    }
    return out;
}

// deploymentConfiguration: the breaker, and the newer strategy and bake time. A member that is
// absent is not told; a strategy outside the table is `unknown` with its text, never refused.
void parse_deployment_configuration(const json& config, Service& out) {
    out.circuit_breaker = false;  // told: a configuration without a breaker has none
    if (auto breaker = config.find("deploymentCircuitBreaker"); breaker != config.end()) {
        out.circuit_breaker = json_bool(*breaker, "enable");
        out.circuit_breaker_rollback = json_bool(*breaker, "rollback");
    }
    out.strategy = json_string(config, "strategy");
    if (auto bake = config.find("bakeTimeInMinutes"); bake != config.end() && bake->is_number_integer())
        out.bake_time_minutes = bake->get<int>();
}

// States are read, not refused: the controllers' vocabulary is young and grows (a new value is
// `unknown` with its text, shown as written).
TaskSet parse_task_set(const json& t) {
    TaskSet out;
    out.id = json_string(t, "id");
    out.arn = json_string(t, "taskSetArn");
    out.status = json_string(t, "status");
    out.task_definition = json_string(t, "taskDefinition");
    out.started_by = json_string(t, "startedBy");
    out.external_id = json_string(t, "externalId");
    out.computed_desired = static_cast<int>(json_int(t, "computedDesiredCount"));
    out.pending = static_cast<int>(json_int(t, "pendingCount"));
    out.running = static_cast<int>(json_int(t, "runningCount"));
    if (auto scale = t.find("scale"); scale != t.end() && scale->is_object())
        if (auto value = scale->find("value"); value != scale->end() && value->is_number() &&
                                               (json_string(*scale, "unit").empty() || json_string(*scale, "unit") == "PERCENT"))
            out.scale_percent = value->get<double>();
    out.stability = json_string(t, "stabilityStatus");
    out.stability_at = json_time(t, "stabilityStatusAt");
    out.created = json_time(t, "createdAt");
    out.updated = json_time(t, "updatedAt");
    out.load_balancers = parse_load_balancers(t);
    return out;
}

Service parse_service(const json& s) {
    Service out;
    out.arn = require_nonempty(json_string(s, "serviceArn"), "service.serviceArn");
    out.name = json_string(s, "serviceName");
    out.cluster = json_string(s, "clusterArn");
    out.status = require_state<ServiceStatus>(json_string(s, "status"), "service.status");
    out.task_definition = json_string(s, "taskDefinition");
    if (auto controller = s.find("deploymentController"); controller != s.end() && controller->is_object())
        out.controller = json_string(*controller, "type");
    // A rolling (ECS) service always lists its deployments; CODE_DEPLOY and EXTERNAL services
    // roll out through task sets and may list none, and their taskDefinition may be absent.
    bool rolling = out.controller == ControllerType::absent || out.controller == ControllerType::ecs;
    if (out.status == ServiceStatus::active && rolling) {
        require_nonempty(out.task_definition, "service.taskDefinition");
        require_present(s.contains("deployments") && s["deployments"].is_array(), "service.deployments");
    }
    out.desired = static_cast<int>(json_int(s, "desiredCount"));
    out.running = static_cast<int>(json_int(s, "runningCount"));
    out.pending = static_cast<int>(json_int(s, "pendingCount"));
    out.launch_type = json_string(s, "launchType");
    out.created_at = json_time(s, "createdAt");
    if (auto config = s.find("deploymentConfiguration"); config != s.end() && config->is_object())
        parse_deployment_configuration(*config, out);
    for (const json& d : json_array(s, "deployments")) out.deployments.push_back(parse_deployment(d));
    for (const json& e : json_array(s, "events"))
        out.events.push_back({json_string(e, "id"), time_or_epoch(e, "createdAt"), json_string(e, "message")});
    for (const json& t : json_array(s, "taskSets")) out.task_sets.push_back(parse_task_set(t));
    out.load_balancers = parse_load_balancers(s);
    return out;
}

// awsvpc tasks carry their ENI address in the attachment details; bridge/host tasks may have it
// on the container network interfaces instead.
std::string task_private_ip(const json& t) {
    for (const json& attachment : json_array(t, "attachments"))
        for (const json& detail : json_array(attachment, "details"))
            if (json_string(detail, "name") == "privateIPv4Address") return json_string(detail, "value");
    for (const json& container : json_array(t, "containers"))
        for (const json& eni : json_array(container, "networkInterfaces")) {
            std::string ip = json_string(eni, "privateIpv4Address");
            if (!ip.empty()) return ip;
        }
    return {};
}

Task parse_task(const json& t) {
    Task out;
    out.arn = require_nonempty(json_string(t, "taskArn"), "task.taskArn");
    out.task_definition = require_nonempty(json_string(t, "taskDefinitionArn"), "task.taskDefinitionArn");
    out.started_by = json_string(t, "startedBy");
    out.group = json_string(t, "group");
    out.last_status = require_state<TaskStatus>(json_string(t, "lastStatus"), "task.lastStatus");
    // Read but not refused: the diagnosis only asks whether these are one value it knows, so a
    // new value is `unknown` with its text (shown as written) rather than a failed fetch.
    out.desired_status = json_string(t, "desiredStatus");
    out.health = json_string(t, "healthStatus");
    out.created_at = json_time(t, "createdAt");
    out.started_at = json_time(t, "startedAt");
    out.stopping_at = json_time(t, "stoppingAt");
    out.stopped_at = json_time(t, "stoppedAt");
    out.stop_code = json_string(t, "stopCode");
    out.stopped_reason = json_string(t, "stoppedReason");
    out.private_ip = task_private_ip(t);
    for (const json& c : json_array(t, "containers")) {
        TaskContainer container;
        container.name = json_string(c, "name");
        container.image = json_string(c, "image");
        container.image_digest = json_string(c, "imageDigest");
        container.last_status = json_string(c, "lastStatus");
        if (auto code = c.find("exitCode"); code != c.end() && code->is_number_integer())
            container.exit_code = code->get<int>();
        container.reason = json_string(c, "reason");
        container.health = json_string(c, "healthStatus");
        out.containers.push_back(std::move(container));
    }
    return out;
}

ContainerDef parse_container_definition(const json& c) {
    ContainerDef out;
    out.name = json_string(c, "name");
    out.image = json_string(c, "image");
    out.essential = json_bool(c, "essential", true);  // ECS treats an omitted flag as essential
    // Names only: environment values may hold credentials and are never kept.
    for (const json& env : json_array(c, "environment")) out.environment_names.push_back(json_string(env, "name"));
    for (const json& secret : json_array(c, "secrets"))
        out.secrets.push_back({json_string(secret, "name"), json_string(secret, "valueFrom")});
    if (auto log = c.find("logConfiguration"); log != c.end() && log->is_object() &&
                                               json_string(*log, "logDriver") == "awslogs") {
        if (auto options = log->find("options"); options != log->end()) {
            out.log_group = json_string(*options, "awslogs-group");
            out.log_stream_prefix = json_string(*options, "awslogs-stream-prefix");
        }
    }
    return out;
}

Result<std::vector<Service>> describe_services(const AwsContext& ctx, const std::string& cluster,
                                               const std::vector<std::string>& services) {
    std::vector<Service> found;
    for (const auto& batch : in_batches(services, kServicesPerCall)) {
        auto answer = call_json(ctx, ServiceId::ecs, target("DescribeServices"),
                                json{{"cluster", cluster}, {"services", batch}});
        if (!answer) return answer.error();
        auto parsed = parse_guarded<std::vector<Service>>("DescribeServices", [&] {
            std::vector<Service> page;
            for (const json& s : json_array(answer.value(), "services")) page.push_back(parse_service(s));
            return page;
        });
        if (!parsed) return parsed.error();
        // A requested service that does not exist comes back as a failure, not an error.
        for (const json& failure : json_array(answer.value(), "failures")) {
            std::string reason = json_string(failure, "reason");
            std::string name = last_segment(json_string(failure, "arn"));
            // The context names the call and the cluster; the message names the service of the batch.
            if (reason == "MISSING")
                return Error{"ServiceNotFound", "service " + name + " does not exist (failure MISSING)", 200, false};
            return Error{reason.empty() ? "ServiceFailure" : reason,
                         "service " + name + " failed: " + json_string(failure, "detail"), 200, false};
        }
        for (auto& s : parsed.value()) found.push_back(std::move(s));
    }
    return found;
}

Result<EcsClient::TaskPage> list_tasks_page(const AwsContext& ctx, const std::string& cluster, const std::string& service,
                                            const std::string& desired_status, const std::string& token) {
    json body{{"cluster", cluster}, {"desiredStatus", desired_status}, {"maxResults", 100}};
    if (!service.empty()) body["serviceName"] = service;  // empty: every task of the cluster
    if (!token.empty()) body["nextToken"] = token;
    auto answer = call_json(ctx, ServiceId::ecs, target("ListTasks"), body);
    if (!answer) return answer.error();
    EcsClient::TaskPage page;
    for (const json& arn : json_array(answer.value(), "taskArns"))
        if (arn.is_string()) page.arns.push_back(arn.get<std::string>());
    page.next_token = next_token(token, json_string(answer.value(), "nextToken"));
    return page;
}

Result<std::vector<std::string>> list_tasks(const AwsContext& ctx, const std::string& cluster, const std::string& service,
                                            const std::string& desired_status) {
    std::vector<std::string> arns;
    std::string token;
    PageCount count{kMaxTaskPages};
    do {
        auto page = list_tasks_page(ctx, cluster, service, desired_status, token);
        if (!page) return page.error();
        arns.insert(arns.end(), page->arns.begin(), page->arns.end());
        token = page->next_token;
        if (count.over(token)) return listing_did_not_end("ListTasks", count.max);
    } while (!token.empty());
    return arns;
}

Result<std::vector<Task>> describe_tasks(const AwsContext& ctx, const std::string& cluster,
                                         const std::vector<std::string>& task_arns, EcsClient::Failures failures) {
    std::vector<Task> tasks;
    std::vector<std::string> failed;
    std::string reason;
    for (const auto& batch : in_batches(task_arns, kTasksPerCall)) {
        auto answer =
            call_json(ctx, ServiceId::ecs, target("DescribeTasks"), json{{"cluster", cluster}, {"tasks", batch}});
        if (!answer) return answer.error();
        for (const json& f : json_array(answer.value(), "failures")) {
            failed.push_back(last_segment(json_string(f, "arn")));
            if (reason.empty()) reason = json_string(f, "reason");
        }
        auto parsed = parse_guarded<std::vector<Task>>("DescribeTasks", [&] {
            std::vector<Task> page;
            for (const json& t : json_array(answer.value(), "tasks")) page.push_back(parse_task(t));
            return page;
        });
        if (!parsed) return parsed.error();
        for (auto& t : parsed.value()) tasks.push_back(std::move(t));
    }
    if (!failed.empty() && failures == EcsClient::Failures::fail)
        return Error{"DescribeTasksFailures",
                     fmt::format("{} of {} running tasks could not be described ({}: {}{})", failed.size(), task_arns.size(),
                                 reason.empty() ? "no reason" : reason, failed.front(), failed.size() > 1 ? ", …" : ""),
                     200, false, ErrorKind::aws};
    return tasks;
}

Result<TaskDefinition> describe_task_definition(const AwsContext& ctx, const std::string& arn_or_family_rev) {
    auto answer = call_json(ctx, ServiceId::ecs, target("DescribeTaskDefinition"),
                            json{{"taskDefinition", arn_or_family_rev}});
    if (!answer) return answer.error();
    auto found = answer->find("taskDefinition");
    if (found == answer->end() || !found->is_object())
        return parse_error("DescribeTaskDefinition answer has no taskDefinition object");
    return parse_guarded<TaskDefinition>("DescribeTaskDefinition", [&] {
        const json& td = *found;
        TaskDefinition out;
        out.arn = json_string(td, "taskDefinitionArn");
        out.family = json_string(td, "family");
        out.revision = static_cast<int>(json_int(td, "revision"));
        out.registered_at = json_time(td, "registeredAt");
        out.execution_role = json_string(td, "executionRoleArn");
        for (const json& c : json_array(td, "containerDefinitions")) out.containers.push_back(parse_container_definition(c));
        return out;
    });
}

}  // namespace

// Every error names the call, the cluster and service (or task definition), region and profile.
Result<std::vector<Service>> EcsClient::describe_services(const std::string& cluster,
                                                          const std::vector<std::string>& services) const {
    return in_context(aws::describe_services(ctx_, cluster, services),
                      call_context(ctx_, ServiceId::ecs, "DescribeServices", cluster_scope(cluster, services)));
}

Result<EcsClient::TaskPage> EcsClient::list_tasks_page(const std::string& cluster, const std::string& service,
                                                       const std::string& desired_status, const std::string& token) const {
    return in_context(aws::list_tasks_page(ctx_, cluster, service, desired_status, token),
                      call_context(ctx_, ServiceId::ecs, "ListTasks", cluster_scope(cluster, {service})));
}

Result<std::vector<std::string>> EcsClient::list_tasks(const std::string& cluster, const std::string& service,
                                                       const std::string& desired_status) const {
    return in_context(aws::list_tasks(ctx_, cluster, service, desired_status),
                      call_context(ctx_, ServiceId::ecs, "ListTasks", cluster_scope(cluster, {service})));
}

Result<std::vector<Task>> EcsClient::describe_tasks(const std::string& cluster, const std::vector<std::string>& task_arns,
                                                    Failures failures) const {
    std::string tasks = task_arns.size() == 1 ? " task " + last_segment(task_arns.front())
                                              : ", " + std::to_string(task_arns.size()) + " tasks";
    return in_context(aws::describe_tasks(ctx_, cluster, task_arns, failures),
                      call_context(ctx_, ServiceId::ecs, "DescribeTasks", "cluster " + cluster + tasks));
}

Result<TaskDefinition> EcsClient::describe_task_definition(const std::string& arn_or_family_rev) const {
    return in_context(aws::describe_task_definition(ctx_, arn_or_family_rev),
                      call_context(ctx_, ServiceId::ecs, "DescribeTaskDefinition", "task definition " + arn_or_family_rev));
}

}  // namespace shipwatch::aws

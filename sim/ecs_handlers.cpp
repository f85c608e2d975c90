// Amazon ECS operations over world.aws.<region>.ecs. The world holds Service, Task and
// TaskDefinition objects in the API's own member names, so these only find, filter and page.
// Stopped tasks ECS has forgotten (an hour after they stop) are already gone from the world.
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Operations.html
#include <fmt/format.h>

#include "sim/handlers.hpp"

namespace shipwatch::sim::detail {
namespace {

constexpr size_t kMaxServices = 10;  // DescribeServices
constexpr size_t kMaxTasks = 100;  // DescribeTasks
constexpr int kMaxListResults = 100;  // ListTasks maxResults


// "arn:aws:ecs:r:a:cluster/name" or "name" (default "default") -> the cluster object, or null.
const json* find_cluster(const AwsCall& call, const json& input, std::string& name) {
    name = last_path_segment(input.value("cluster", std::string("default")));
    const json& clusters = child(child(call.region, "ecs"), "clusters");
    auto it = clusters.find(name);
    return it == clusters.end() || !it->is_object() ? nullptr : &*it;
}

JsonReply cluster_not_found() { return json_fault("ClusterNotFoundException", "Cluster not found."); }

const json* find_service(const json& cluster, const std::string& id) {
    for (const json& s : list(cluster, "services"))
        if (s.value("serviceName", "") == id || s.value("serviceArn", "") == id) return &s;
    return nullptr;
}

// Resources come back without tags unless the caller asks for them with include: ["TAGS"].
json shown(const json& resource, const json& input) {
    json out = resource;
    bool tags = false;
    for (const json& item : list(input, "include")) tags = tags || item == "TAGS";
    if (!tags) out.erase("tags");
    return out;
}

JsonReply describe_services(const json& input, const AwsCall& call) {
    if (auto bad = check_types(input, {{"cluster", Kind::string}, {"services", Kind::array}, {"include", Kind::array}}))
        return *bad;
    auto ids = string_list(input, "services");
    if (!ids || ids->empty()) return json_fault("InvalidParameterException", "Services cannot be empty.");
    if (ids->size() > kMaxServices)
        return json_fault("InvalidParameterException", fmt::format("Services cannot be longer than {}.", kMaxServices));
    std::string cluster_name;
    const json* cluster = find_cluster(call, input, cluster_name);
    if (!cluster) return cluster_not_found();
    json services = json::array();
    json failures = json::array();
    for (const auto& id : *ids) {
        if (const json* s = find_service(*cluster, id)) {
            services.push_back(shown(*s, input));
            continue;
        }
        std::string arn = id.rfind("arn:", 0) == 0
                              ? id
                              : fmt::format("arn:aws:ecs:{}:{}:service/{}/{}", call.region_name, call.account,
                                            cluster_name, id);
        failures.push_back({{"arn", arn}, {"reason", "MISSING"}});
    }
    return {200, {{"services", services}, {"failures", failures}}};
}

JsonReply list_tasks(const json& input, const AwsCall& call) {
    if (auto bad = check_types(input, {{"cluster", Kind::string}, {"serviceName", Kind::string},
                                       {"desiredStatus", Kind::string}, {"startedBy", Kind::string},
                                       {"family", Kind::string}, {"maxResults", Kind::number},
                                       {"nextToken", Kind::string}}))
        return *bad;
    std::string cluster_name;
    const json* cluster = find_cluster(call, input, cluster_name);
    if (!cluster) return cluster_not_found();
    const std::string service = last_path_segment(input.value("serviceName", ""));
    if (!service.empty() && !find_service(*cluster, service))
        return json_fault("ServiceNotFoundException", "Service not found.");
    const std::string desired = input.value("desiredStatus", "RUNNING");
    if (desired != "RUNNING" && desired != "PENDING" && desired != "STOPPED")
        return json_fault("InvalidParameterException", "desiredStatus must be one of RUNNING, PENDING, STOPPED.");
    const int max_results = input.value("maxResults", kMaxListResults);
    if (max_results < 1 || max_results > kMaxListResults)
        return json_fault("InvalidParameterException", "maxResults must be between 1 and 100.");
    const std::string started_by = input.value("startedBy", "");
    const std::string family = input.value("family", "");

    std::vector<std::string> arns;
    for (const json& task : list(*cluster, "tasks")) {
        if (task.value("desiredStatus", "") != desired) continue;
        if (!service.empty() && task.value("group", "") != "service:" + service) continue;
        if (!started_by.empty() && task.value("startedBy", "") != started_by) continue;
        if (!family.empty() && last_path_segment(task.value("taskDefinitionArn", "")).rfind(family + ":", 0) != 0)
            continue;
        arns.push_back(task.value("taskArn", ""));
    }
    auto page = paginate("ListTasks", input.value("nextToken", ""), arns.size(), static_cast<size_t>(max_results));
    if (!page) return json_fault("InvalidParameterException", "Invalid nextToken.");
    json out{{"taskArns", std::vector<std::string>(arns.begin() + static_cast<long>(page->begin),
                                                   arns.begin() + static_cast<long>(page->end))}};
    if (!page->next_token.empty()) out["nextToken"] = page->next_token;
    return {200, out};
}

JsonReply describe_tasks(const json& input, const AwsCall& call) {
    if (auto bad = check_types(input, {{"cluster", Kind::string}, {"tasks", Kind::array}, {"include", Kind::array}}))
        return *bad;
    auto ids = string_list(input, "tasks");
    if (!ids || ids->empty()) return json_fault("InvalidParameterException", "Tasks cannot be empty.");
    if (ids->size() > kMaxTasks)
        return json_fault("InvalidParameterException", fmt::format("Tasks cannot be longer than {}.", kMaxTasks));
    std::string cluster_name;
    const json* cluster = find_cluster(call, input, cluster_name);
    if (!cluster) return cluster_not_found();
    json tasks = json::array();
    json failures = json::array();
    for (const auto& id : *ids) {
        const json* found = nullptr;
        for (const json& t : list(*cluster, "tasks")) {
            const std::string arn = t.value("taskArn", "");
            if ((arn == id || last_path_segment(arn) == id)) found = &t;
        }
        if (found) {
            tasks.push_back(shown(*found, input));
        } else {
            std::string arn = id.rfind("arn:", 0) == 0
                                  ? id
                                  : fmt::format("arn:aws:ecs:{}:{}:task/{}/{}", call.region_name, call.account,
                                                cluster_name, id);
            failures.push_back({{"arn", arn}, {"reason", "MISSING"}});
        }
    }
    return {200, {{"tasks", tasks}, {"failures", failures}}};
}

// A string member without copying it; null when absent or not a string.
const std::string* string_member(const json& object, const char* key) {
    auto it = object.find(key);
    return it == object.end() || !it->is_string() ? nullptr : &it->get_ref<const std::string&>();
}

// taskDefinition: a full ARN, "family:revision", or "family" (the latest ACTIVE revision). One
// pass that copies nothing: a region of a large fleet holds thousands of definitions, and every
// pipeline asks for its own.
JsonReply describe_task_definition(const json& input, const AwsCall& call) {
    if (auto bad = check_types(input, {{"taskDefinition", Kind::string}, {"include", Kind::array}})) return *bad;
    const std::string wanted = input.value("taskDefinition", "");
    if (wanted.empty()) return json_fault("ClientException", "TaskDefinition cannot be empty.");
    const std::string name = last_path_segment(wanted);  // "family:3" or "family"
    const size_t colon = name.rfind(':');
    const bool numbered = colon != std::string::npos && colon + 1 < name.size() &&
                          name.find_first_not_of("0123456789", colon + 1) == std::string::npos;
    const std::string family = numbered ? name.substr(0, colon) : name;
    const long long revision = numbered ? std::stoll(name.substr(colon + 1)) : -1;
    const json* best = nullptr;
    long long best_revision = 0;
    for (const json& td : list(child(call.region, "ecs"), "taskDefinitions")) {
        // The family first: one short comparison rules out nearly every definition (an ARN
        // names its family, so one of another family is never the one asked for).
        const std::string* its_family = td.is_object() ? string_member(td, "family") : nullptr;
        if (!its_family || *its_family != family) continue;
        const std::string* arn = string_member(td, "taskDefinitionArn");
        const long long its_revision = td.value("revision", 0LL);
        if ((arn && *arn == wanted) || (numbered && its_revision == revision)) {
            best = &td;
            break;
        }
        const std::string* status = string_member(td, "status");
        if (!numbered && (!status || *status == "ACTIVE") && (!best || best_revision < its_revision)) {
            best = &td;
            best_revision = its_revision;
        }
    }
    if (!best) return json_fault("ClientException", "Unable to describe task definition.");
    json out{{"taskDefinition", *best}};
    out["taskDefinition"].erase("tags");
    return {200, out};
}

}  // namespace

std::optional<JsonReply> handle_ecs(const std::string& op, const json& input, const AwsCall& call) {
    if (op == "DescribeServices") return describe_services(input, call);
    if (op == "ListTasks") return list_tasks(input, call);
    if (op == "DescribeTasks") return describe_tasks(input, call);
    if (op == "DescribeTaskDefinition") return describe_task_definition(input, call);
    return std::nullopt;
}

}  // namespace shipwatch::sim::detail

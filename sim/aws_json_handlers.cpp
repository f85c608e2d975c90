// AWS JSON 1.1 services other than ECS (ecs_handlers.cpp): ECR, CodeBuild, CloudWatch Logs and
// Secrets Manager, plus what they share: the service table, errors and timestamp members.
// Shapes: botocore/data/<service>/<version>/service-2.json.
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

#include "sim/handlers.hpp"

namespace shipwatch::sim::detail {
namespace {

const JsonServiceInfo kServices[] = {
    {JsonService::ecs, "ecs", "ecs", "AmazonEC2ContainerServiceV20141113", "InvalidParameterException"},
    {JsonService::ecr, "api.ecr", "ecr", "AmazonEC2ContainerRegistry_V20150921", "InvalidParameterException"},
    {JsonService::codebuild, "codebuild", "codebuild", "CodeBuild_20161006", "InvalidInputException"},
    {JsonService::logs, "logs", "logs", "Logs_20140328", "InvalidParameterException"},
    {JsonService::secretsmanager, "secretsmanager", "secretsmanager", "secretsmanager", "InvalidParameterException"},
    {JsonService::codedeploy, "codedeploy", "codedeploy", "CodeDeploy_20141006", "InvalidInputException"},
};

// Members whose botocore shape is `timestamp` in the outputs answered here (CloudWatch Logs uses
// epoch-millisecond longs instead, written by filter_log_events).
const std::set<std::string>& timestamp_members(JsonService service) {
    static const std::map<JsonService, std::set<std::string>> members = {
        {JsonService::ecs,
         {"connectivityAt", "createdAt", "deregisteredAt", "executionStoppedAt", "lastStartedAt", "pullStartedAt",
          "pullStoppedAt", "registeredAt", "stabilityStatusAt", "startedAt", "stoppedAt", "stoppingAt", "updatedAt"}},
        {JsonService::ecr,
         {"imagePushedAt", "imageScanCompletedAt", "lastRecordedPullTime", "vulnerabilitySourceUpdatedAt"}},
        {JsonService::codebuild, {"endTime", "startTime"}},
        {JsonService::logs, {}},
        {JsonService::secretsmanager,
         {"CreatedDate", "DeletedDate", "LastAccessedDate", "LastChangedDate", "LastRotatedDate", "NextRotationDate"}},
        {JsonService::codedeploy, {"completeTime", "createTime", "endTime", "lastUpdatedAt", "startTime"}},
    };
    return members.at(service);
}

void convert_timestamps(json& value, const std::set<std::string>& names) {
    if (value.is_array()) {
        for (json& item : value) convert_timestamps(item, names);
    } else if (value.is_object()) {
        for (auto& [key, item] : value.items()) {
            if (item.is_string() && names.contains(key)) {
                if (auto t = parse_iso8601(item.get<std::string>())) item = to_epoch_seconds(*t);
            } else {
                convert_timestamps(item, names);
            }
        }
    }
}


// ---- ECR --------------------------------------------------------------------------------------

constexpr int kEcrDefaultResults = 100;
constexpr int kEcrMaxResults = 1000;
constexpr size_t kEcrMaxImageIds = 100;

json image_detail(const json& image, const std::string& repository, const std::string& registry) {
    json out = image;
    if (!out.contains("registryId")) out["registryId"] = registry;
    if (!out.contains("repositoryName")) out["repositoryName"] = repository;
    return out;
}

bool has_tag(const json& image, const std::string& tag) {
    for (const json& t : list(image, "imageTags"))
        if (t == tag) return true;
    return false;
}

JsonReply describe_images(const json& input, const AwsCall& call) {
    if (auto bad = check_types(input, {{"registryId", Kind::string}, {"repositoryName", Kind::string},
                                       {"imageIds", Kind::array}, {"nextToken", Kind::string},
                                       {"maxResults", Kind::number}, {"filter", Kind::object}}))
        return *bad;
    const std::string name = input.value("repositoryName", "");
    if (name.empty()) return json_fault("InvalidParameterException", "repositoryName is required");
    const std::string registry = input.value("registryId", call.account);
    // Another account's registry (shared through its repository policy): ecr.registries.<id>.
    const json& ecr = child(call.region, "ecr");
    const json& repositories = registry == call.account ? child(ecr, "repositories")
                                                        : child(child(child(ecr, "registries"), registry.c_str()), "repositories");
    auto repo = repositories.find(name);
    if (repo == repositories.end())
        return json_fault("RepositoryNotFoundException",
                          fmt::format("The repository with name '{}' does not exist in the registry with id '{}'",
                                      name, registry));
    const json& images = list(*repo, "images");

    if (input.contains("imageIds")) {
        const json& ids = input["imageIds"];
        if (ids.empty() || ids.size() > kEcrMaxImageIds)
            return json_fault("InvalidParameterException", "imageIds must hold between 1 and 100 image ids");
        if (input.contains("maxResults") || input.contains("nextToken"))
            return json_fault("InvalidParameterException", "maxResults and nextToken cannot be used with imageIds");
        json details = json::array();
        std::set<std::string> seen;
        for (const json& id : ids) {
            const std::string tag = id.is_object() ? id.value("imageTag", "") : "";
            const std::string digest = id.is_object() ? id.value("imageDigest", "") : "";
            if (tag.empty() && digest.empty())
                return json_fault("InvalidParameterException", "An image id must have an imageTag or an imageDigest");
            const json* found = nullptr;
            for (const json& image : images)
                if ((digest.empty() || image.value("imageDigest", "") == digest) && (tag.empty() || has_tag(image, tag)))
                    found = &image;
            // DescribeImages has no failures[] (BatchGetImage does): one unknown id fails the call.
            if (!found)
                return json_fault("ImageNotFoundException",
                                  fmt::format("The image with imageId {{imageDigest:'{}', imageTag:'{}'}} does not "
                                              "exist within the repository with name '{}' in the registry with id '{}'",
                                              digest.empty() ? "null" : digest, tag.empty() ? "null" : tag, name,
                                              registry));
            if (seen.insert(found->value("imageDigest", "")).second)
                details.push_back(image_detail(*found, name, registry));
        }
        return {200, {{"imageDetails", details}}};
    }

    const int max_results = input.value("maxResults", kEcrDefaultResults);
    if (max_results < 1 || max_results > kEcrMaxResults)
        return json_fault("InvalidParameterException", "maxResults must be between 1 and 1000");
    const std::string tag_status = child(input, "filter").value("tagStatus", "ANY");
    std::vector<const json*> matching;
    for (const json& image : images) {
        bool tagged = !list(image, "imageTags").empty();
        if (tag_status == "ANY" || (tag_status == "TAGGED") == tagged) matching.push_back(&image);
    }
    auto page = paginate("DescribeImages", input.value("nextToken", ""), matching.size(),
                         static_cast<size_t>(max_results));
    if (!page) return json_fault("InvalidParameterException", "Invalid parameter at 'nextToken'");
    json details = json::array();
    for (size_t i = page->begin; i < page->end; ++i) details.push_back(image_detail(*matching[i], name, registry));
    json out{{"imageDetails", details}};
    if (!page->next_token.empty()) out["nextToken"] = page->next_token;
    return {200, out};
}

// ---- CodeBuild --------------------------------------------------------------------------------

constexpr size_t kBuildIdsPerPage = 100;
constexpr size_t kMaxBuildIds = 100;

JsonReply list_builds_for_project(const json& input, const AwsCall& call) {
    if (auto bad = check_types(input, {{"projectName", Kind::string}, {"sortOrder", Kind::string},
                                       {"nextToken", Kind::string}}))
        return *bad;
    const std::string name = input.value("projectName", "");
    const json& projects = child(child(call.region, "codebuild"), "projects");
    auto project = projects.find(name);
    if (name.empty() || project == projects.end())
        return json_fault("ResourceNotFoundException", fmt::format("The provided project name {} does not exist", name));
    const std::string order = input.value("sortOrder", "DESCENDING");
    if (order != "ASCENDING" && order != "DESCENDING")
        return json_fault("InvalidInputException", "sortOrder must be ASCENDING or DESCENDING");
    std::vector<const json*> builds;
    for (const json& b : list(*project, "builds")) builds.push_back(&b);
    // Build numbers grow with every build of a project; start time settles ties and gaps.
    auto key = [](const json* b) {
        auto start = world_time(child(*b, "startTime"));
        return std::make_pair(b->value("buildNumber", 0LL), start.value_or(TimePoint{}));
    };
    std::stable_sort(builds.begin(), builds.end(), [&](const json* a, const json* b) { return key(a) < key(b); });
    if (order == "DESCENDING") std::reverse(builds.begin(), builds.end());
    auto page = paginate("ListBuildsForProject", input.value("nextToken", ""), builds.size(), kBuildIdsPerPage);
    if (!page) return json_fault("InvalidInputException", "Invalid nextToken");
    json ids = json::array();
    for (size_t i = page->begin; i < page->end; ++i) ids.push_back(builds[i]->value("id", ""));
    json out{{"ids", ids}};
    if (!page->next_token.empty()) out["nextToken"] = page->next_token;
    return {200, out};
}

JsonReply batch_get_builds(const json& input, const AwsCall& call) {
    if (auto bad = check_types(input, {{"ids", Kind::array}})) return *bad;
    auto ids = string_list(input, "ids");
    if (!ids || ids->empty() || ids->size() > kMaxBuildIds)
        return json_fault("InvalidInputException",
                          "1 validation error detected: Value at 'ids' failed to satisfy constraint: Member must have "
                          "length less than or equal to 100 and greater than or equal to 1");
    json builds = json::array();
    json not_found = json::array();
    for (const auto& id : *ids) {
        const json* found = nullptr;
        for (const auto& [name, project] : child(child(call.region, "codebuild"), "projects").items())
            for (const json& b : list(project, "builds"))
                if (b.value("id", "") == id) found = &b;
        if (found)
            builds.push_back(*found);
        else
            not_found.push_back(id);
    }
    return {200, {{"builds", builds}, {"buildsNotFound", not_found}}};
}

// ---- CloudWatch Logs --------------------------------------------------------------------------

constexpr int kMaxLogEvents = 10000;

// Unstructured-log term patterns: `"a literal"` and bare words must all appear, `-word` must not,
// and if any `?word` is given at least one must appear.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
struct TermPattern {
    std::vector<std::string> all, none, any;
    bool matches(const std::string& message) const {
        auto in = [&](const std::string& t) { return message.find(t) != std::string::npos; };
        return std::all_of(all.begin(), all.end(), in) && std::none_of(none.begin(), none.end(), in) &&
               (any.empty() || std::any_of(any.begin(), any.end(), in));
    }
};

std::optional<TermPattern> parse_terms(const std::string& pattern) {
    TermPattern out;
    size_t i = 0;
    while (i < pattern.size()) {
        if (pattern[i] == ' ' || pattern[i] == '\t') {
            ++i;
            continue;
        }
        char mode = 0;
        if (pattern[i] == '-' || pattern[i] == '?') mode = pattern[i++];
        std::string term;
        if (i < pattern.size() && pattern[i] == '"') {
            size_t close = pattern.find('"', i + 1);
            if (close == std::string::npos) return std::nullopt;
            term = pattern.substr(i + 1, close - i - 1);
            i = close + 1;
        } else {
            size_t end = pattern.find_first_of(" \t", i);
            if (end == std::string::npos) end = pattern.size();
            term = pattern.substr(i, end - i);
            i = end;
        }
        (mode == '-' ? out.none : mode == '?' ? out.any : out.all).push_back(term);
    }
    return out;
}

long long epoch_ms(TimePoint t) { return t.time_since_epoch().count(); }

JsonReply filter_log_events(const json& input, const AwsCall& call) {
    if (auto bad = check_types(input, {{"logGroupName", Kind::string}, {"logGroupIdentifier", Kind::string},
                                       {"logStreamNames", Kind::array}, {"logStreamNamePrefix", Kind::string},
                                       {"startTime", Kind::number}, {"endTime", Kind::number},
                                       {"filterPattern", Kind::string}, {"nextToken", Kind::string},
                                       {"limit", Kind::number}, {"interleaved", Kind::boolean}}))
        return *bad;
    std::string name = input.value("logGroupName", "");
    if (name.empty()) {  // logGroupIdentifier: a name or "arn:...:log-group:NAME[:*]"
        name = input.value("logGroupIdentifier", "");
        if (auto at = name.find(":log-group:"); at != std::string::npos) {
            name = name.substr(at + 11);
            if (name.size() > 2 && name.ends_with(":*")) name.resize(name.size() - 2);
        }
    }
    const json& groups = child(child(call.region, "logs"), "groups");
    auto group = groups.find(name);
    if (name.empty() || group == groups.end() || !group->is_array())
        return json_fault("ResourceNotFoundException", "The specified log group does not exist.");
    const std::string pattern = input.value("filterPattern", "");
    if (!pattern.empty() && (pattern.front() == '{' || pattern.front() == '['))
        return json_fault("InvalidParameterException",
                          "the shipwatch simulator answers term patterns only, not JSON or space-delimited ones");
    auto terms = parse_terms(pattern);
    if (!terms) return json_fault("InvalidParameterException", "Invalid filter pattern: unbalanced quotes");
    const int limit = input.value("limit", kMaxLogEvents);
    if (limit < 1 || limit > kMaxLogEvents)
        return json_fault("InvalidParameterException", "limit must be between 1 and 10000");
    auto streams = string_list(input, "logStreamNames");
    if (!streams) return json_fault("SerializationException", "logStreamNames must be a list of strings");
    const std::string prefix = input.value("logStreamNamePrefix", "");
    const long long start = input.value("startTime", 0LL);
    const long long end = input.value("endTime", std::numeric_limits<long long>::max());

    struct Match {
        long long time;
        const json* event;
    };
    std::vector<Match> matches;
    std::set<std::string> searched;
    for (const json& event : *group) {
        const std::string stream = event.value("logStreamName", "");
        if (!streams->empty() && std::find(streams->begin(), streams->end(), stream) == streams->end()) continue;
        if (!stream.starts_with(prefix)) continue;
        searched.insert(stream);
        auto t = world_time(child(event, "timestamp"));
        if (!t || epoch_ms(*t) < start || epoch_ms(*t) > end) continue;
        if (terms->matches(event.value("message", ""))) matches.push_back({epoch_ms(*t), &event});
    }
    std::stable_sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) { return a.time < b.time; });
    auto page = paginate("FilterLogEvents", input.value("nextToken", ""), matches.size(), static_cast<size_t>(limit));
    if (!page) return json_fault("InvalidParameterException", "The specified nextToken is invalid.");
    json events = json::array();
    for (size_t i = page->begin; i < page->end; ++i) {
        const json& e = *matches[i].event;
        events.push_back({{"logStreamName", e.value("logStreamName", "")},
                          {"timestamp", matches[i].time},
                          {"message", e.value("message", "")},
                          {"ingestionTime", matches[i].time},
                          {"eventId", fmt::format("{}{:06d}", matches[i].time, i)}});
    }
    json searched_streams = json::array();
    for (const auto& s : searched) searched_streams.push_back({{"logStreamName", s}, {"searchedCompletely", true}});
    json out{{"events", events}, {"searchedLogStreams", searched_streams}};
    if (!page->next_token.empty()) out["nextToken"] = page->next_token;
    return {200, out};
}

// ---- Secrets Manager ----------------------------------------------------------------------------

// SecretId: the name, the full ARN, or the ARN without its random "-AbCdEf" suffix.
const json* find_secret(const AwsCall& call, const std::string& id) {
    for (const json& secret : list(child(call.region, "secretsmanager"), "secrets")) {
        const std::string arn = secret.value("ARN", "");
        if (secret.value("Name", "") == id || arn == id) return &secret;
        if (id.rfind("arn:", 0) == 0 && arn.size() == id.size() + 7 && arn.rfind(id + "-", 0) == 0) return &secret;
    }
    return nullptr;
}

JsonReply describe_secret(const json& input, const AwsCall& call) {
    if (auto bad = check_types(input, {{"SecretId", Kind::string}})) return *bad;
    const std::string id = input.value("SecretId", "");
    if (id.empty()) return json_fault("InvalidParameterException", "SecretId is required");
    const json* secret = find_secret(call, id);
    if (!secret) return json_fault("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    return {200, *secret};
}

// shipwatch never reads secret values; the simulated role is not allowed to either.
JsonReply get_secret_value(const json& input, const AwsCall& call) {
    return json_fault("AccessDeniedException",
                      fmt::format("User: arn:aws:sts::{}:assumed-role/shipwatch-readonly/shipwatch is not authorized "
                                  "to perform: secretsmanager:GetSecretValue on resource: {} because no "
                                  "identity-based policy allows the secretsmanager:GetSecretValue action",
                                  call.account, input.value("SecretId", std::string("*"))));
}

}  // namespace

const JsonServiceInfo* json_service_by_host_prefix(std::string_view prefix) {
    for (const auto& s : kServices)
        if (s.host_prefix == prefix) return &s;
    return nullptr;
}

const JsonServiceInfo* json_service_by_signing_name(std::string_view name) {
    for (const auto& s : kServices)
        if (s.signing_name == name) return &s;
    return nullptr;
}

JsonReply json_fault(std::string_view code, std::string_view message) {
    return {400, json{{"__type", code}, {"message", message}}};
}

std::optional<JsonReply> check_types(const json& input, std::initializer_list<std::pair<const char*, Kind>> members) {
    static constexpr const char* kNames[] = {"a string", "a number", "a boolean", "a list", "a structure"};
    for (const auto& [key, kind] : members) {
        auto it = input.find(key);
        if (it == input.end() || it->is_null()) continue;
        bool ok = kind == Kind::string    ? it->is_string()
                  : kind == Kind::number  ? it->is_number()
                  : kind == Kind::boolean ? it->is_boolean()
                  : kind == Kind::array   ? it->is_array()
                                          : it->is_object();
        if (!ok)
            return json_fault("SerializationException",
                              fmt::format("{} must be {}", key, kNames[static_cast<int>(kind)]));
    }
    return std::nullopt;
}

std::optional<std::vector<std::string>> string_list(const json& input, const char* key) {
    std::vector<std::string> out;
    auto it = input.find(key);
    if (it == input.end() || it->is_null()) return out;
    if (!it->is_array()) return std::nullopt;
    for (const json& item : *it) {
        if (!item.is_string()) return std::nullopt;
        out.push_back(item.get<std::string>());
    }
    return out;
}

void timestamps_to_epoch(const JsonServiceInfo& service, json& body) {
    convert_timestamps(body, timestamp_members(service.id));
}

JsonReply handle_json(const JsonServiceInfo& service, const std::string& op, const json& input, const AwsCall& call) {
    std::optional<JsonReply> reply;
    switch (service.id) {
        case JsonService::ecs: reply = handle_ecs(op, input, call); break;
        case JsonService::ecr:
            if (op == "DescribeImages") reply = describe_images(input, call);
            break;
        case JsonService::codebuild:
            if (op == "ListBuildsForProject") reply = list_builds_for_project(input, call);
            if (op == "BatchGetBuilds") reply = batch_get_builds(input, call);
            break;
        case JsonService::logs:
            if (op == "FilterLogEvents") reply = filter_log_events(input, call);
            break;
        case JsonService::secretsmanager:
            if (op == "DescribeSecret") reply = describe_secret(input, call);
            if (op == "GetSecretValue") reply = get_secret_value(input, call);
            break;
        case JsonService::codedeploy: reply = handle_codedeploy(op, input, call); break;
    }
    if (reply) return *reply;
    return json_fault("UnknownOperationException",
                      fmt::format("the shipwatch simulator does not answer {}.{}", service.target_prefix, op));
}

}  // namespace shipwatch::sim::detail

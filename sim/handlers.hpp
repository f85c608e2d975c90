// Private to the simulator: the per-protocol handlers that SimTransport routes to, and the
// helpers they share (paging tokens, base64, request ids). Handlers run under the World's lock
// and only read the state they are given.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/transport.hpp"
#include "model/time.hpp"

namespace shipwatch::sim::detail {

using nlohmann::json;

// One AWS call as the handlers see it: the region's slice of the world and the sim time.
struct AwsCall {
    const json& region;  // world.aws.<region>, an empty object when the region holds nothing
    std::string region_name;
    std::string account;
    TimePoint now{};
    std::string request_id;
};

// ---- script steps (world_patch.cpp) -----------------------------------------------------------

// Applies one expanded step in place: RFC 6902 + increment, keyed segments `[member=value]`
// resolved per operation. Throws on the first failing operation, after restoring the state.
// Appends each applied operation's resolved path to `touched`.
void apply_patch(json& state, const json& patch, std::vector<std::string>& touched);

// ---- AWS JSON 1.1 (aws_json_handlers.cpp) ----------------------------------------------------

enum class JsonService { ecs, ecr, codebuild, logs, secretsmanager, codedeploy };

struct JsonServiceInfo {
    JsonService id;
    std::string_view host_prefix;  // "api.ecr"
    std::string_view signing_name;  // "ecr"; also the counter prefix
    std::string_view target_prefix;  // "AmazonEC2ContainerRegistry_V20150921"
    std::string_view invalid_input_code;  // what the service calls a malformed request
};
const JsonServiceInfo* json_service_by_host_prefix(std::string_view prefix);
const JsonServiceInfo* json_service_by_signing_name(std::string_view name);

struct JsonReply {
    int status = 200;
    json body;
};
JsonReply json_fault(std::string_view code, std::string_view message);  // 400 {"__type", "message"}

// Answers one operation; input is the request's JSON object. Unknown op -> UnknownOperationException.
JsonReply handle_json(const JsonServiceInfo& service, const std::string& op, const json& input, const AwsCall& call);
// ECS (ecs_handlers.cpp); nullopt when the operation is not one the simulator answers.
std::optional<JsonReply> handle_ecs(const std::string& op, const json& input, const AwsCall& call);
// CodeDeploy (codedeploy_handlers.cpp); nullopt when the operation is not one the simulator answers.
std::optional<JsonReply> handle_codedeploy(const std::string& op, const json& input, const AwsCall& call);

// Input members of the wrong JSON type answer SerializationException, as AWS does.
enum class Kind { string, number, boolean, array, object };
std::optional<JsonReply> check_types(const json& input, std::initializer_list<std::pair<const char*, Kind>> members);
// A JSON 1.1 list member of strings (absent -> empty); nullopt when some item is not a string.
std::optional<std::vector<std::string>> string_list(const json& input, const char* key);

// AWS JSON 1.1 sends timestamps as epoch seconds; the world keeps ISO strings.
void timestamps_to_epoch(const JsonServiceInfo& service, json& body);

// ---- AWS Query / EC2 (aws_query_handlers.cpp) ------------------------------------------------

enum class QueryService { elbv2, ec2 };
using Form = std::map<std::string, std::string>;

HttpResponse handle_query(QueryService service, const std::string& action, const Form& form, const AwsCall& call);
// The protocol-level error for a request that never reached an operation.
HttpResponse query_fault(QueryService service, int status, std::string_view code, std::string_view message,
                         const std::string& request_id);

// ---- GitHub REST (github_handlers.cpp) -------------------------------------------------------

struct GithubReply {
    HttpResponse response;
    std::string operation;  // GitHub's operationId ("repos/list-commits"), for the call counters
};
GithubReply handle_github(const json& github, const UrlParts& url, const HttpRequest& request, TimePoint now);

// ---- registries outside private ECR (registry_handlers.cpp) ----------------------------------

// The world.registries entry a host serves (Docker Hub's API host is registry-1.docker.io);
// `name` gets its key. Null when the host is no registry of the world.
const json* registry_for_host(const json& registries, const std::string& host, std::string& name);
// The distribution API and its token endpoint; nullopt when the host is no registry of the world.
std::optional<HttpResponse> handle_registry(const json& registries, const UrlParts& url, const HttpRequest& request);

// ---- shared (sim_transport.cpp) --------------------------------------------------------------

std::string base64_encode(std::string_view data);  // standard, padded (EVP_EncodeBlock)
// Opaque paging tokens: an offset into the answer list, tied to the operation that issued it.
std::string page_token(std::string_view op, size_t offset);
std::optional<size_t> read_page_token(std::string_view op, const std::string& token);
// One page [begin, end) of `total` items; next_token empty on the last page. nullopt: bad token.
struct Page {
    size_t begin = 0;
    size_t end = 0;
    std::string next_token;
};
std::optional<Page> paginate(std::string_view op, const std::string& token, size_t total, size_t page_size);
// The "x.N" members of a Query form ("TargetGroupArns.member" -> values of .1, .2, ... in order).
std::vector<std::string> form_list(const Form& form, const std::string& prefix);
// ISO string -> time point; numbers (epoch seconds) accepted too. nullopt when neither.
std::optional<TimePoint> world_time(const json& value);
std::string last_path_segment(const std::string& arn);  // text after the last '/'
// Lenient readers of the world document: a missing or mistyped member reads as empty.
const json& child(const json& object, const char* key);  // an object member, else {}
const json& list(const json& object, const char* key);  // an array member, else []

}  // namespace shipwatch::sim::detail

// SimTransport: routes a request the way DNS and the AWS front ends would (by host, then by
// X-Amz-Target or Action), frames the protocol (JSON 1.1 bodies and errors, Query forms), counts
// calls, and answers version endpoints from the world's `http` map.
#include <algorithm>
#include <charconv>
#include <regex>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "base/digest.hpp"
#include "base/stop.hpp"
#include "sim/handlers.hpp"
#include "sim/simulator.hpp"

namespace shipwatch::sim {
namespace detail {

std::string base64_encode(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');  // EVP_EncodeBlock writes a NUL
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
    out.resize(n < 0 ? 0 : static_cast<size_t>(n));
    return out;
}

std::string page_token(std::string_view op, size_t offset) { return base64_encode(fmt::format("{}:{}", op, offset)); }

std::optional<size_t> read_page_token(std::string_view op, const std::string& token) {
    auto text = base64_decode(token);
    std::string prefix = std::string(op) + ":";
    if (!text || text->rfind(prefix, 0) != 0) return std::nullopt;
    size_t offset = 0;
    const char* first = text->data() + prefix.size();
    const char* last = text->data() + text->size();
    auto [p, ec] = std::from_chars(first, last, offset);
    if (ec != std::errc{} || p != last || first == last) return std::nullopt;
    return offset;
}

std::optional<Page> paginate(std::string_view op, const std::string& token, size_t total, size_t page_size) {
    size_t begin = 0;
    if (token.rfind(kEndlessTokenPrefix, 0) == 0) {
        begin = total;  // past the end: an empty page (the endless-pages fault adds a token to it)
    } else if (!token.empty()) {
        auto offset = read_page_token(op, token);
        if (!offset || *offset > total) return std::nullopt;
        begin = *offset;
    }
    Page page{begin, std::min(total, begin + page_size), {}};
    if (page.end < total) page.next_token = page_token(op, page.end);
    return page;
}

std::vector<std::string> form_list(const Form& form, const std::string& prefix) {
    std::vector<std::string> values;
    for (int i = 1;; ++i) {
        auto it = form.find(fmt::format("{}.{}", prefix, i));
        if (it == form.end()) break;
        values.push_back(it->second);
    }
    return values;
}

std::optional<TimePoint> world_time(const json& value) {
    if (value.is_string()) return parse_iso8601(value.get<std::string>());
    if (value.is_number()) return from_epoch_seconds(value.get<double>());
    return std::nullopt;
}

const json& child(const json& object, const char* key) {
    static const json empty = json::object();
    if (!object.is_object()) return empty;
    auto it = object.find(key);
    return it != object.end() ? *it : empty;
}

const json& list(const json& object, const char* key) {
    static const json empty = json::array();
    const json& value = child(object, key);
    return value.is_array() ? value : empty;
}

std::string last_path_segment(const std::string& arn) {
    auto slash = arn.rfind('/');
    return slash == std::string::npos ? arn : arn.substr(slash + 1);
}

}  // namespace detail

namespace {

using namespace detail;

const json& member(const json& object, const char* key) {
    static const json empty = json::object();
    if (!object.is_object()) return empty;
    auto it = object.find(key);
    return it == object.end() ? empty : *it;
}

HttpResponse unreachable(const std::string& error) {
    HttpResponse r;
    r.error = error;
    return r;
}

// Where an AWS request goes: the signing name and region. From the host as the real endpoints
// are named, else from the SigV4 scope (a loopback server sees 127.0.0.1, not the AWS host).
struct AwsRoute {
    std::string service;  // signing name: ecs, ecr, codebuild, logs, secretsmanager, elasticloadbalancing, ec2
    std::string region;
};

std::optional<AwsRoute> aws_route(const UrlParts& url, const HttpRequest& request) {
    static const std::regex host_form(R"(([a-z0-9.-]+)\.([a-z]{2}(?:-[a-z]+)+-[0-9])\.amazonaws\.com)");
    std::smatch m;
    if (std::regex_match(url.host, m, host_form)) {
        std::string prefix = m[1];
        if (const auto* s = json_service_by_host_prefix(prefix)) return AwsRoute{std::string(s->signing_name), m[2]};
        if (prefix == "elasticloadbalancing" || prefix == "ec2") return AwsRoute{prefix, m[2]};
        return std::nullopt;
    }
    if (!request.aws_service.empty() && !request.aws_region.empty())
        return AwsRoute{request.aws_service, request.aws_region};
    static const std::regex scope(R"(Credential=[^/,]+/[0-9]{8}/([^/]+)/([^/]+)/aws4_request)");
    if (auto auth = request.headers.find("Authorization"); auth != request.headers.end())
        if (std::regex_search(auth->second, m, scope)) return AwsRoute{m[2], m[1]};
    return std::nullopt;
}

// Consults the fault plan for one call: an answer to give instead of the real one (errors, a
// refused connection), or, in `post`, a fault that acts on the real answer after the world's
// lock is released (slow, damaged bodies).
std::optional<HttpResponse> injected(World& world, std::string_view family, const std::string& operation,
                                     const std::string& region, Protocol protocol, const std::string& request_id,
                                     std::optional<FaultRule>& post) {
    auto rule = world.faults().take(family, operation, region);
    if (!rule) return std::nullopt;
    if (rule->kind == FaultKind::refuse) return unreachable(std::string(kRefusedBySim));
    if (auto answer = fault_answer(*rule, protocol, request_id)) return answer;
    post = rule;
    return std::nullopt;
}

HttpResponse json_response(const JsonReply& reply, const std::string& request_id) {
    HttpResponse r;
    r.status = reply.status;
    r.headers["Content-Type"] = "application/x-amz-json-1.1";
    r.headers["x-amzn-RequestId"] = request_id;
    r.body = reply.body.dump();
    return r;
}

HttpResponse answer_json(World& world, const JsonServiceInfo& service, const HttpRequest& request,
                         const AwsCall& call, std::optional<FaultRule>& post) {
    auto fault = [&](std::string_view code, std::string_view message) {
        return json_response(json_fault(code, message), call.request_id);
    };
    auto target = request.headers.find("X-Amz-Target");
    std::string prefix = std::string(service.target_prefix) + ".";
    if (request.method != "POST" || target == request.headers.end() || target->second.rfind(prefix, 0) != 0)
        return fault("UnknownOperationException", "expected POST / with X-Amz-Target: " + prefix + "<Operation>");
    std::string op = target->second.substr(prefix.size());
    std::string operation = fmt::format("{}:{}", service.signing_name, op);
    world.count_call(operation);
    if (auto answer = injected(world, "aws", operation, call.region_name, Protocol::aws_json, call.request_id, post))
        return *answer;

    json input = request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
    if (input.is_discarded() || !input.is_object())
        return fault("SerializationException", "the request body is not a JSON object");
    JsonReply reply = handle_json(service, op, input, call);
    if (reply.status == 200) timestamps_to_epoch(service, reply.body);
    return json_response(reply, call.request_id);
}

HttpResponse answer_query(World& world, QueryService service, const HttpRequest& request, const UrlParts& url,
                          const AwsCall& call, std::optional<FaultRule>& post) {
    const std::string_view name = service == QueryService::ec2 ? "ec2" : "elasticloadbalancing";
    const std::string_view version = service == QueryService::ec2 ? "2016-11-15" : "2015-12-01";
    // Query APIs take the parameters in a form body (POST) or in the query string (GET).
    Form form = parse_form(request.method == "POST" ? request.body : url.query);
    auto action = form.find("Action");
    if (action == form.end() || action->second.empty())
        return query_fault(service, 400, "MissingAction", "The request must contain the parameter Action",
                           call.request_id);
    std::string operation = fmt::format("{}:{}", name, action->second);
    world.count_call(operation);
    if (auto answer = injected(world, "aws", operation, call.region_name,
                               service == QueryService::ec2 ? Protocol::aws_query_ec2 : Protocol::aws_query_elbv2,
                               call.request_id, post))
        return *answer;
    auto given = form.find("Version");
    if (given == form.end())
        return query_fault(service, 400, "MissingParameter", "The request must contain the parameter Version",
                           call.request_id);
    if (given->second != version)
        return query_fault(service, 400, "InvalidAction",
                           fmt::format("Could not find operation {} for version {}", action->second, given->second),
                           call.request_id);
    return handle_query(service, action->second, form, call);
}

// Version endpoints and anything else the scenario serves verbatim.
std::optional<HttpResponse> answer_http(World& world, const json& http, const HttpRequest& request,
                                        std::optional<FaultRule>& post) {
    std::string without_query = request.url.substr(0, request.url.find('?'));
    auto it = http.find(request.url);
    if (it == http.end()) it = http.find(without_query);
    if (it == http.end()) return std::nullopt;
    world.count_call("http:" + without_query);
    if (auto answer = injected(world, "http", "http:" + without_query, "", Protocol::http, "", post))
        return answer;
    const json& entry = *it;
    HttpResponse r;
    r.status = entry.value("status", 200);
    if (r.status == 0) return unreachable(entry.value("error", "connection refused"));
    for (const auto& [key, value] : member(entry, "headers").items())
        if (value.is_string()) r.headers[key] = value.get<std::string>();
    r.body = request.method == "HEAD" ? "" : entry.value("body", "");
    return r;
}

bool host_serves_http(const json& http, const std::string& host) {
    for (const auto& [key, entry] : http.items())
        if (split_url(key).host == host) return true;
    return false;
}

HttpResponse route(World& world, const HttpRequest& request, const json& state, TimePoint now,
                   std::optional<FaultRule>& post) {
    const UrlParts url = split_url(request.url);
    if (url.host.empty()) return unreachable("malformed URL: " + request.url);
    const json& http = member(state, "http");
    if (auto answer = answer_http(world, http, request, post)) return *answer;

    if (auto reply = handle_registry(member(state, "registries"), url, request)) {
        world.count_call("registry:" + url.host + (url.path == "/token" ? ":token" : ":manifest"));
        if (auto answer = injected(world, "registry", "registry:" + url.host, "", Protocol::http, "", post)) return *answer;
        return *reply;
    }

    if (url.host == "api.github.com") {
        GithubReply reply = handle_github(member(state, "github"), url, request, now);
        if (!reply.operation.empty()) {
            std::string operation = "github:" + reply.operation;
            world.count_call(operation);
            if (auto answer = injected(world, "github", operation, "", Protocol::github, "", post)) return *answer;
        }
        return reply.response;
    }

    if (auto aws = aws_route(url, request)) {
        AwsCall call{member(member(state, "aws"), aws->region.c_str()), aws->region, world.scenario().account, now,
                     world.next_request_id()};
        if (const auto* service = json_service_by_signing_name(aws->service))
            return answer_json(world, *service, request, call, post);
        if (aws->service == "elasticloadbalancing")
            return answer_query(world, QueryService::elbv2, request, url, call, post);
        if (aws->service == "ec2") return answer_query(world, QueryService::ec2, request, url, call, post);
    }

    if (host_serves_http(http, url.host)) {
        HttpResponse r;
        r.status = 404;
        r.headers["Content-Type"] = "text/plain";
        r.body = "404 page not found\n";
        return r;
    }
    return unreachable("could not resolve host " + url.host + " (not part of the simulated world)");
}

// Damage is done in the answer's own format: XML for the Query services, JSON (or text) else.
Protocol protocol_of(const HttpResponse& answer) {
    auto type = answer.headers.find("Content-Type");
    bool xml = type != answer.headers.end() && type->second.find("xml") != std::string::npos;
    return xml ? Protocol::aws_query_elbv2 : Protocol::aws_json;
}

}  // namespace

HttpResponse SimTransport::send(const HttpRequest& request) {
    // No exception leaves send(): a handler bug answers 500 like an AWS internal failure.
    if (stop_.stop_requested()) return cancelled_response();
    try {
        std::optional<FaultRule> post;
        HttpResponse answer = world_->with_state(
            [&](const nlohmann::json& state, TimePoint now) { return route(*world_, request, state, now, post); });
        if (post) {
            // Outside the world's lock: a slow answer holds up only its own caller.
            if (post->kind == FaultKind::slow && !sleep_unless_stopped(post->delay, stop_)) return cancelled_response();
            damage_answer(*post, protocol_of(answer), answer);
        }
        // The bound libcurl keeps on the real path, kept here too, so the demo reads what the live path would.
        if (answer.body.size() > request.max_answer_bytes) return too_large_response(request);
        return answer;
    } catch (const std::exception& e) {
        HttpResponse r;
        r.status = 500;
        r.headers["Content-Type"] = "application/json";
        r.body = nlohmann::json{{"__type", "InternalFailure"}, {"message", std::string("simulator fault: ") + e.what()}}
                     .dump();
        return r;
    }
}

}  // namespace shipwatch::sim

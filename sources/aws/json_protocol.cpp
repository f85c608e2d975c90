#include "sources/aws/json_protocol.hpp"

#include "sources/aws/aws_error.hpp"
#include "sources/bounded_json.hpp"

namespace shipwatch::aws {

using nlohmann::json;

Error json_error(const HttpResponse& response) {
    json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    std::string raw_code;
    std::string message;
    if (body.is_object()) {
        raw_code = json_string(body, "__type");
        if (raw_code.empty()) raw_code = json_string(body, "code");
        message = json_string(body, "message");
        if (message.empty()) message = json_string(body, "Message");
    }
    if (raw_code.empty()) {
        // Some front ends only send the header: "ThrottlingException:http://internal.amazon.com/...".
        if (auto it = response.headers.find("x-amzn-ErrorType"); it != response.headers.end()) raw_code = it->second;
    }
    if (raw_code.empty()) return unreadable_body_error(response, "error answer without an error code");
    std::string code = bare_error_code(raw_code);
    if (message.empty()) message = code;
    return make_error(std::move(code), std::move(message), response.status);
}

namespace {

Result<json> send_json(const AwsContext& ctx, ServiceId service, std::string_view target, const json& body) {
    if (ctx.transport == nullptr) return error_of(ErrorKind::transport, "transport", "no transport configured");
    HttpRequest request;
    request.method = "POST";
    request.url = ctx.endpoints.base_url(service) + "/";
    request.headers["Content-Type"] = "application/x-amz-json-1.1";
    request.headers["X-Amz-Target"] = std::string(target);
    request.body = body.dump();
    request.aws_region = ctx.region.empty() ? ctx.endpoints.region() : ctx.region;
    request.aws_service = info(service).signing_name;
    mark_aws_request(request);

    HttpResponse response = ctx.transport->send(request);
    if (response.transport_failed()) return transport_error(response);
    if (response.status >= 400) return json_error(response);
    if (response.body.empty()) return json::object();
    BoundedJson bounded = parse_bounded_json(response.body);
    if (!bounded.problem.empty())
        return parse_error("answer to " + std::string(target) + " has " + bounded.problem);
    json parsed = std::move(bounded.value);
    if (parsed.is_discarded() || !parsed.is_object())
        return unreadable_body_error(response, std::string("answer to ") + std::string(target) + " is not a JSON object");
    return parsed;
}

}  // namespace

Result<json> call_json(const AwsContext& ctx, ServiceId service, std::string_view target, const json& body) {
    // "AmazonEC2ContainerServiceV20141113.DescribeServices" -> "ecs:DescribeServices", as IAM names it.
    size_t dot = target.rfind('.');
    std::string_view operation = dot == std::string_view::npos ? target : target.substr(dot + 1);
    return in_context(send_json(ctx, service, target, body), call_context(ctx, service, operation));
}

namespace {
const json* member(const json& object, std::string_view key) {
    if (!object.is_object()) return nullptr;
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}
}  // namespace

std::string json_string(const json& object, std::string_view key) {
    const json* v = member(object, key);
    return v && v->is_string() ? v->get<std::string>() : std::string();
}

long long json_int(const json& object, std::string_view key, long long fallback) {
    const json* v = member(object, key);
    if (v && v->is_number_integer()) return v->get<long long>();
    if (v && v->is_number_float()) {
        double d = v->get<double>();
        // Out of range (or NaN) cannot become an integer: a converted 1e300 would be undefined.
        if (!(d > -9.0e18 && d < 9.0e18)) return fallback;
        return static_cast<long long>(d);
    }
    return fallback;
}

bool json_bool(const json& object, std::string_view key, bool fallback) {
    const json* v = member(object, key);
    return v && v->is_boolean() ? v->get<bool>() : fallback;
}

const json& json_array(const json& object, std::string_view key) {
    static const json empty = json::array();
    const json* v = member(object, key);
    return v && v->is_array() ? *v : empty;
}

std::optional<TimePoint> json_time(const json& object, std::string_view key) {
    const json* v = member(object, key);
    if (v && v->is_number()) return from_epoch_seconds(v->get<double>());
    if (v && v->is_string()) return parse_iso8601(v->get<std::string>());
    return std::nullopt;
}

}  // namespace shipwatch::aws

// AWS JSON 1.1 protocol (ECS, ECR, CodeBuild, Logs, Secrets Manager): every call is
// `POST /` with the operation in X-Amz-Target and the input as a JSON object.
// https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sources/answer_checks.hpp"
#include "sources/aws/aws_error.hpp"
#include "sources/aws/clients.hpp"
#include "base/result.hpp"
#include "model/time.hpp"

namespace shipwatch::aws {

// target: "<targetPrefix>.<Operation>", e.g. "AmazonEC2ContainerServiceV20141113.DescribeServices".
Result<nlohmann::json> call_json(const AwsContext& ctx, ServiceId service, std::string_view target,
                                 const nlohmann::json& body);

// An error answer (status >= 400) as a typed error: code from `__type` (or x-amzn-ErrorType).
Error json_error(const HttpResponse& response);

// Lenient readers: a missing member or one of another type reads as empty, so one odd field
// does not throw away a whole answer.
std::string json_string(const nlohmann::json& object, std::string_view key);
long long json_int(const nlohmann::json& object, std::string_view key, long long fallback = 0);
bool json_bool(const nlohmann::json& object, std::string_view key, bool fallback = false);
const nlohmann::json& json_array(const nlohmann::json& object, std::string_view key);  // [] when absent
// AWS JSON 1.1 timestamps are epoch seconds (possibly fractional); ISO strings accepted too.
std::optional<TimePoint> json_time(const nlohmann::json& object, std::string_view key);

// Runs `parse` and turns a JSON type/range error into an Error of kind parse (no exception escapes).
template <typename T, typename Parse>
Result<T> parse_guarded(std::string_view what, Parse&& parse) {
    try {
        return Result<T>(parse());
    } catch (const nlohmann::json::exception& e) {
        return Error{"parse", std::string("unexpected ") + std::string(what) + " answer: " + e.what(), 200, false,
                     ErrorKind::parse};
    } catch (const UnexpectedAnswer& e) {
        return Error{"parse", std::string(what) + ": " + e.what(), 200, false, ErrorKind::parse};
    }
}

}  // namespace shipwatch::aws

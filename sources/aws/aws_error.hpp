// AWS error answers, shared by the JSON 1.1 and Query protocol helpers: their classification as
// typed errors, and the reading the retry layer asks for (HttpRequest::read_answer).
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"
#include "http/transport.hpp"

namespace shipwatch::aws {

// Throttling codes the AWS SDKs retry, plus 429 and 5xx answers.
bool is_retryable(std::string_view code, int http_status);

// The code the service gives when the signing credentials expired before their time.
bool is_expired_token(std::string_view code);

// "com.amazonaws.ecs#ThrottlingException" or "ThrottlingException:http://..." -> "ThrottlingException".
std::string bare_error_code(std::string_view raw);

// Code and message of an error answer in either protocol's shape: JSON `__type`/`code`, XML
// <Code>, or the x-amzn-ErrorType header; the code bare. Empty when the answer has none.
struct AnswerError {
    std::string code;
    std::string message;
};
AnswerError read_answer_error(const HttpResponse& response);

// The reading of an AWS error answer for the retry layer: throttling retryable, ExpiredToken
// retried with fresh keys, 401/403 a broken source, "ThrottlingException: Rate exceeded".
AnswerReading read_aws_answer(const HttpResponse& response);

// Says what an AWS request is for: source "ecs eu-west-1" (signing name and region, so a local
// endpoint override still keeps services apart), budget "ecs" ("elbv2" for ELBv2), AWS reading.
void mark_aws_request(HttpRequest& request);

Error make_error(std::string code, std::string message, int http_status);
// No answer at all: retryable unless it failed for good here (kind credentials or config).
Error transport_error(const HttpResponse& response);
// An answer whose body we could not read: keeps the status; a 5xx stays retryable.
Error unreadable_body_error(const HttpResponse& response, std::string_view what);
// A surprise in an answer the parsers read (code "parse", kind parse).
Error parse_error(std::string message);

}  // namespace shipwatch::aws

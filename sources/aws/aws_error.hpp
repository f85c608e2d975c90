// Error classification shared by the JSON 1.1 and Query protocol helpers.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"
#include "http/transport.hpp"

namespace shipwatch::aws {

// Throttling codes the AWS SDKs retry, plus 429 and 5xx answers.
bool is_retryable(std::string_view code, int http_status);

// "com.amazonaws.ecs#ThrottlingException" or "ThrottlingException:http://..." -> "ThrottlingException".
std::string bare_error_code(std::string_view raw);

ApiError make_error(std::string code, std::string message, int http_status);
// No answer at all: always retryable.
ApiError transport_error(const HttpResponse& response);
// An answer whose body we could not read: keeps the status; a 5xx stays retryable.
ApiError unreadable_body_error(const HttpResponse& response, std::string_view what);

}  // namespace shipwatch::aws

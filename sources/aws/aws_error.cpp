#include "sources/aws/aws_error.hpp"

#include <array>

#include <nlohmann/json.hpp>

namespace shipwatch::aws {
namespace {

std::string between(const std::string& text, const std::string& open, const std::string& close) {
    auto b = text.find(open);
    if (b == std::string::npos) return {};
    b += open.size();
    auto e = text.find(close, b);
    return e == std::string::npos ? std::string() : text.substr(b, e - b);
}

void read_json_error(const std::string& body, AnswerError& error) {
    auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object()) return;
    for (const char* key : {"__type", "code", "Code"})
        if (auto it = doc.find(key); error.code.empty() && it != doc.end() && it->is_string())
            error.code = it->get<std::string>();
    for (const char* key : {"message", "Message"})
        if (auto it = doc.find(key); error.message.empty() && it != doc.end() && it->is_string())
            error.message = it->get<std::string>();
}

}  // namespace

bool is_retryable(std::string_view code, int http_status) {
    // Expired credentials are retried too: the signing transport has handed them back
    // (SigningKeys::refused), so the next attempt signs with freshly resolved ones.
    static constexpr std::array<std::string_view, 5> throttling{
        "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled"};
    for (auto t : throttling)
        if (code == t) return true;
    return is_expired_token(code) || http_status == 429 || http_status >= 500;
}

bool is_expired_token(std::string_view code) { return code == "ExpiredToken" || code == "ExpiredTokenException"; }

std::string bare_error_code(std::string_view raw) {
    if (auto hash = raw.rfind('#'); hash != std::string_view::npos) raw.remove_prefix(hash + 1);
    if (auto colon = raw.find(':'); colon != std::string_view::npos) raw = raw.substr(0, colon);
    return std::string(raw);
}

AnswerError read_answer_error(const HttpResponse& response) {
    AnswerError error;
    const std::string& body = response.body;
    auto first = body.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && body[first] == '{') {
        read_json_error(body, error);
    } else if (first != std::string::npos && body[first] == '<') {
        // Query-protocol errors: <ErrorResponse><Error><Code>..</Code><Message>..</Message>.
        error.code = between(body, "<Code>", "</Code>");
        error.message = between(body, "<Message>", "</Message>");
    }
    if (error.code.empty())
        if (auto it = response.headers.find("x-amzn-ErrorType"); it != response.headers.end()) error.code = it->second;
    if (!error.code.empty()) error.code = bare_error_code(error.code);
    return error;
}

AnswerReading read_aws_answer(const HttpResponse& response) {
    AnswerError error = read_answer_error(response);
    AnswerReading reading;
    reading.retryable = is_retryable(error.code, response.status);
    reading.keys_refused = response.status == 400 && is_expired_token(error.code);
    reading.source_broken = !reading.retryable && (response.status == 401 || response.status == 403);
    reading.description = error.code.empty() ? "HTTP " + std::to_string(response.status) : error.code;
    if (!error.message.empty() && error.message != error.code) reading.description += ": " + error.message;
    return reading;
}

void mark_aws_request(HttpRequest& request) {
    request.budget = request.aws_service == "elasticloadbalancing" ? "elbv2" : request.aws_service;
    request.source = request.aws_region.empty() ? request.budget : request.budget + " " + request.aws_region;
    request.read_answer = &read_aws_answer;
}

Error make_error(std::string code, std::string message, int http_status) {
    bool retry = is_retryable(code, http_status);
    return Error{std::move(code), std::move(message), http_status, retry, ErrorKind::aws};
}

Error transport_error(const HttpResponse& response) {
    std::string message = response.error.empty() ? std::string("no response") : response.error;
    ErrorKind kind = response.local_failure == LocalFailure::no_credentials ? ErrorKind::credentials
                     : response.local_failure == LocalFailure::no_region    ? ErrorKind::config
                                                                            : ErrorKind::transport;
    return Error{"transport", std::move(message), 0, !response.failed_for_good(), kind};
}

Error unreadable_body_error(const HttpResponse& response, std::string_view what) {
    // Keep a short excerpt: an HTML error page from a proxy says more than "parse".
    std::string excerpt = response.body.substr(0, 120);
    for (char& c : excerpt)
        if (c == '\n' || c == '\r') c = ' ';
    std::string message = std::string(what) + " (HTTP " + std::to_string(response.status) + ")";
    if (!excerpt.empty()) message += ": " + excerpt;
    if (response.status >= 400) {
        Error error = make_error("HTTP " + std::to_string(response.status), message, response.status);
        error.kind = ErrorKind::http;  // an error status without an AWS error inside
        return error;
    }
    return Error{"parse", std::move(message), response.status, false, ErrorKind::parse};
}

Error parse_error(std::string message) { return Error{"parse", std::move(message), 200, false, ErrorKind::parse}; }

}  // namespace shipwatch::aws

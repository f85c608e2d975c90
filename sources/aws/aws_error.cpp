#include "sources/aws/aws_error.hpp"

#include <array>

namespace shipwatch::aws {

bool is_retryable(std::string_view code, int http_status) {
    // Expired credentials are retried too: the signing transport has dropped them from its cache
    // (CredentialsProvider::expired), so the next attempt signs with freshly resolved ones.
    static constexpr std::array<std::string_view, 7> throttling{
        "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
        "RequestThrottled", "ExpiredToken", "ExpiredTokenException"};
    for (auto t : throttling)
        if (code == t) return true;
    return http_status == 429 || http_status >= 500;
}

std::string bare_error_code(std::string_view raw) {
    if (auto hash = raw.rfind('#'); hash != std::string_view::npos) raw.remove_prefix(hash + 1);
    if (auto colon = raw.find(':'); colon != std::string_view::npos) raw = raw.substr(0, colon);
    return std::string(raw);
}

ApiError make_error(std::string code, std::string message, int http_status) {
    bool retry = is_retryable(code, http_status);
    return ApiError{std::move(code), std::move(message), http_status, retry};
}

ApiError transport_error(const HttpResponse& response) {
    std::string message = response.error.empty() ? std::string("no response") : response.error;
    return ApiError{"transport", std::move(message), 0, true};
}

ApiError unreadable_body_error(const HttpResponse& response, std::string_view what) {
    // Keep a short excerpt: an HTML error page from a proxy says more than "parse".
    std::string excerpt = response.body.substr(0, 120);
    for (char& c : excerpt)
        if (c == '\n' || c == '\r') c = ' ';
    std::string message = std::string(what) + " (HTTP " + std::to_string(response.status) + ")";
    if (!excerpt.empty()) message += ": " + excerpt;
    if (response.status >= 400) return make_error("HTTP " + std::to_string(response.status), message, response.status);
    return ApiError{"parse", std::move(message), response.status, false};
}

}  // namespace shipwatch::aws

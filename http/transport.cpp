#include "http/transport.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include <curl/curl.h>

namespace shipwatch {
namespace {

unsigned char lower(unsigned char c) { return static_cast<unsigned char>(std::tolower(c)); }

// Owns one string part handed out by curl_url_get.
std::string url_part(CURLU* url, CURLUPart part) {
    char* text = nullptr;
    if (curl_url_get(url, part, &text, 0) != CURLUE_OK || text == nullptr) return {};
    std::string out(text);
    curl_free(text);
    return out;
}

}  // namespace

bool HeaderLess::operator()(const std::string& a, const std::string& b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                        [](char x, char y) { return lower(x) < lower(y); });
}

AnswerReading read_status(const HttpResponse& response) {
    AnswerReading reading;
    reading.retryable = response.status == 429 || response.status >= 500;
    reading.source_broken = !reading.retryable && (response.status == 401 || response.status == 403);
    reading.description = "HTTP " + std::to_string(response.status);
    return reading;
}

HttpResponse too_large_response(const HttpRequest& request) {
    HttpResponse response;
    response.error = "answer larger than " + byte_size_text(request.max_answer_bytes);
    response.local_failure = LocalFailure::answer_too_large;
    return response;
}

HttpResponse cancelled_response() {
    HttpResponse response;
    response.error = "cancelled";
    response.local_failure = LocalFailure::cancelled;
    return response;
}

std::string source_name(const HttpRequest& request) {
    return request.source.empty() ? split_url(request.url).host : request.source;
}

UrlParts split_url(const std::string& url) {
    std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> handle(curl_url(), &curl_url_cleanup);
    if (!handle || curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return {};
    UrlParts parts;
    parts.scheme = url_part(handle.get(), CURLUPART_SCHEME);
    parts.host = url_part(handle.get(), CURLUPART_HOST);
    parts.path = url_part(handle.get(), CURLUPART_PATH);
    parts.query = url_part(handle.get(), CURLUPART_QUERY);
    // The scheme's default port when none is written, so callers can always connect.
    char* port = nullptr;
    if (curl_url_get(handle.get(), CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK && port) {
        parts.port = std::atoi(port);
        curl_free(port);
    }
    if (parts.path.empty()) parts.path = "/";
    return parts;
}

// libcurl ignores the handle of the escape functions since 7.82, so none is needed.
std::string url_encode(const std::string& text) {
    char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
    if (escaped == nullptr) return {};
    std::string out(escaped);
    curl_free(escaped);
    return out;
}

std::string url_decode(const std::string& text) {
    std::string plus_as_space = text;
    std::replace(plus_as_space.begin(), plus_as_space.end(), '+', ' ');
    int length = 0;
    char* decoded =
        curl_easy_unescape(nullptr, plus_as_space.data(), static_cast<int>(plus_as_space.size()), &length);
    if (decoded == nullptr) return {};
    std::string out(decoded, static_cast<size_t>(length));
    curl_free(decoded);
    return out;
}

std::map<std::string, std::string> parse_form(const std::string& text) {
    std::map<std::string, std::string> fields;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('&', start);
        if (end == std::string::npos) end = text.size();
        std::string pair = text.substr(start, end - start);
        if (!pair.empty()) {
            size_t eq = pair.find('=');
            if (eq == std::string::npos)
                fields[url_decode(pair)] = "";
            else
                fields[url_decode(pair.substr(0, eq))] = url_decode(pair.substr(eq + 1));
        }
        start = end + 1;
    }
    return fields;
}

}  // namespace shipwatch

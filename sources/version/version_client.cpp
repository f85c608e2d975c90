#include "sources/version/version_client.hpp"

#include <nlohmann/json.hpp>

#include "model/redact.hpp"
#include "model/revision.hpp"

namespace shipwatch {
namespace {

constexpr size_t kShortBody = 64;

std::string trimmed(const std::string& text) {
    const char* space = " \t\r\n";
    size_t first = text.find_first_not_of(space);
    if (first == std::string::npos) return {};
    return text.substr(first, text.find_last_not_of(space) - first + 1);
}

// The member a JSON pointer names, as text; sets `error` when it cannot.
std::string pointed_value(const std::string& body, const std::string& pointer, std::string& error) {
    auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
        error = "response is not JSON";
        return {};
    }
    try {
        nlohmann::json::json_pointer ptr(pointer);
        if (!doc.contains(ptr)) {
            error = "no member at " + pointer;
            return {};
        }
        const auto& value = doc.at(ptr);
        if (value.is_string()) return value.get<std::string>();
        if (value.is_number() || value.is_boolean()) return value.dump();
        error = "member at " + pointer + " is not a string or number";
    } catch (const nlohmann::json::exception& e) {
        error = "bad JSON pointer \"" + pointer + "\": " + e.what();
    }
    return {};
}

}  // namespace

// The fragment is never sent; credentials in the URL are never shown.
ErrorContext version_call(const std::string& url) {
    return ErrorContext{"GET " + redact_url(url.substr(0, url.find('#'))), "", "", ""};
}

AnswerReading read_version_answer(const HttpResponse& response) {
    AnswerReading reading = read_status(response);
    auto doc = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_object())
        for (const char* key : {"message", "Message"})
            if (auto it = doc.find(key); it != doc.end() && it->is_string() && !it->get<std::string>().empty()) {
                reading.description += ": " + it->get<std::string>();
                break;
            }
    return reading;
}

VersionObservation fetch_version(Transport& transport, const std::string& url, const std::string& json_pointer,
                                 TimePoint now) {
    VersionObservation obs;
    obs.time = now;
    obs.url = redact_url(url);  // what is shown; the request below carries the real one
    HttpRequest request;
    request.method = "GET";
    request.url = url;
    request.headers["Accept"] = json_pointer.empty() ? "*/*" : "application/json";
    request.headers["User-Agent"] = "shipwatch";
    request.source = split_url(url).host;
    request.budget = "version";
    request.read_answer = &read_version_answer;
    request.max_answer_bytes = kMaxVersionAnswerBytes;  // an endless body stops at 64 KiB, not 4 MiB
    HttpResponse response = transport.send(request);
    obs.http_status = response.status;
    if (response.transport_failed()) {
        obs.error = response.error.empty() ? "no response" : response.error;
        return obs;
    }
    if (response.status < 200 || response.status >= 300) {
        obs.error = "HTTP " + std::to_string(response.status);
        return obs;
    }
    if (!json_pointer.empty()) {
        obs.reported = pointed_value(response.body, json_pointer, obs.error);
        return obs;
    }
    // Same hex-run rule the revision tracer uses, so what we report is what it can match.
    if (auto runs = hex_runs(response.body); !runs.empty()) {
        obs.reported = runs.front();
        return obs;
    }
    std::string body = trimmed(response.body);
    if (!body.empty() && body.size() <= kShortBody && body.find('\n') == std::string::npos)
        obs.reported = body;
    else
        obs.error = "no version in the response (no commit hash, and not a short one-line body)";
    return obs;
}

}  // namespace shipwatch

#include "http/event_stream.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "http/curl_transport.hpp"

namespace shipwatch {

bool EventStreamParser::feed(std::string_view bytes, const EventHandler& on_event) {
    for (char c : bytes) {
        if (c == '\n' && after_cr_) {
            after_cr_ = false;
            continue;
        }
        after_cr_ = c == '\r';
        if (c == '\n' || c == '\r') {
            line(pending_, on_event);
            pending_.clear();
            continue;
        }
        pending_ += c;
        if (pending_.size() + building_.data.size() > max_event_bytes_) return false;
    }
    return true;
}

void EventStreamParser::line(std::string_view text, const EventHandler& on_event) {
    if (text.empty()) {  // dispatch
        if (has_data_) {
            building_.id = last_id_;
            on_event(std::move(building_));
        }
        building_ = StreamEvent{};
        has_data_ = false;
        return;
    }
    if (text.front() == ':') return;
    auto colon = text.find(':');
    std::string_view field = text.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
        if (has_data_) building_.data += '\n';
        building_.data += value;
        has_data_ = true;
    } else if (field == "event") {
        building_.event = std::string(value);
    } else if (field == "id" && value.find('\0') == std::string_view::npos) {
        last_id_ = std::string(value);
    }  // "retry" and unknown fields: the caller paces its reconnects itself
}

namespace {

struct Transfer {
    CURL* handle;
    EventStreamParser parser;
    const EventHandler& on_event;
    std::stop_token stop;
    long status = 0;  // 0 until the body begins
    std::string refusal;  // the start of an error answer's body, to say why
    std::optional<std::string> problem;
};

constexpr size_t kRefusalBytes = 4096;

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto& t = *static_cast<Transfer*>(user);
    size_t n = size * count;
    if (t.status == 0) {
        curl_easy_getinfo(t.handle, CURLINFO_RESPONSE_CODE, &t.status);
        const char* type = nullptr;
        curl_easy_getinfo(t.handle, CURLINFO_CONTENT_TYPE, &type);
        if (t.status == 200 && (!type || std::string_view(type).find("text/event-stream") == std::string_view::npos)) {
            t.problem = fmt::format("the server answered {} instead of an event stream: is this a shipwatch server?",
                                    type ? type : "no content type");
            return 0;
        }
    }
    if (t.status != 200) {
        t.refusal.append(data, std::min(n, kRefusalBytes - std::min(kRefusalBytes, t.refusal.size())));
        return n;
    }
    if (!t.parser.feed(std::string_view(data, n), t.on_event)) {
        t.problem = "an event larger than the bound on one event: the stream was ended";
        return 0;
    }
    return n;
}

// The `message` of a shipwatch server's JSON refusal, else the body's first line.
std::string refusal_text(const std::string& body) {
    const std::string key = "\"message\":\"";
    if (auto at = body.find(key); at != std::string::npos) {
        auto end = body.find('"', at + key.size());
        return body.substr(at + key.size(), end == std::string::npos ? std::string::npos : end - at - key.size());
    }
    return body.substr(0, std::min(body.find('\n'), size_t{200}));
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<Transfer*>(user)->stop.stop_requested() ? 1 : 0;
}

}  // namespace

std::optional<std::string> read_event_stream(const EventStreamOptions& o, const EventHandler& on_event) {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) return "no curl handle";
    curl_slist* list = nullptr;
    list = curl_slist_append(list, "Accept: text/event-stream");
    for (const auto& [name, value] : o.headers) list = curl_slist_append(list, (name + ": " + value).c_str());
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(list, &curl_slist_free_all);
    CURL* h = curl.get();
    Transfer t{h, EventStreamParser(o.max_event_bytes), on_event, o.stop};
    curl_easy_setopt(h, CURLOPT_URL, o.url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_USERAGENT, default_user_agent().c_str());
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
    // Silence: fewer than one byte a second for idle_timeout ends the transfer.
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(o.idle_timeout).count()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!o.ca_bundle.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, o.ca_bundle.c_str());
    CURLcode code = curl_easy_perform(h);
    if (o.stop.stop_requested()) return std::nullopt;
    if (t.problem) return t.problem;
    long status = t.status;
    if (status == 0) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (code == CURLE_OK && status != 200)
        return fmt::format("the server answered HTTP {}{}", status, t.refusal.empty() ? "" : ": " + refusal_text(t.refusal));
    if (code == CURLE_OPERATION_TIMEDOUT && status == 200)
        return fmt::format("no event nor keepalive for {}s",
                           std::chrono::duration_cast<std::chrono::seconds>(o.idle_timeout).count());
    if (code != CURLE_OK) return std::string(curl_easy_strerror(code));
    return std::string("the server closed the stream");
}

}  // namespace shipwatch

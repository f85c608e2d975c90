#include "http/request_counts.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "http/log_transport.hpp"

namespace shipwatch {
namespace {

// The literal words of the GitHub, OCI distribution and token routes shipwatch asks.
constexpr std::array<std::string_view, 14> kRouteWords{"repos", "commits", "actions", "runs", "jobs", "workflows",
                                                        "v2", "manifests", "tags", "list", "blobs", "token",
                                                        "rate_limit", "pulls"};

bool is_route_word(std::string_view segment) {
    for (auto w : kRouteWords)
        if (segment == w) return true;
    return false;
}

// Throttling answers as the APIs shipwatch asks spell them (AWS JSON, Query XML, GitHub, OCI).
bool says_throttled(const HttpResponse& response) {
    if (response.status == 429) return true;
    if (response.status < 400) return false;
    for (std::string_view word : {"Throttl", "RequestLimitExceeded", "SlowDown", "rate limit", "TOOMANYREQUESTS"})
        if (response.body.find(word) != std::string::npos) return true;
    return false;
}

}  // namespace

std::string counted_operation(const HttpRequest& request) {
    if (!request.aws_service.empty()) {
        std::string op = operation_of(request);  // "ecs:DescribeServices"
        auto colon = op.find(':');
        return colon == std::string::npos ? op : op.substr(colon + 1);
    }
    if (request.budget == "version") return "GET";  // the endpoint's own path is the user's
    std::string path = split_url(request.url).path;
    std::string out;
    size_t start = 1;
    while (start <= path.size()) {
        size_t end = std::min(path.find('/', start), path.size());
        std::string_view segment(path.data() + start, end - start);
        if (is_route_word(segment)) out += "/" + std::string(segment);
        else if (!segment.empty() && !out.ends_with("/{}")) out += "/{}";  // names in a row: one "{}"
        start = end + 1;
    }
    return out.empty() ? "/" : out;
}

std::string counted_outcome(const HttpResponse& response) {
    if (response.transport_failed()) return "transport";
    if (says_throttled(response)) return "throttled";
    return response.status >= 400 ? "error" : "ok";
}

void RequestCounts::record(const HttpRequest& request, const HttpResponse& response) {
    if (response.cancelled()) return;  // given up here, never sent or never answered: no request of the API's
    std::string service = !request.aws_service.empty() ? request.aws_service
                          : !request.budget.empty()    ? request.budget
                                                       : std::string("other");
    auto key = std::make_tuple(std::move(service), counted_operation(request), counted_outcome(response));
    std::lock_guard lock(mutex_);
    ++counts_[key];
}

std::vector<RequestCount> RequestCounts::counts() const {
    std::lock_guard lock(mutex_);
    std::vector<RequestCount> out;
    out.reserve(counts_.size());
    for (const auto& [key, n] : counts_) out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), n});
    return out;
}

RequestCounts& request_counts() {
    static RequestCounts counts;
    return counts;
}

}  // namespace shipwatch

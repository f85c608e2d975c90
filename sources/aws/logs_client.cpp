// Amazon CloudWatch Logs (JSON 1.1). Shapes: botocore/data/logs/2014-03-28/service-2.json.
#include <algorithm>

#include "sources/aws/batches.hpp"
#include "sources/aws/clients.hpp"
#include "sources/aws/json_protocol.hpp"

namespace shipwatch::aws {
namespace {

using nlohmann::json;

constexpr size_t kMaxLimit = 10000;  // FilterLogEvents limit

// A double-quoted term matches the literal text, including spaces and punctuation.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
std::string literal_pattern(const std::string& literal) {
    std::string pattern = "\"";
    for (char c : literal) {
        if (c == '"' || c == '\\') pattern += '\\';
        pattern += c;
    }
    return pattern + "\"";
}

Result<std::vector<LogMatch>> filter(const AwsContext& ctx, const std::string& log_group, const std::string& literal,
                                     TimePoint since, size_t limit) {
    std::vector<LogMatch> matches;
    if (limit == 0) return matches;  // the API's limit is 1..10000
    std::string token;
    PageCount count{kMaxLogPages};
    do {
        json body{{"logGroupName", log_group},
                  {"filterPattern", literal_pattern(literal)},
                  {"startTime", since.time_since_epoch().count()},
                  {"limit", std::min(limit - matches.size(), kMaxLimit)}};
        if (!token.empty()) body["nextToken"] = token;
        auto answer = call_json(ctx, ServiceId::logs, "Logs_20140328.FilterLogEvents", body);
        if (!answer) return answer.error();
        for (const json& event : json_array(answer.value(), "events")) {
            if (matches.size() >= limit) break;
            // Event timestamps are epoch milliseconds, unlike the seconds of other JSON services.
            matches.push_back({TimePoint{Duration{json_int(event, "timestamp")}}, json_string(event, "logStreamName"),
                               json_string(event, "message")});
        }
        // Pages may be empty while the search continues; only the token says when it is done.
        token = next_token(token, json_string(answer.value(), "nextToken"));
        if (matches.size() < limit && count.over(token)) return listing_did_not_end("FilterLogEvents", count.max);
    } while (!token.empty() && matches.size() < limit);
    std::stable_sort(matches.begin(), matches.end(), [](const LogMatch& a, const LogMatch& b) { return a.time < b.time; });
    return matches;
}

}  // namespace

Result<std::vector<LogMatch>> LogsClient::filter(const std::string& log_group, const std::string& literal,
                                                 TimePoint since, size_t limit) const {
    return in_context(aws::filter(ctx_, log_group, literal, since, limit),
                      call_context(ctx_, ServiceId::logs, "FilterLogEvents", "log group " + log_group));
}

}  // namespace shipwatch::aws

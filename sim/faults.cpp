// Fault rules: parsing, matching (deterministic: the first K calls, or an even share of them),
// and what each fault does to an answer in its protocol's own shape.
#include "sim/faults.hpp"

#include <atomic>

#include <fnmatch.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <span>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "sim/handlers.hpp"

namespace shipwatch::sim {
namespace {

using nlohmann::json;

struct KindName {
    FaultKind kind;
    std::string_view name;
};
constexpr KindName kKinds[] = {
    {FaultKind::throttle, "throttle"},
    {FaultKind::error500, "500"},
    {FaultKind::error503, "503"},
    {FaultKind::refuse, "refuse"},
    {FaultKind::slow, "slow"},
    {FaultKind::truncate, "truncate"},
    {FaultKind::malformed, "malformed"},
    {FaultKind::bad_enum, "bad-enum"},
    {FaultKind::missing_fields, "missing-fields"},
    {FaultKind::expired_credentials, "expired-credentials"},
    {FaultKind::rate_limit, "rate-limit"},
    {FaultKind::endless_pages, "endless-pages"},
    {FaultKind::missing_tasks, "missing-tasks"},
};

// Members the clients cannot do without, and status-like members with a closed set of values.
// missing_fields removes the former, bad_enum rewrites the latter.
constexpr std::string_view kRequiredJson[] = {"taskDefinition", "taskDefinitionArn", "deployments", "lastStatus",
                                              "imageDigest", "imagePushedAt", "buildStatus", "sha", "head_sha"};
constexpr std::string_view kEnumJson[] = {"status", "rolloutState", "lastStatus", "buildStatus", "conclusion"};
constexpr std::string_view kRequiredXml[] = {"TargetHealth", "instanceState"};

bool in(std::string_view key, std::span<const std::string_view> set) {
    return std::find(set.begin(), set.end(), key) != set.end();
}

std::string trim(std::string_view s) {
    size_t b = s.find_first_not_of(" \t");
    size_t e = s.find_last_not_of(" \t");
    return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

bool pattern_matches(const std::string& pattern, std::string_view family, const std::string& operation,
                     const std::string& region) {
    std::string glob = pattern;
    std::string region_glob = "*";
    if (auto at = pattern.find('@'); at != std::string::npos) {
        glob = pattern.substr(0, at);
        region_glob = pattern.substr(at + 1);
    }
    if (region_glob != "*" && (region.empty() || fnmatch(region_glob.c_str(), region.c_str(), 0) != 0)) return false;
    if (glob == "*" || glob == family) return true;
    if (glob.find(':') == std::string::npos) glob += ":*";  // a service: all of its operations
    return fnmatch(glob.c_str(), operation.c_str(), 0) == 0;
}

void walk_json(json& value, FaultKind kind) {
    if (value.is_array()) {
        for (auto& item : value) walk_json(item, kind);
        return;
    }
    if (!value.is_object()) return;
    if (kind == FaultKind::missing_fields) {
        for (auto key : kRequiredJson) value.erase(std::string(key));
    }
    for (auto& [key, member] : value.items()) {
        if (kind == FaultKind::bad_enum && member.is_string() && in(key, kEnumJson))
            member = std::string(kUnexpectedEnum);
        else walk_json(member, kind);
    }
}

void walk_xml(pugi::xml_node node, FaultKind kind) {
    for (pugi::xml_node child = node.first_child(); child;) {
        pugi::xml_node next = child.next_sibling();
        std::string_view name = child.name();
        if (kind == FaultKind::missing_fields && in(name, kRequiredXml)) {
            node.remove_child(child);
        } else if (kind == FaultKind::bad_enum && child.type() == pugi::node_element &&
                   (name == "State" || (name == "name" && std::string_view(node.name()) == "instanceState"))) {
            child.text().set(std::string(kUnexpectedEnum).c_str());
        } else {
            walk_xml(child, kind);
        }
        child = next;
    }
}

bool is_xml(Protocol p) { return p == Protocol::aws_query_elbv2 || p == Protocol::aws_query_ec2; }

HttpResponse aws_error(Protocol protocol, int status, std::string_view code, std::string_view message,
                       const std::string& request_id) {
    if (protocol == Protocol::aws_query_ec2)
        return detail::query_fault(detail::QueryService::ec2, status, code, message, request_id);
    if (protocol == Protocol::aws_query_elbv2)
        return detail::query_fault(detail::QueryService::elbv2, status, code, message, request_id);
    HttpResponse r;
    r.status = status;
    r.headers["Content-Type"] = "application/x-amz-json-1.1";
    r.headers["x-amzn-RequestId"] = request_id;
    r.body = json{{"__type", code}, {"message", message}}.dump();
    return r;
}

HttpResponse plain(int status, std::string body, std::string content_type = "application/json") {
    HttpResponse r;
    r.status = status;
    r.headers["Content-Type"] = std::move(content_type);
    r.body = std::move(body);
    return r;
}

}  // namespace

std::string_view to_string(FaultKind kind) {
    for (const auto& k : kKinds)
        if (k.kind == kind) return k.name;
    return "?";
}

std::vector<std::string_view> fault_kind_names() {
    std::vector<std::string_view> out;
    for (const auto& k : kKinds) out.push_back(k.name);
    return out;
}

Result<FaultRule> parse_fault(std::string_view spec) {
    auto error = [&](const std::string& what) {
        return Error{"usage", fmt::format("--fault '{}': {}", spec, what), 0, false, ErrorKind::usage};
    };
    FaultRule rule;
    rule.spec = std::string(spec);
    size_t eq = spec.find('=');
    if (eq == std::string_view::npos)
        return error("expected PATTERN=KIND[,first=K][,rate=R][,delay=D], e.g. ecs:DescribeServices=500");
    rule.pattern = trim(spec.substr(0, eq));
    if (rule.pattern.empty()) return error("the pattern before '=' is empty (use * for every operation)");
    std::vector<std::string> parts;
    std::stringstream rest{std::string(spec.substr(eq + 1))};
    for (std::string part; std::getline(rest, part, ',');) parts.push_back(trim(part));
    if (parts.empty() || parts[0].empty()) return error("no fault kind after '='");
    auto kind = std::find_if(std::begin(kKinds), std::end(kKinds), [&](const KindName& k) { return k.name == parts[0]; });
    if (kind == std::end(kKinds))
        return error(fmt::format("unknown kind '{}': one of {}", parts[0], fmt::join(fault_kind_names(), ", ")));
    rule.kind = kind->kind;
    for (size_t i = 1; i < parts.size(); ++i) {
        size_t at = parts[i].find('=');
        std::string key = parts[i].substr(0, at);
        std::string value = at == std::string::npos ? "" : parts[i].substr(at + 1);
        if (key == "first") {
            auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), rule.first);
            if (ec != std::errc{} || p != value.data() + value.size() || rule.first <= 0)
                return error(fmt::format("first={} is not a whole number above 0", value));
        } else if (key == "rate") {
            char* end = nullptr;
            rule.rate = std::strtod(value.c_str(), &end);
            if (value.empty() || *end != '\0' || !(rule.rate > 0 && rule.rate <= 1))
                return error(fmt::format("rate={} is not a share between 0 (excluded) and 1", value));
        } else if (key == "delay") {
            auto d = parse_duration(value);
            if (!d || d->count() <= 0) return error(fmt::format("delay={} is not a duration like 8s", value));
            rule.delay = *d;
        } else {
            return error(fmt::format("unknown option '{}': first=K, rate=R or delay=D", parts[i]));
        }
    }
    return rule;
}

void FaultPlan::set(std::vector<FaultRule> rules) {
    std::lock_guard lock(mutex_);
    rules_ = std::move(rules);
    hits_.assign(rules_.size(), {});
}

void FaultPlan::add(FaultRule rule) {
    std::lock_guard lock(mutex_);
    rules_.push_back(std::move(rule));
    hits_.emplace_back();
}

std::vector<FaultRule> FaultPlan::rules() const {
    std::lock_guard lock(mutex_);
    return rules_;
}

std::optional<FaultRule> FaultPlan::take(std::string_view family, const std::string& operation,
                                         const std::string& region) {
    std::lock_guard lock(mutex_);
    std::optional<FaultRule> fired;
    for (size_t i = 0; i < rules_.size(); ++i) {
        const FaultRule& rule = rules_[i];
        if (!pattern_matches(rule.pattern, family, operation, region)) continue;
        long long n = ++hits_[i][operation];  // this call is the n-th match of this operation
        bool fires = rule.first > 0 ? n <= rule.first
                                    : std::floor(static_cast<double>(n) * rule.rate) >
                                          std::floor(static_cast<double>(n - 1) * rule.rate);
        if (fires && !fired) fired = rule;
    }
    return fired;
}

std::optional<HttpResponse> fault_answer(const FaultRule& rule, Protocol protocol, const std::string& request_id) {
    const bool aws = protocol != Protocol::github && protocol != Protocol::http;
    switch (rule.kind) {
        case FaultKind::throttle:
            if (protocol == Protocol::aws_query_ec2)
                return aws_error(protocol, 503, "RequestLimitExceeded", "Request limit exceeded.", request_id);
            if (protocol == Protocol::aws_query_elbv2) return aws_error(protocol, 400, "Throttling", "Rate exceeded", request_id);
            if (aws) return aws_error(protocol, 400, "ThrottlingException", "Rate exceeded", request_id);
            if (protocol == Protocol::github) {
                HttpResponse r = plain(403, json{{"message", "You have exceeded a secondary rate limit. Please wait a few "
                                                             "minutes before you try again."}}.dump());
                r.headers["retry-after"] = "1";
                return r;
            }
            return plain(429, "Too Many Requests\n", "text/plain");
        case FaultKind::error500:
            if (aws) return aws_error(protocol, 500, "InternalFailure", "We encountered an internal error. Please try again.", request_id);
            return plain(500, protocol == Protocol::github ? json{{"message", "Server Error"}}.dump() : "Internal Server Error\n",
                         protocol == Protocol::github ? "application/json" : "text/plain");
        case FaultKind::error503:
            if (aws) return aws_error(protocol, 503, "ServiceUnavailable", "Service is unavailable. Please try again later.", request_id);
            return plain(503, "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>\n", "text/html");
        case FaultKind::expired_credentials:
            if (protocol == Protocol::aws_json)
                return aws_error(protocol, 400, "ExpiredTokenException", "The security token included in the request is expired", request_id);
            if (is_xml(protocol))
                return aws_error(protocol, 400, "ExpiredToken", "The security token included in the request is expired", request_id);
            return std::nullopt;
        case FaultKind::rate_limit: {
            if (protocol != Protocol::github) return std::nullopt;
            HttpResponse r = plain(403, json{{"message", "API rate limit exceeded for 203.0.113.7. (But here's the good news: "
                                                         "Authenticated requests get a higher rate limit.)"},
                                             {"documentation_url", "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}}
                                            .dump());
            // Resets are wall-clock epoch seconds, whatever time the simulated world is at.
            auto wall = std::chrono::system_clock::now().time_since_epoch();
            long long reset = std::chrono::duration_cast<std::chrono::seconds>(wall + rule.delay).count();
            r.headers["x-ratelimit-limit"] = "60";
            r.headers["x-ratelimit-remaining"] = "0";
            r.headers["x-ratelimit-used"] = "60";
            r.headers["x-ratelimit-reset"] = std::to_string(reset);
            return r;
        }
        default:
            return std::nullopt;
    }
}

namespace {

// DescribeTasks answering some running tasks as failures, as ECS does for a task it lost track of:
// the first, third, ... RUNNING task moves to failures[] as {arn, reason: MISSING, detail}
// (Failure in botocore's ecs/2014-11-13 model); the answer stays a valid DescribeTasksResponse.
void move_running_to_failures(json& doc) {
    if (!doc.is_object() || !doc.contains("tasks") || !doc["tasks"].is_array()) return;
    json kept = json::array();
    json& failures = doc["failures"];
    if (!failures.is_array()) failures = json::array();
    size_t running = 0;
    for (auto& task : doc["tasks"]) {
        bool is_running = task.is_object() && task.value("lastStatus", "") == "RUNNING";
        if (is_running && running++ % 2 == 0 && task.contains("taskArn")) {
            failures.push_back({{"arn", task["taskArn"]}, {"reason", "MISSING"},
                                {"detail", "the task is not known to the cluster (simulated)"}});
        } else {
            kept.push_back(std::move(task));
        }
    }
    doc["tasks"] = std::move(kept);
}

}  // namespace

void damage_answer(const FaultRule& rule, Protocol protocol, HttpResponse& answer) {
    std::string& body = answer.body;
    switch (rule.kind) {
        case FaultKind::missing_tasks: {
            if (answer.status != 200 || protocol != Protocol::aws_json) return;
            json doc = json::parse(body, nullptr, false);
            move_running_to_failures(doc);
            if (!doc.is_discarded()) body = doc.dump();
            return;
        }
        case FaultKind::endless_pages: {
            // A fresh token every time: a client that only stops on a repeated token never stops.
            if (answer.status != 200 || protocol != Protocol::aws_json) return;
            json doc = json::parse(body, nullptr, false);
            if (!doc.is_object()) return;
            static std::atomic<unsigned long long> counter{0};
            doc["nextToken"] = fmt::format("{}{:016x}", kEndlessTokenPrefix, ++counter);
            body = doc.dump();
            return;
        }
        case FaultKind::truncate:
            body.resize(body.size() / 2);
            return;
        case FaultKind::malformed:
            if (is_xml(protocol)) {
                // A closing tag turned into an opening one: the document never closes.
                if (auto at = body.rfind("</"); at != std::string::npos) body.erase(at + 1, 1);
            } else if (auto at = body.find(':'); at != std::string::npos) {
                body[at] = ',';  // {"services", [...]}: no longer JSON
            } else {
                body = "<html><body>502 Bad Gateway</body></html>";
            }
            return;
        case FaultKind::bad_enum:
        case FaultKind::missing_fields:
            if (answer.status != 200) return;
            if (is_xml(protocol)) {
                pugi::xml_document doc;
                if (!doc.load_buffer(body.data(), body.size())) return;
                walk_xml(doc, rule.kind);
                std::ostringstream out;
                doc.save(out, "", pugi::format_raw);
                body = out.str();
            } else {
                json doc = json::parse(body, nullptr, false);
                if (doc.is_discarded()) return;
                walk_json(doc, rule.kind);
                body = doc.dump();
            }
            return;
        default:
            return;
    }
}

}  // namespace shipwatch::sim

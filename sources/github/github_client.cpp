// GitHub REST API v3 (2022-11-28). https://docs.github.com/en/rest
#include "sources/answer_checks.hpp"
#include "sources/github/github_client.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/time.hpp"
#include "sources/bounded_json.hpp"

namespace shipwatch::github {
namespace {

// However many `next` links a server offers (a bug, a proxy replaying the same page), a listing
// stops after this many pages: 1,000 items at 100 a page.
constexpr int kMaxPages = 10;


using nlohmann::json;

constexpr int kMaxPerPage = 100;

std::string header(const Headers& headers, const std::string& name) {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

// Link: <https://api.github.com/...&page=2>; rel="next", <...>; rel="last"
std::string next_link(const std::string& link) {
    size_t start = 0;
    while (start < link.size()) {
        size_t end = link.find(',', start);
        if (end == std::string::npos) end = link.size();
        std::string part = link.substr(start, end - start);
        if (part.find("rel=\"next\"") != std::string::npos) {
            size_t open = part.find('<');
            size_t close = part.find('>', open);
            if (open != std::string::npos && close != std::string::npos) return part.substr(open + 1, close - open - 1);
        }
        start = end + 1;
    }
    return {};
}

// "https://host:port" with the scheme's default port made explicit, the host in lower case.
std::string origin_of(const std::string& url) {
    UrlParts u = split_url(url);
    std::string host = u.host;
    std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
    int port = u.port != 0 ? u.port : u.scheme == "https" ? 443 : u.scheme == "http" ? 80 : 0;
    return fmt::format("{}://{}:{}", u.scheme, host, port);
}

bool same_origin(const std::string& a, const std::string& b) { return origin_of(a) == origin_of(b); }

std::string str(const json& o, const char* key) {
    if (!o.is_object()) return {};
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A nested object, or an empty one when absent (GitHub sends null for unknown authors).
const json& object_at(const json& o, const char* key) {
    static const json empty = json::object();
    if (!o.is_object()) return empty;
    auto it = o.find(key);
    return it != o.end() && it->is_object() ? *it : empty;
}

const json& array_at(const json& o, const char* key) {
    static const json empty = json::array();
    if (!o.is_object()) return empty;
    auto it = o.find(key);
    return it != o.end() && it->is_array() ? *it : empty;
}

Error parse_error(std::string message) { return Error{"parse", std::move(message), 200, false, ErrorKind::parse}; }

// A page's JSON within the bounds of sources/bounded_json.hpp; past them, an error naming the page.
Result<json> page_json(const std::string& body, const std::string& what) {
    BoundedJson parsed = parse_bounded_json(body);
    if (!parsed.problem.empty()) return parse_error(what + ": answer has " + parsed.problem);
    return std::move(parsed.value);
}

// An error answer of the API itself: its status as the code, kind github.
Error answer_error(std::string code, std::string message, int status, bool retryable) {
    return Error{std::move(code), std::move(message), status, retryable, ErrorKind::github};
}

// Parsing never throws out of the client: a surprise in an answer becomes an Error of kind parse.
template <typename T, typename Parse>
Result<T> guarded(const std::string& what, Parse&& parse) {
    try {
        return parse();
    } catch (const std::exception& e) {
        return parse_error(what + ": " + e.what());
    }
}

std::optional<long long> header_number(const Headers& headers, const char* name) {
    auto it = headers.find(name);
    if (it == headers.end()) return std::nullopt;
    long long value = 0;
    const std::string& text = it->second;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<TimePoint> time_of(const json& o, const char* key) {
    std::string text = str(o, key);
    return text.empty() ? std::nullopt : parse_iso8601(text);
}

// Ids are numbers in the API; kept as text in the model.
std::string id_text(const json& o, const char* key) {
    if (!o.is_object()) return {};
    auto it = o.find(key);
    if (it == o.end()) return {};
    return it->is_string() ? it->get<std::string>() : it->dump();
}

// A run's or a step's status and conclusion as shipwatch's CI vocabulary: one table each, read
// by the parse and its check. GitHub has more values than the dashboard tells apart (waiting,
// requested and pending are all "queued"; neutral, action_required and stale are "other").
constexpr Spelling<CiStatus> kStatuses[] = {
    {"queued", CiStatus::queued},   {"in_progress", CiStatus::in_progress}, {"completed", CiStatus::completed},
    {"waiting", CiStatus::queued},  {"requested", CiStatus::queued},        {"pending", CiStatus::queued},
};
constexpr Spelling<CiConclusion> kConclusions[] = {
    {"", CiConclusion::none},
    {"success", CiConclusion::success},
    {"failure", CiConclusion::failure},
    {"startup_failure", CiConclusion::failure},
    {"cancelled", CiConclusion::cancelled},
    {"timed_out", CiConclusion::timed_out},
    {"skipped", CiConclusion::skipped},
    {"neutral", CiConclusion::other},
    {"action_required", CiConclusion::other},
    {"stale", CiConclusion::other},
};

CiStatus status_of(const std::string& status) { return require_listed(kStatuses, status, "status"); }

CiConclusion conclusion_of(const std::string& conclusion) {
    return require_listed(kConclusions, conclusion, "conclusion");
}

// "Merge pull request #70 from ..." or a squash merge's "Title (#70)".
std::optional<int> pull_request_of(const std::string& first_line) {
    static const std::regex merge(R"(^Merge pull request #(\d+))");
    static const std::regex squash(R"(\(#(\d+)\)\s*$)");
    std::smatch m;
    if (std::regex_search(first_line, m, merge) || std::regex_search(first_line, m, squash)) return std::stoi(m[1]);
    return std::nullopt;
}

Commit parse_commit(const json& c) {
    Commit out;
    out.sha = require_nonempty(str(c, "sha"), "commit.sha");
    const json& commit = object_at(c, "commit");
    std::string message = str(commit, "message");
    out.message = message.substr(0, message.find('\n'));
    if (!out.message.empty() && out.message.back() == '\r') out.message.pop_back();
    out.author = str(object_at(commit, "author"), "name");
    if (out.author.empty()) out.author = str(object_at(c, "author"), "login");
    out.time = time_of(object_at(commit, "committer"), "date").value_or(TimePoint{});
    out.pull_request = pull_request_of(out.message);
    out.url = str(c, "html_url");
    return out;
}

CiRun parse_run(const json& r) {
    CiRun run;
    run.kind = CiKind::github_actions;
    run.id = id_text(r, "id");
    run.name = str(r, "name");
    run.sha = require_nonempty(str(r, "head_sha"), "workflow_run.head_sha");
    run.branch = str(r, "head_branch");
    if (auto n = r.find("run_number"); n != r.end() && n->is_number_integer()) run.number = n->get<int>();
    run.status = status_of(str(r, "status"));
    run.conclusion = conclusion_of(str(r, "conclusion"));
    auto started = time_of(r, "run_started_at");
    if (!started) started = time_of(r, "created_at");
    run.started = started.value_or(TimePoint{});
    // updated_at is the last change; once completed nothing changes but the end.
    if (run.status == CiStatus::completed) run.finished = time_of(r, "updated_at");
    run.url = str(r, "html_url");
    return run;
}

std::string with_query(std::string path, const std::vector<std::pair<std::string, std::string>>& params) {
    char sep = '?';
    for (const auto& [key, value] : params) {
        if (value.empty()) continue;
        path += sep + key + "=" + url_encode(value);
        sep = '&';
    }
    return path;
}

}  // namespace

AnswerReading read_github_answer(const HttpResponse& response) {
    AnswerReading reading;
    json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    reading.description = "HTTP " + std::to_string(response.status);
    if (std::string message = str(body, "message"); !message.empty()) reading.description += ": " + message;
    bool exhausted = header(response.headers, "x-ratelimit-remaining") == "0";
    if ((response.status == 403 || response.status == 429) && exhausted) {
        reading.rate_limited = true;  // the primary rate limit, an epoch second
        if (auto reset = header_number(response.headers, "x-ratelimit-reset"))
            reading.reset = TimePoint(std::chrono::seconds(*reset));
        return reading;
    }
    reading.retryable = response.status == 429 || response.status >= 500;
    reading.source_broken = !reading.retryable && (response.status == 401 || response.status == 403);
    return reading;
}

void GithubClient::record_rate_limit(const Headers& headers) {
    std::string limit = header(headers, "x-ratelimit-limit");
    std::string remaining = header(headers, "x-ratelimit-remaining");
    std::string reset = header(headers, "x-ratelimit-reset");
    std::lock_guard lock(mutex_);
    if (!limit.empty()) rate_.limit = std::atoi(limit.c_str());
    if (!remaining.empty()) rate_.remaining = std::atoi(remaining.c_str());
    if (!reset.empty()) rate_.reset_epoch = std::atoll(reset.c_str());
}

GithubClient::GithubClient(GithubContext ctx)
    : ctx_(std::move(ctx)), etag_cache_(kEtagEntries, kEtagBytes, [](const std::string& url, const CachedPage& c) {
          return url.size() + c.etag.size() + c.page.body.size() + c.page.next_url.size();
      }) {}

Result<GithubClient::Page> GithubClient::get(const std::string& path_or_url) {
    if (ctx_.transport == nullptr) return error_of(ErrorKind::transport, "transport", "no transport configured");
    HttpRequest request;
    request.source = "github";  // whatever its host: GitHub Enterprise, the simulator
    request.budget = "github";
    request.read_answer = &read_github_answer;
    request.method = "GET";
    request.url = path_or_url.rfind("http", 0) == 0 ? path_or_url : ctx_.api_url + path_or_url;
    // A Link header is the server's word: the token goes to the API's origin only, and a page
    // elsewhere is not fetched at all (it could be anyone's, and the listing would be theirs).
    if (!same_origin(request.url, ctx_.api_url))
        return answer_error("ForeignLink",
                            fmt::format("the next page is on {}, not on the API's origin {}: not followed", origin_of(request.url),
                                        origin_of(ctx_.api_url)),
                            0, false);
    request.headers["Accept"] = "application/vnd.github+json";
    request.headers["X-GitHub-Api-Version"] = "2022-11-28";
    request.headers["User-Agent"] = "shipwatch";
    if (!ctx_.token.empty()) request.headers["Authorization"] = "Bearer " + ctx_.token;
    // The page the ETag stands for, kept here: another thread may evict it before the 304 comes.
    std::optional<CachedPage> cached;
    {
        std::lock_guard lock(mutex_);
        if (const CachedPage* c = etag_cache_.find(request.url)) cached = *c;
    }
    if (cached) request.headers["If-None-Match"] = cached->etag;

    {
        // Exhausted: asking again before the reset only burns goodwill (GitHub may block the
        // token), so answer from the last verdict until then. Resets are wall-clock epochs.
        std::lock_guard lock(mutex_);
        long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
        if (rate_.remaining == 0 && rate_.reset_epoch > now)
            return answer_error("RateLimited",
                                "GitHub rate limit exhausted; resets at " +
                                    format_iso8601(from_epoch_seconds(static_cast<double>(rate_.reset_epoch))) +
                                    " (not asking before then)",
                                403, true);
    }
    HttpResponse response = ctx_.transport->send(request);
    if (response.transport_failed())
        return Error{"transport", response.error.empty() ? "no response" : response.error, 0, true,
                     ErrorKind::transport};
    record_rate_limit(response.headers);

    if (response.status == 304) {
        // A conditional hit costs no rate limit; the cached page is still current.
        if (cached) {
            std::lock_guard lock(mutex_);
            ++not_modified_;
            return cached->page;
        }
        return answer_error("HTTP 304", "not modified, but nothing was asked conditionally for " + request.url, 304, false);
    }
    if (response.status >= 200 && response.status < 300) {
        Page page{response.body, next_link(header(response.headers, "Link"))};
        if (std::string etag = header(response.headers, "ETag"); !etag.empty()) {
            std::lock_guard lock(mutex_);
            etag_cache_.put(request.url, CachedPage{etag, page});
        }
        return page;
    }

    json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    std::string message = str(body, "message");
    if (message.empty()) message = response.body.substr(0, 120);
    std::string remaining = header(response.headers, "x-ratelimit-remaining");
    if ((response.status == 403 || response.status == 429) && remaining == "0") {
        long long reset = std::atoll(header(response.headers, "x-ratelimit-reset").c_str());
        std::string when = reset > 0 ? format_iso8601(from_epoch_seconds(static_cast<double>(reset))) : "unknown";
        return answer_error("RateLimited", "GitHub rate limit exhausted; resets at " + when, response.status, true);
    }
    bool retryable = response.status == 429 || response.status >= 500;
    return answer_error("HTTP " + std::to_string(response.status), message, response.status, retryable);
}

Result<std::vector<Commit>> GithubClient::commits(const std::string& repo, const std::string& branch, int n) {
    return in_context(list_commits(repo, branch, n), {"github:GET /repos/" + repo + "/commits", "branch " + branch});
}

Result<std::vector<CiRun>> GithubClient::workflow_runs(const std::string& repo, const std::string& branch,
                                                       const std::string& workflow, int n) {
    std::string path = workflow.empty() ? "/repos/" + repo + "/actions/runs"
                                        : "/repos/" + repo + "/actions/workflows/" + url_encode(workflow) + "/runs";
    return in_context(list_runs(repo, branch, workflow, n), {"github:GET " + path, "branch " + branch});
}

Result<std::vector<CiStep>> GithubClient::run_steps(const std::string& repo, const std::string& run_id) {
    return in_context(list_steps(repo, run_id),
                      {"github:GET /repos/" + repo + "/actions/runs/" + url_encode(run_id) + "/jobs", "run " + run_id});
}

Result<std::vector<Commit>> GithubClient::list_commits(const std::string& repo, const std::string& branch, int n) {
    std::vector<Commit> out;
    std::string url = with_query("/repos/" + repo + "/commits",
                                 {{"sha", branch}, {"per_page", std::to_string(std::clamp(n, 1, kMaxPerPage))}});
    for (int pages = 0; !url.empty() && static_cast<int>(out.size()) < n && pages < kMaxPages; ++pages) {
        auto page = get(url);
        if (!page) return page.error();
        auto read = page_json(page->body, "commits of " + repo);
        if (!read) return read.error();
        const json& body = read.value();
        if (!body.is_array()) return parse_error("commits of " + repo + ": answer is not a JSON array");
        auto parsed = guarded<std::vector<Commit>>("commits of " + repo, [&] {
            std::vector<Commit> commits;
            for (const json& c : body) commits.push_back(parse_commit(c));
            return commits;
        });
        if (!parsed) return parsed.error();
        for (auto& commit : parsed.value())
            if (static_cast<int>(out.size()) < n) out.push_back(std::move(commit));
        url = page->next_url;
    }
    return out;
}

Result<std::vector<CiRun>> GithubClient::list_runs(const std::string& repo, const std::string& branch,
                                                   const std::string& workflow, int n) {
    std::string path = workflow.empty() ? "/repos/" + repo + "/actions/runs"
                                        : "/repos/" + repo + "/actions/workflows/" + url_encode(workflow) + "/runs";
    std::string url = with_query(path, {{"branch", branch}, {"per_page", std::to_string(std::clamp(n, 1, kMaxPerPage))}});
    std::vector<CiRun> out;
    for (int pages = 0; !url.empty() && static_cast<int>(out.size()) < n && pages < kMaxPages; ++pages) {
        auto page = get(url);
        if (!page) return page.error();
        auto read = page_json(page->body, "workflow runs of " + repo);
        if (!read) return read.error();
        const json& body = read.value();
        if (!body.is_object() || !body.contains("workflow_runs"))
            return parse_error("workflow runs of " + repo + ": no workflow_runs array");
        auto parsed = guarded<std::vector<CiRun>>("workflow runs of " + repo, [&] {
            std::vector<CiRun> runs;
            for (const json& r : array_at(body, "workflow_runs")) runs.push_back(parse_run(r));
            return runs;
        });
        if (!parsed) return parsed.error();
        for (auto& run : parsed.value())
            if (static_cast<int>(out.size()) < n) out.push_back(std::move(run));
        url = page->next_url;
    }
    return out;
}

Result<std::vector<CiStep>> GithubClient::list_steps(const std::string& repo, const std::string& run_id) {
    std::string url = "/repos/" + repo + "/actions/runs/" + url_encode(run_id) + "/jobs?per_page=100";
    std::vector<CiStep> steps;
    for (int pages = 0; !url.empty() && pages < kMaxPages; ++pages) {
        auto page = get(url);
        if (!page) return page.error();
        auto read = page_json(page->body, "jobs of run " + run_id);
        if (!read) return read.error();
        const json& body = read.value();
        if (!body.is_object() || !body.contains("jobs"))
            return parse_error("jobs of run " + run_id + ": no jobs array");
        auto page_steps = guarded<std::vector<CiStep>>("jobs of run " + run_id, [&] {
            std::vector<CiStep> out;
            for (const json& job : array_at(body, "jobs")) {
                std::string job_name = str(job, "name");
                for (const json& s : array_at(job, "steps")) {
                    CiStep step;
                    step.job = job_name;
                    step.name = str(s, "name");
                    step.status = status_of(str(s, "status"));
                    step.conclusion = conclusion_of(str(s, "conclusion"));
                    step.started = time_of(s, "started_at");
                    step.finished = time_of(s, "completed_at");
                    out.push_back(std::move(step));
                }
            }
            return out;
        });
        if (!page_steps) return page_steps.error();
        for (auto& step : page_steps.value()) steps.push_back(std::move(step));
        url = page->next_url;
    }
    return steps;
}

RateLimit GithubClient::rate_limit() const {
    std::lock_guard lock(mutex_);
    return rate_;
}

int GithubClient::not_modified_count() const {
    std::lock_guard lock(mutex_);
    return not_modified_;
}

}  // namespace shipwatch::github

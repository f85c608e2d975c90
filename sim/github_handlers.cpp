// GitHub REST over world.github.<owner/repo>: commits, workflow runs (all or one workflow's),
// and a run's jobs. Objects are stored as GitHub returns them; these filter, page (per_page/page
// with a Link header) and answer conditional requests (ETag / If-None-Match -> 304).
// https://docs.github.com/en/rest/commits/commits#list-commits
// https://docs.github.com/en/rest/actions/workflow-runs
#include <algorithm>

#include <fmt/format.h>

#include "base/digest.hpp"
#include "sim/handlers.hpp"

namespace shipwatch::sim::detail {
namespace {

constexpr int kDefaultPerPage = 30;
constexpr int kMaxPerPage = 100;


std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> parts;
    size_t start = 1;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        if (end > start) parts.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

HttpResponse github_json(int status, const json& body, const HttpRequest& request, TimePoint now) {
    HttpResponse r;
    r.status = status;
    r.headers["Content-Type"] = "application/json; charset=utf-8";
    r.headers["X-GitHub-Api-Version"] = "2022-11-28";
    // The simulated quota never runs out; the headers are there for the client to read.
    r.headers["X-RateLimit-Limit"] = "5000";
    r.headers["X-RateLimit-Remaining"] = "4999";
    r.headers["X-RateLimit-Used"] = "1";
    r.headers["X-RateLimit-Resource"] = "core";
    r.headers["X-RateLimit-Reset"] =
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>((now + std::chrono::hours(1)).time_since_epoch()).count());
    r.body = body.dump();
    if (status != 200) return r;
    const std::string etag = "W/\"" + sha256_hex(r.body).substr(0, 32) + "\"";
    r.headers["ETag"] = etag;
    if (auto seen = request.headers.find("If-None-Match"); seen != request.headers.end() && seen->second == etag) {
        r.status = 304;  // does not count against the rate limit
        r.body.clear();
    }
    return r;
}

HttpResponse not_found(const HttpRequest& request, TimePoint now) {
    return github_json(404, {{"message", "Not Found"}, {"documentation_url", "https://docs.github.com/rest"}, {"status", "404"}},
                       request, now);
}

struct Paging {
    size_t begin = 0;
    size_t end = 0;
    std::string link;  // Link header value, empty on a single page
};

// per_page (default 30, at most 100) and page (from 1); the Link header repeats the query.
Paging page_of(size_t total, const Form& query, const UrlParts& url) {
    auto number = [&](const char* key, int fallback) {
        auto it = query.find(key);
        if (it == query.end()) return fallback;
        try {
            return std::stoi(it->second);
        } catch (const std::exception&) {
            return fallback;
        }
    };
    const int per_page = std::clamp(number("per_page", kDefaultPerPage), 1, kMaxPerPage);
    const int page = std::max(1, number("page", 1));
    const size_t size = static_cast<size_t>(per_page);
    Paging out;
    out.begin = std::min(total, (static_cast<size_t>(page) - 1) * size);
    out.end = std::min(total, out.begin + size);
    const int last = static_cast<int>(std::max<size_t>(1, (total + size - 1) / size));
    auto link = [&](int n, const char* rel) {
        Form q = query;
        q["page"] = std::to_string(n);
        std::string text;
        for (const auto& [k, v] : q) text += (text.empty() ? "" : "&") + url_encode(k) + "=" + url_encode(v);
        return fmt::format("<{}://{}{}?{}>; rel=\"{}\"", url.scheme, url.host, url.path, text, rel);
    };
    std::vector<std::string> links;
    if (page > 1) links.push_back(link(page - 1, "prev"));
    if (page < last) links.push_back(link(page + 1, "next"));
    if (page < last) links.push_back(link(last, "last"));
    if (page > 1) links.push_back(link(1, "first"));
    for (const auto& l : links) out.link += (out.link.empty() ? "" : ", ") + l;
    return out;
}

json slice(const std::vector<const json*>& items, const Paging& p) {
    json out = json::array();
    for (size_t i = p.begin; i < p.end; ++i) out.push_back(*items[i]);
    return out;
}

HttpResponse paged(const json& body, const Paging& p, const HttpRequest& request, TimePoint now) {
    HttpResponse r = github_json(200, body, request, now);
    if (!p.link.empty()) r.headers["Link"] = p.link;
    return r;
}

bool run_matches(const json& run, const Form& query) {
    auto want = [&](const char* key) {
        auto it = query.find(key);
        return it == query.end() ? std::string() : it->second;
    };
    if (auto b = want("branch"); !b.empty() && run.value("head_branch", "") != b) return false;
    if (auto e = want("event"); !e.empty() && run.value("event", "") != e) return false;
    if (auto s = want("head_sha"); !s.empty() && run.value("head_sha", "") != s) return false;
    // status takes a status (queued, in_progress, completed) or a conclusion (success, failure, ...).
    if (auto s = want("status"); !s.empty()) {
        const json& conclusion = run.contains("conclusion") ? run["conclusion"] : json();
        if (run.value("status", "") != s && !(conclusion.is_string() && conclusion == s)) return false;
    }
    return true;
}

HttpResponse runs_answer(const std::vector<const json*>& runs, const Form& query, const UrlParts& url,
                         const HttpRequest& request, TimePoint now) {
    std::vector<const json*> matching;
    for (const json* run : runs)
        if (run_matches(*run, query)) matching.push_back(run);
    Paging p = page_of(matching.size(), query, url);
    return paged({{"total_count", matching.size()}, {"workflow_runs", slice(matching, p)}}, p, request, now);
}

// A workflow named by file ("deploy.yml") or numeric id: runs whose path or workflow_id match,
// or, when runs carry neither, whose name is the one `workflows` gives for the file.
std::optional<std::vector<const json*>> workflow_runs(const json& repo, const std::string& workflow) {
    const json& names = repo.contains("workflows") ? repo["workflows"] : json::object();
    const bool numeric = !workflow.empty() && workflow.find_first_not_of("0123456789") == std::string::npos;
    const std::string path = ".github/workflows/" + workflow;
    bool known = names.contains(workflow);
    std::vector<const json*> out;
    for (const json& run : list(repo, "runs")) {
        bool match = false;
        if (numeric)
            match = run.contains("workflow_id") && run["workflow_id"].dump() == workflow;
        else if (run.contains("path"))
            match = run.value("path", "").rfind(path, 0) == 0;
        else if (known)
            match = names[workflow].is_string() && run.value("name", "") == names[workflow].get<std::string>();
        if (match) out.push_back(&run);
        known = known || match;
    }
    if (!known) return std::nullopt;
    return out;
}

}  // namespace

GithubReply handle_github(const json& github, const UrlParts& url, const HttpRequest& request, TimePoint now) {
    const auto parts = split_path(url.path);
    const Form query = parse_form(url.query);
    if (request.method != "GET" || parts.size() < 4 || parts[0] != "repos") return {not_found(request, now), ""};
    const std::string repo_name = parts[1] + "/" + parts[2];
    auto repo_it = github.find(repo_name);
    const std::vector<std::string> rest(parts.begin() + 3, parts.end());

    std::string operation;
    if (rest == std::vector<std::string>{"commits"})
        operation = "repos/list-commits";
    else if (rest == std::vector<std::string>{"actions", "runs"})
        operation = "actions/list-workflow-runs-for-repo";
    else if (rest.size() == 4 && rest[0] == "actions" && rest[1] == "workflows" && rest[3] == "runs")
        operation = "actions/list-workflow-runs";
    else if (rest.size() == 4 && rest[0] == "actions" && rest[1] == "runs" && rest[3] == "jobs")
        operation = "actions/list-jobs-for-workflow-run";
    else
        return {not_found(request, now), ""};
    if (repo_it == github.end() || !repo_it->is_object()) return {not_found(request, now), operation};
    const json& repo = *repo_it;

    if (operation == "repos/list-commits") {
        // The world holds one branch's history; `sha` picks nothing more.
        std::vector<const json*> commits;
        for (const json& c : list(repo, "commits")) commits.push_back(&c);
        Paging p = page_of(commits.size(), query, url);
        return {paged(slice(commits, p), p, request, now), operation};
    }
    if (operation == "actions/list-workflow-runs-for-repo") {
        std::vector<const json*> runs;
        for (const json& r : list(repo, "runs")) runs.push_back(&r);
        return {runs_answer(runs, query, url, request, now), operation};
    }
    if (operation == "actions/list-workflow-runs") {
        auto runs = workflow_runs(repo, rest[2]);
        if (!runs) return {not_found(request, now), operation};
        return {runs_answer(*runs, query, url, request, now), operation};
    }
    // Jobs of one run.
    const std::string& run_id = rest[2];
    const json& jobs_by_run = repo.contains("jobs") ? repo["jobs"] : json::object();
    bool run_known = jobs_by_run.contains(run_id);
    for (const json& r : list(repo, "runs")) run_known = run_known || (r.contains("id") && r["id"].dump() == run_id);
    if (!run_known) return {not_found(request, now), operation};
    std::vector<const json*> jobs;
    if (auto it = jobs_by_run.find(run_id); it != jobs_by_run.end() && it->is_array())
        for (const json& j : *it) jobs.push_back(&j);
    Paging p = page_of(jobs.size(), query, url);
    return {paged({{"total_count", jobs.size()}, {"jobs", slice(jobs, p)}}, p, request, now), operation};
}

}  // namespace shipwatch::sim::detail

// GitHub REST: commits of a branch, workflow runs, jobs and steps. Conditional requests
// (If-None-Match) and Link pagination; rate-limit headers honoured.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "base/lru_cache.hpp"
#include "base/result.hpp"
#include "http/transport.hpp"
#include "model/types.hpp"

namespace shipwatch::github {

struct GithubContext {
    Transport* transport = nullptr;
    std::string api_url = "https://api.github.com";
    std::string token;  // Bearer; empty for anonymous
};

// The reading of a GitHub error answer for the retry layer (HttpRequest::read_answer): an
// exhausted primary rate limit (403/429 with x-ratelimit-remaining 0) waits for
// x-ratelimit-reset; else 429 and 5xx are retryable and 401/403 a broken source;
// "HTTP 403: API rate limit exceeded".
AnswerReading read_github_answer(const HttpResponse& response);

struct RateLimit {
    int limit = -1;
    int remaining = -1;
    long long reset_epoch = 0;
};

class GithubClient {
public:
    explicit GithubClient(GithubContext ctx);
    // The ETag cache's bounds: a repository adds a jobs URL per run, forever, and a server that
    // changes its ETag and next URL every time would add one per request.
    static constexpr size_t kEtagEntries = 512;
    static constexpr size_t kEtagBytes = 32 << 20;
    // GET /repos/{repo}/commits?sha={branch}&per_page={n}; newest first.
    Result<std::vector<Commit>> commits(const std::string& repo, const std::string& branch, int n = 30);
    // GET /repos/{repo}/actions/runs?branch=  (or /actions/workflows/{workflow}/runs); newest first.
    Result<std::vector<CiRun>> workflow_runs(const std::string& repo, const std::string& branch,
                                             const std::string& workflow, int n = 20);
    // GET /repos/{repo}/actions/runs/{id}/jobs: steps flattened into run.steps (job names kept).
    Result<std::vector<CiStep>> run_steps(const std::string& repo, const std::string& run_id);

    RateLimit rate_limit() const;
    int not_modified_count() const;  // 304 answers seen (cost no rate limit)

private:
    // One answer: its body and the Link rel="next" URL ("" on the last page).
    struct Page {
        std::string body;
        std::string next_url;
    };
    struct CachedPage {
        std::string etag;
        Page page;
    };
    // GET with ETag cache: a 304 answers from the cached body. Takes a path ("/repos/...") or
    // an absolute URL (a Link next).
    Result<Page> get(const std::string& path_or_url);
    // The listings behind the public calls, whose errors these complete with call and resource.
    Result<std::vector<Commit>> list_commits(const std::string& repo, const std::string& branch, int n);
    Result<std::vector<CiRun>> list_runs(const std::string& repo, const std::string& branch, const std::string& workflow,
                                         int n);
    Result<std::vector<CiStep>> list_steps(const std::string& repo, const std::string& run_id);
    void record_rate_limit(const Headers& headers);

    GithubContext ctx_;
    mutable std::mutex mutex_;
    LruCache<CachedPage> etag_cache_;  // url -> last 200 answer
    RateLimit rate_{};
    int not_modified_ = 0;
};

}  // namespace shipwatch::github

// Wires a configuration to real AWS accounts and GitHub: one signing libcurl transport per AWS
// profile (credentials resolved as the AWS CLI does), endpoints from AWS_ENDPOINT_URL*, one
// GitHub client (GH_TOKEN / GITHUB_TOKEN / `gh auth token`, GITHUB_API_URL), one batched ECS
// fetch per cluster, one collector per pipeline.
#pragma once

#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "sources/aws/credentials.hpp"
#include "base/clock.hpp"
#include "engine/collector.hpp"
#include "config/config.hpp"
#include "http/retry_transport.hpp"

namespace shipwatch {

struct LiveSources {
    // Asked to stop when the dashboard quits: backoff and rate-limit waits end at once, a curl
    // transfer at once (CurlOptions::stop wakes its multi handle), and their requests answer cancelled.
    std::stop_source stop;
    SystemClock clock;
    std::vector<std::unique_ptr<Transport>> transports;
    std::vector<RetryTransport*> retries;  // their source states feed the status bar
    std::map<std::string, std::shared_ptr<aws::CredentialsProvider>> credentials;  // by profile
    std::shared_ptr<github::GithubClient> github;
    std::vector<std::unique_ptr<PipelineCollector>> collectors;
    std::string context;  // for the status bar: profiles and regions in use
    int fetch_threads = kMaxFetchThreads;  // the fetch pool's size for this budget (fetch_pool_size)
};

std::vector<SourceState> source_states(const LiveSources& live);

// Errors (no region for a pipeline, ...) are one line naming the pipeline and what to set.
Result<std::unique_ptr<LiveSources>> make_live(const Config& config);

// GH_TOKEN, else GITHUB_TOKEN, else `gh auth token` when gh is installed; empty: anonymous.
std::string github_token(const aws::Environment& env);

}  // namespace shipwatch

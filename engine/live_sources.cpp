#include "engine/live_sources.hpp"

#include <algorithm>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "sources/aws/credential_process.hpp"
#include "sources/aws/endpoint_env.hpp"
#include "http/curl_transport.hpp"
#include "base/log.hpp"
#include "http/log_transport.hpp"

namespace shipwatch {
namespace {

// Requests a second the budget lets out at most, every token bucket together: each AWS
// service's per profile and region (one signing transport each), GitHub's once, the version
// endpoints' per host, the registries'.
double budget_rate(const BudgetConfig& b, size_t aws_contexts, size_t version_hosts) {
    auto rate = [&b](const char* service) {
        auto it = b.services.find(service);
        return it != b.services.end() ? it->second : b.requests_per_second;
    };
    double aws = 0;
    for (const char* s : {"ecs", "ecr", "elbv2", "ec2", "logs", "codebuild", "secretsmanager", "codedeploy"})
        aws += rate(s);
    return aws * static_cast<double>(aws_contexts) + rate("github") +
           rate("version") * static_cast<double>(std::max<size_t>(1, version_hosts)) + rate("registry");
}

}  // namespace

std::string github_token(const aws::Environment& env) {
    // Which source, never the token.
    for (const char* name : {"GH_TOKEN", "GITHUB_TOKEN"})
        if (auto t = aws::env_value(env, name)) {
            logging::logger().info("GitHub token from {}", name);
            return *t;
        }
    auto r = aws::run_command({"gh", "auth", "token"}, std::chrono::seconds(5));
    if (r.started && !r.timed_out && r.exit_code == 0) {
        std::string token = aws::first_line(r.out, 400);
        while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
        logging::logger().info("GitHub token from `gh auth token`");
        return token;
    }
    logging::logger().info("no GitHub token (GH_TOKEN, GITHUB_TOKEN, gh auth token): anonymous, 60 requests an hour");
    return {};
}

std::vector<SourceState> source_states(const LiveSources& live) {
    std::vector<SourceState> all;
    for (const RetryTransport* r : live.retries) {
        auto states = r->states();
        all.insert(all.end(), states.begin(), states.end());
    }
    return all;
}

Result<std::unique_ptr<LiveSources>> make_live(const Config& config) {
    auto live = std::make_unique<LiveSources>();
    aws::Environment env = aws::process_environment();

    // Every transport retries throttling and 5xx with backoff and paces each source within the
    // configured budget. One signing transport per profile, so an AWS budget holds per
    // account (profile) and region; unsigned traffic (GitHub, version endpoints) has its own.
    auto with_retry = [&](std::unique_ptr<Transport> inner, std::string prefix) -> Transport* {
        Transport& base = *inner;
        live->transports.push_back(std::move(inner));
        RetryOptions ro;
        ro.source_prefix = std::move(prefix);
        ro.requests_per_second = config.budget.requests_per_second;
        ro.burst = config.budget.burst;
        ro.service_rates = config.budget.services;
        ro.stop = live->stop.get_token();
        auto retry = std::make_unique<RetryTransport>(base, live->clock, ro);
        live->retries.push_back(retry.get());
        live->transports.push_back(std::move(retry));
        return live->transports.back().get();
    };
    CurlOptions unsigned_curl;
    unsigned_curl.total_timeout = config.http.timeout;
    unsigned_curl.connect_timeout = config.http.connect_timeout;
    unsigned_curl.stop = live->stop.get_token();
    Transport* http = with_retry(std::make_unique<LoggingTransport>(std::make_unique<CurlTransport>(unsigned_curl)), "");

    std::string api = aws::env_value(env, "GITHUB_API_URL").value_or("https://api.github.com");
    live->github = std::make_shared<github::GithubClient>(github::GithubContext{http, api, github_token(env)});

    std::map<std::string, Transport*> signing;  // profile -> transport
    std::map<std::string, std::shared_ptr<EcsClusterFetch>> clusters;  // profile/region/cluster
    std::set<std::string> contexts;
    auto slow_cache = std::make_shared<SlowSourceCache>(live->clock, std::min(config.refresh.github, config.refresh.ecr) / 2);
    auto registries = std::make_shared<oci::RegistryAccess>();
    for (const auto& [host, reg] : config.registries) registries->endpoints[host] = reg.endpoint;
    if (auto docker = oci::DockerConfig::load(env("DOCKER_CONFIG"), env("HOME"))) registries->docker = std::move(docker.value());
    else registries->docker_error = docker.error();
    for (const auto& p : config.pipelines) {
        auto region = aws::resolve_region(p.spec.region, p.profile, env);
        if (!region)
            return error_of(ErrorKind::config, "config",
                            fmt::format("pipeline '{}': {}", p.spec.name, region.error().message));
        std::string profile = aws::effective_profile(p.profile, env);
        if (!signing.count(profile)) {
            aws::CredentialOptions co;
            co.profile = p.profile;
            co.stop = live->stop.get_token();  // a quit kills a credential_process, ends a metadata request
            auto creds = std::make_shared<aws::DefaultCredentialsChain>(co);
            live->credentials[profile] = creds;
            CurlOptions curl = unsigned_curl;
            curl.ca_bundle = aws::env_value(env, "AWS_CA_BUNDLE").value_or("");
            signing[profile] = with_retry(std::make_unique<LoggingTransport>(std::make_unique<CurlTransport>(curl, creds)),
                                          profile == "default" ? "" : profile + " · ");
        }
        contexts.insert(fmt::format("{} · {}", profile, region.value()));

        PipelineSpec spec = p.spec;
        spec.region = region.value();
        spec.profile = p.profile;  // as configured: the next steps' commands name it
        CollectorSources src;
        src.aws.transport = signing[profile];
        src.aws.region = spec.region;
        src.aws.profile = aws::credentials_label(p.profile, env);
        src.aws.endpoints = aws::endpoints_from_env(spec.region, env);
        src.github = spec.repo.empty() ? nullptr : live->github;
        src.http = http;
        src.slow_cache = slow_cache;
        src.registries = registries;
        if (spec.kind == PipelineKind::ecs) {
            auto& cluster = clusters[profile + "/" + spec.region + "/" + spec.cluster];
            if (!cluster) cluster = std::make_shared<EcsClusterFetch>(src.aws, spec.cluster, live->clock, config.refresh.ecs / 2);
            src.ecs_cluster = cluster;
        }
        live->collectors.push_back(std::make_unique<PipelineCollector>(std::move(spec), std::move(src), live->clock));
    }
    std::set<std::string> version_hosts;
    for (const auto& p : config.pipelines)
        if (!p.spec.version_url.empty()) version_hosts.insert(split_url(p.spec.version_url).host);
    const double rate = budget_rate(config.budget, contexts.size(), version_hosts.size());
    live->fetch_threads = fetch_pool_size({rate, kTypicalLatency, std::thread::hardware_concurrency()});
    std::vector<std::string> ctx(contexts.begin(), contexts.end());
    live->context = ctx.size() <= 2 ? fmt::format("{}", fmt::join(ctx, ", ")) : fmt::format("{} profiles/regions", ctx.size());
    return live;
}

}  // namespace shipwatch

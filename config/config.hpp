// The configuration file (TOML), parsed and validated once into typed structs. Every error
// names the file, the line and the key, and says what to fix.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "model/snapshot.hpp"

namespace shipwatch {

struct PipelineConfig {
    PipelineSpec spec;  // kind: ecs with cluster+service, ec2 with target_group only
    std::string profile;  // AWS profile; empty: the default chain
    int line = 0;  // where it was declared, for later messages
};

struct RefreshConfig {
    Duration ecs = std::chrono::seconds(10);  // ECS, targets, endpoint
    Duration github = std::chrono::seconds(30);
    Duration ecr = std::chrono::seconds(30);
};

// How long one HTTP request may take before it counts as failed (and is retried).
struct HttpConfig {
    Duration timeout = std::chrono::seconds(20);  // the whole request
    Duration connect_timeout = std::chrono::seconds(5);
};

// How many requests a second shipwatch may send each API. AWS throttles per account and region,
// so an AWS budget holds per service per profile (one transport each) per region; GitHub's
// holds for the token; a version endpoint's per host. Token buckets in RetryTransport enforce it.
struct BudgetConfig {
    double requests_per_second = 5;  // every service without its own value
    double burst = 10;  // requests a service may send at once after a quiet spell
    // Defaults well inside the real limits, leaving room for other tools on the same account:
    // FilterLogEvents allows 5 a second per account and region; GitHub 5,000 an hour per token.
    std::map<std::string, double> services{{"logs", 1}, {"github", 1}};
};

// Where a registry's distribution API is asked instead of its own host, the way containerd
// and Docker configure mirrors: [registry."docker.io"] endpoint = "http://127.0.0.1:5000".
struct RegistryConfig {
    std::string endpoint;  // scheme://host[:port], no path
};

struct Config {
    std::string path;  // the file it came from ("" for flags-only)
    RefreshConfig refresh;
    HttpConfig http;
    BudgetConfig budget;
    std::map<std::string, RegistryConfig> registries;  // by registry host as images name it
    std::vector<PipelineConfig> pipelines;
};

// Parses TOML text; `path` is used in messages. The error's message is the one line to show.
Result<Config> parse_config(const std::string& text, const std::string& path);
// A config of 10,000 pipelines is about 2 MiB; a file past this bound is refused unread.
inline constexpr size_t kMaxConfigBytes = 16 << 20;
Result<Config> load_config_file(const std::string& path);

// --config FILE, else ./shipwatch.toml, else $XDG_CONFIG_HOME/shipwatch/config.toml
// (~/.config/...). nullopt when none exists (and none was asked for).
std::optional<std::string> find_config_file(const std::string& explicit_path);

}  // namespace shipwatch

#include "sources/aws/credentials.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "sources/aws/config_files.hpp"
#include "sources/aws/credential_process.hpp"
#include "sources/aws/credential_sources.hpp"
#include "http/curl_transport.hpp"
#include "base/log.hpp"
#include "http/log_transport.hpp"

namespace shipwatch::aws {
namespace {
// "30 s", "0.3 s": time-outs are often below a second in tests and in configs.
std::string seconds_text(Duration d) {
    long long ms = d.count();
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ms) / 1000.0);
    return text;
}
}  // namespace

Error credentials_error(std::string message) {
    return error_of(ErrorKind::credentials, "credentials", std::move(message));
}

Error stopped_error(const std::string& what) { return credentials_error(what + ": stopped (shipwatch is quitting)"); }

Result<SigningKey> CredentialsProvider::keys() {
    auto resolved = credentials();
    if (!resolved) return resolved.error();
    const AwsCredentials& c = resolved.value();
    return SigningKey{c.access_key_id, c.secret_access_key, c.session_token};
}

void CredentialsProvider::refused(const SigningKey& key) {
    AwsCredentials refused;
    refused.access_key_id = key.access_key_id;
    refused.secret_access_key = key.secret_access_key;
    refused.session_token = key.session_token;
    expired(refused);
}

std::shared_ptr<CredentialsProvider> make_static_provider(AwsCredentials credentials) {
    return std::make_shared<StaticCredentialsProvider>(std::move(credentials));
}

std::string effective_profile(const std::string& explicit_profile, const Environment& env) {
    if (!explicit_profile.empty()) return explicit_profile;
    if (auto p = env_value(env, "AWS_PROFILE")) return *p;
    if (auto p = env_value(env, "AWS_DEFAULT_PROFILE")) return *p;
    return "default";
}

std::string credentials_label(const std::string& explicit_profile, const Environment& env) {
    // The chain's own order (DefaultCredentialsChain::resolve): an explicit profile beats keys
    // in the environment, which beat AWS_PROFILE.
    if (!explicit_profile.empty()) return "profile " + explicit_profile;
    if (env_value(env, "AWS_ACCESS_KEY_ID")) return "env AWS_ACCESS_KEY_ID";
    for (const char* name : {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"})
        if (auto p = env_value(env, name)) return "profile " + *p + " (" + name + ")";
    if (load_profile_files(env).has_profile("default")) return "profile default";
    return "no profile (container or instance credentials)";
}

Result<std::string> resolve_region(const std::string& explicit_region, const std::string& explicit_profile,
                                   const Environment& env) {
    if (!explicit_region.empty()) return explicit_region;
    if (auto r = env_value(env, "AWS_REGION")) return *r;
    if (auto r = env_value(env, "AWS_DEFAULT_REGION")) return *r;
    std::string profile = effective_profile(explicit_profile, env);
    ProfileFiles files = load_profile_files(env);
    if (!files.problem.empty()) return error_of(ErrorKind::config, "config", files.problem);
    if (auto r = files.config_value(profile, "region"); r && !r->empty()) return *r;
    return error_of(ErrorKind::config, "config",
                    "no AWS region: set region in the pipeline config, AWS_REGION, or region in profile '" + profile +
                        "' of " + files.config_path);
}

Result<AwsCredentials> parse_credentials_json(const std::string& text, const std::string& what, bool process_format) {
    // Never quote the text in an error: it holds the secret.
    nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) return credentials_error(what + " did not print a JSON object");
    auto text_of = [&](const char* key) -> std::string {
        auto it = doc.find(key);
        return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (process_format) {
        auto version = doc.find("Version");
        if (version == doc.end() || !version->is_number_integer() || version->get<int>() != 1)
            return credentials_error(what + ": unsupported output, \"Version\": 1 is required");
    } else if (auto code = text_of("Code"); !code.empty() && code != "Success") {
        return credentials_error(what + ": " + code);
    }
    AwsCredentials creds;
    creds.access_key_id = text_of("AccessKeyId");
    creds.secret_access_key = text_of("SecretAccessKey");
    creds.session_token = text_of(process_format ? "SessionToken" : "Token");
    if (creds.access_key_id.empty() || creds.secret_access_key.empty())
        return credentials_error(what + ": AccessKeyId or SecretAccessKey missing");
    if (std::string expiration = text_of("Expiration"); !expiration.empty()) {
        creds.expiration = parse_iso8601(expiration);
        if (!creds.expiration) return credentials_error(what + ": unreadable Expiration \"" + expiration + "\"");
    }
    creds.source = what;
    return creds;
}

Found environment_credentials(const Environment& env) {
    auto key = env_value(env, "AWS_ACCESS_KEY_ID");
    auto secret = env_value(env, "AWS_SECRET_ACCESS_KEY");
    if (!key && !secret) return std::nullopt;
    if (!key) return Result<AwsCredentials>(credentials_error("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"));
    if (!secret) return Result<AwsCredentials>(credentials_error("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"));
    AwsCredentials creds{*key, *secret, env_value(env, "AWS_SESSION_TOKEN").value_or(""), std::nullopt, "environment"};
    if (auto expiration = env_value(env, "AWS_CREDENTIAL_EXPIRATION")) creds.expiration = parse_iso8601(*expiration);
    return Result<AwsCredentials>(std::move(creds));
}

Result<AwsCredentials> cli_export_credentials(const std::string& profile, const std::string& kind,
                                              const CredentialOptions& options) {
    std::vector<std::string> argv{options.aws_cli, "configure", "export-credentials"};
    if (!profile.empty()) argv.insert(argv.end(), {"--profile", profile});
    argv.insert(argv.end(), {"--format", "process"});
    std::string who = profile.empty() ? kind : "profile '" + profile + "' (" + kind + ")";
    std::string command = "aws configure export-credentials" + (profile.empty() ? "" : " --profile " + profile);
    std::string login_hint = kind == "SSO" ? "; run aws sso login --profile " + profile : "";

    CommandResult run = run_command(argv, options.process_timeout, options.stop);
    if (run.cancelled) return stopped_error(command);
    if (!run.started)
        return credentials_error(who + " needs the AWS CLI v2 to resolve it (" + options.aws_cli + ": " + run.error +
                                 "); install it, or give the profile credential_process or keys");
    if (run.timed_out)
        return credentials_error(command + " did not finish within " + seconds_text(options.process_timeout) +
                                 login_hint);
    if (run.exit_code != 0) {
        // AWS CLI v1 has no export-credentials and answers with its usage text.
        if (run.err.find("Invalid choice") != std::string::npos)
            return credentials_error(who + " needs the AWS CLI v2 (`aws configure export-credentials`); " +
                                     options.aws_cli + " is an older version");
        std::string why = first_line(run.err);
        return credentials_error(who + ": " + command + " failed" + (why.empty() ? "" : ": " + why) + login_hint);
    }
    auto creds = parse_credentials_json(run.out, command, true);
    if (creds) creds.value().source = profile.empty() ? kind : "profile " + profile;
    return creds;
}

namespace {

Result<AwsCredentials> run_credential_process(const std::string& profile, const std::string& command_line,
                                              const CredentialOptions& options) {
    std::string who = "credential_process of profile '" + profile + "'";
    std::vector<std::string> argv = split_command_line(command_line);
    if (argv.empty()) return credentials_error(who + " is empty");
    CommandResult run = run_command(argv, options.process_timeout, options.stop);
    if (run.cancelled) return stopped_error(who);
    if (!run.started) return credentials_error(who + " could not run " + argv[0] + ": " + run.error);
    if (run.timed_out)
        return credentials_error(who + " did not finish within " + seconds_text(options.process_timeout));
    if (run.exit_code != 0) {
        std::string why = first_line(run.err);
        return credentials_error(who + " failed (exit " + std::to_string(run.exit_code) + ")" +
                                 (why.empty() ? "" : ": " + why));
    }
    auto creds = parse_credentials_json(run.out, who, true);
    if (creds) creds.value().source = "profile " + profile;
    return creds;
}

std::optional<AwsCredentials> static_keys(const std::optional<std::string>& key, const std::optional<std::string>& secret,
                                          const std::optional<std::string>& token, const std::string& profile) {
    if (!key || key->empty() || !secret || secret->empty()) return std::nullopt;
    return AwsCredentials{*key, *secret, token.value_or(""), std::nullopt, "profile " + profile};
}

}  // namespace

Found profile_credentials(const ProfileFiles& files, const std::string& profile, const CredentialOptions& options) {
    if (!files.has_profile(profile)) return std::nullopt;
    auto has = [&](const char* key) { return files.value(profile, key).has_value(); };
    // botocore resolves these itself (STS, SSO OIDC); shipwatch asks the CLI for the result.
    if (has("role_arn")) return cli_export_credentials(profile, "assume-role", options);
    if (has("sso_session") || has("sso_start_url")) return cli_export_credentials(profile, "SSO", options);
    if (has("web_identity_token_file")) return cli_export_credentials(profile, "web identity", options);
    if (auto creds = static_keys(files.credentials_value(profile, "aws_access_key_id"),
                                 files.credentials_value(profile, "aws_secret_access_key"),
                                 files.credentials_value(profile, "aws_session_token"), profile))
        return Result<AwsCredentials>(std::move(*creds));
    if (auto process = files.value(profile, "credential_process"))
        return run_credential_process(profile, *process, options);
    if (auto creds = static_keys(files.config_value(profile, "aws_access_key_id"),
                                 files.config_value(profile, "aws_secret_access_key"),
                                 files.config_value(profile, "aws_session_token"), profile))
        return Result<AwsCredentials>(std::move(*creds));
    return std::nullopt;
}

DefaultCredentialsChain::DefaultCredentialsChain(CredentialOptions options) : options_(std::move(options)) {
    if (options_.metadata_http == nullptr) {
        // Link-local services: no proxy can reach them, and off AWS they must fail fast.
        CurlOptions imds{options_.imds_timeout, options_.imds_timeout};
        imds.proxy_from_environment = false;
        imds.stop = options_.stop;
        own_imds_http_ = std::make_unique<LoggingTransport>(std::make_unique<CurlTransport>(imds));
        CurlOptions container{options_.container_timeout, options_.container_timeout};
        container.proxy_from_environment = false;
        container.stop = options_.stop;
        own_container_http_ = std::make_unique<LoggingTransport>(std::make_unique<CurlTransport>(container));
    }
}

DefaultCredentialsChain::~DefaultCredentialsChain() = default;

TimePoint DefaultCredentialsChain::now() const {
    static const SystemClock system;
    return (options_.clock ? options_.clock : &system)->now();
}

Transport& DefaultCredentialsChain::imds_http() {
    return options_.metadata_http ? *options_.metadata_http : *own_imds_http_;
}

Transport& DefaultCredentialsChain::container_http() {
    return options_.metadata_http ? *options_.metadata_http : *own_container_http_;
}

Result<AwsCredentials> DefaultCredentialsChain::resolve() {
    const Environment& env = options_.env;
    bool explicit_profile = !options_.profile.empty();
    // An explicitly chosen profile wins over keys in the environment (like `aws --profile`).
    if (!explicit_profile)
        if (Found found = environment_credentials(env)) return std::move(*found);

    std::string profile = effective_profile(options_.profile, env);
    bool profile_named = explicit_profile || profile != "default";
    ProfileFiles files = load_profile_files(env);
    if (!files.problem.empty()) return credentials_error(files.problem);
    if (profile_named && !files.has_profile(profile))
        return credentials_error("AWS profile '" + profile + "' not found in " + files.config_path + " or " +
                                 files.credentials_path);
    if (Found found = profile_credentials(files, profile, options_)) return std::move(*found);

    if (env_value(env, "AWS_WEB_IDENTITY_TOKEN_FILE") && env_value(env, "AWS_ROLE_ARN"))
        return cli_export_credentials("", "web identity", options_);
    if (Found found = container_credentials(options_, container_http())) return std::move(*found);
    if (Found found = imds_credentials(options_, imds_http())) return std::move(*found);

    return credentials_error("no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID, or run aws sso login --profile " +
                             profile);
}

void DefaultCredentialsChain::expired(const AwsCredentials& refused) {
    std::lock_guard lock(mutex_);
    // Only the credentials that were refused: another thread may have refreshed them already.
    if (cached_ && cached_->access_key_id == refused.access_key_id && cached_->session_token == refused.session_token) {
        cached_.reset();
        next_attempt_ = {};
    }
}

Result<AwsCredentials> DefaultCredentialsChain::credentials() {
    std::lock_guard lock(mutex_);
    TimePoint t = now();
    bool fresh = cached_ && (!cached_->expiration || *cached_->expiration - t > options_.refresh_margin);
    if (fresh) return *cached_;
    bool usable = cached_ && (!cached_->expiration || *cached_->expiration > t);
    // Not more often than failure_retry: a broken credential_process or an expired SSO session
    // must not spawn a process for every request.
    if (t < next_attempt_) {
        if (usable) return *cached_;
        if (last_error_) return *last_error_;
    }
    if (options_.stop.stop_requested()) return stopped_error("resolving AWS credentials");
    Result<AwsCredentials> resolved = resolve();
    // A resolution the stop cut short says nothing about the source: not logged, not kept.
    if (!resolved && options_.stop.stop_requested()) return resolved;
    // From the resolution's end: one slower than failure_retry (a credential_process waited out to
    // its time-out) must not run again for the caller that waited for it, and the next, and so on.
    next_attempt_ = now() + options_.failure_retry;
    std::string profile = effective_profile(options_.profile, options_.env);
    if (resolved) {
        // Which provider, and for how long: never a key, a secret or a token.
        const AwsCredentials& c = resolved.value();
        logging::logger().info("AWS credentials for profile '{}': from {}, {}", profile, c.source,
                               c.expiration ? "temporary, expiring " + format_iso8601(*c.expiration)
                                            : std::string(c.session_token.empty() ? "long-term" : "temporary"));
        cached_ = resolved.value();
        last_error_.reset();
        return resolved;
    }
    // Credential errors never contain a secret (see CredentialsProvider::credentials).
    logging::logger().warn("AWS credentials for profile '{}': {}", profile, resolved.error().message);
    last_error_ = resolved.error();
    last_error_->time = t;  // served again until next_attempt_, still saying when it happened
    if (usable) return *cached_;
    return *last_error_;
}

}  // namespace shipwatch::aws

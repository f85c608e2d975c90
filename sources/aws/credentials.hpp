// AWS credentials resolved as the AWS CLI resolves them, cached and refreshed before they expire.
// Order (botocore's): environment keys (skipped when a profile is given explicitly), the
// profile (assume-role / SSO / web identity through `aws configure export-credentials`, static
// keys in ~/.aws/credentials, credential_process, static keys in ~/.aws/config), ECS container
// credentials, EC2 instance metadata (IMDSv2).
// https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-authentication.html
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "sources/aws/environment.hpp"
#include "base/clock.hpp"
#include "base/result.hpp"
#include "http/signing_keys.hpp"
#include "http/transport.hpp"

namespace shipwatch::aws {

struct AwsCredentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  // empty for long-term keys
    std::optional<TimePoint> expiration;  // none: never expires
    std::string source;  // where they came from, for the header line: "environment", "profile prod"
};

// The signing keys of the HTTP stack (CurlTransport signs with them).
class CredentialsProvider : public SigningKeys {
public:
    // Safe to call from several threads. Errors (kind credentials) are one line naming what
    // to fix; they never contain a secret.
    virtual Result<AwsCredentials> credentials() = 0;
    // A service refused these credentials as expired (clock skew, a revoked session, an
    // Expiration that was wrong): resolve afresh on the next use. Fixed keys ignore it.
    virtual void expired(const AwsCredentials&) {}

    Result<SigningKey> keys() final;
    void refused(const SigningKey& key) final;
};

// Fixed keys: tests and the simulator.
class StaticCredentialsProvider final : public CredentialsProvider {
public:
    explicit StaticCredentialsProvider(AwsCredentials credentials) : credentials_(std::move(credentials)) {}
    Result<AwsCredentials> credentials() override { return credentials_; }

private:
    AwsCredentials credentials_;
};

struct CredentialOptions {
    std::string profile;  // explicit (pipeline config); empty: AWS_PROFILE, else "default"
    Environment env = process_environment();
    const ClockSource* clock = nullptr;  // null: the system clock
    // For the ECS container and EC2 metadata endpoints; null: an own libcurl transport with
    // the short time-outs below and no proxy (both services are link-local).
    Transport* metadata_http = nullptr;
    // Base URLs; empty: AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254 for IMDS,
    // and http://169.254.170.2 (with AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) for ECS.
    std::string imds_endpoint;
    std::string container_endpoint;
    std::string aws_cli = "aws";  // for `aws configure export-credentials`
    Duration process_timeout = std::chrono::seconds(30);  // credential_process and the aws CLI
    Duration imds_timeout = std::chrono::seconds(1);  // shipwatch must never hang off AWS
    Duration container_timeout = std::chrono::seconds(2);
    Duration refresh_margin = std::chrono::minutes(5);  // refresh when less is left
    Duration failure_retry = std::chrono::seconds(15);  // a failed resolution is not rerun sooner
    // Asked to stop when the dashboard quits: a credential_process or `aws configure
    // export-credentials` still running is killed, and a metadata request under way ends (the
    // own transports carry it; a given metadata_http carries its own), so resolving returns at once.
    std::stop_token stop;
};

std::shared_ptr<CredentialsProvider> make_static_provider(AwsCredentials credentials);

// The whole chain behind a cache: resolves on first use, again when less than
// `refresh_margin` is left before Expiration, and keeps serving still-valid credentials when a
// refresh fails.
class DefaultCredentialsChain final : public CredentialsProvider {
public:
    explicit DefaultCredentialsChain(CredentialOptions options = {});
    ~DefaultCredentialsChain() override;
    Result<AwsCredentials> credentials() override;
    void expired(const AwsCredentials& refused) override;
    // One pass through the chain, no cache.
    Result<AwsCredentials> resolve();

private:
    TimePoint now() const;
    Transport& imds_http();
    Transport& container_http();

    CredentialOptions options_;
    std::unique_ptr<Transport> own_imds_http_;
    std::unique_ptr<Transport> own_container_http_;
    std::mutex mutex_;  // held while resolving, so concurrent callers run one resolution
    std::optional<AwsCredentials> cached_;
    std::optional<Error> last_error_;
    TimePoint next_attempt_{};
};

// The profile the CLI would use: explicit, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default".
std::string effective_profile(const std::string& explicit_profile, const Environment& env);

// The credentials the chain will sign with, as an error names them: "profile prod", "profile
// prod (AWS_PROFILE)", "env AWS_ACCESS_KEY_ID" (keys in the environment, no profile given),
// "profile default", or "no profile (container or instance credentials)". Never a key.
std::string credentials_label(const std::string& explicit_profile, const Environment& env);

// Region: explicit (pipeline config), else AWS_REGION, else AWS_DEFAULT_REGION, else the
// profile's `region` in ~/.aws/config.
Result<std::string> resolve_region(const std::string& explicit_region, const std::string& explicit_profile,
                                   const Environment& env = process_environment());

// One credentials document as credential_process, `aws configure export-credentials --format
// process` and the metadata services write it. `what` names the source in errors.
// process_format: the credential_process shape (Version 1, SessionToken); otherwise the
// metadata services' shape (Token, optional Code).
Result<AwsCredentials> parse_credentials_json(const std::string& text, const std::string& what, bool process_format);

Error credentials_error(std::string message);
// What a link of the chain answers when stop cut it short: "<what>: stopped (shipwatch is quitting)".
Error stopped_error(const std::string& what);

}  // namespace shipwatch::aws

// The links of the credentials chain, each on its own so tests can call one directly.
// nullopt: this source is not configured, try the next; an error: it is configured and failed,
// which ends the chain (as in botocore).
#pragma once

#include <optional>
#include <string>

#include "sources/aws/config_files.hpp"
#include "sources/aws/credentials.hpp"

namespace shipwatch::aws {

using Found = std::optional<Result<AwsCredentials>>;

Found environment_credentials(const Environment& env);
Found profile_credentials(const ProfileFiles& files, const std::string& profile, const CredentialOptions& options);
// Assume-role, SSO and web identity through the CLI; empty profile: the CLI's own default chain.
Result<AwsCredentials> cli_export_credentials(const std::string& profile, const std::string& kind,
                                              const CredentialOptions& options);
Found container_credentials(const CredentialOptions& options, Transport& http);
Found imds_credentials(const CredentialOptions& options, Transport& http);

}  // namespace shipwatch::aws

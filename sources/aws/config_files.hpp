// ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE):
// INI files with `[profile x]` sections in config and `[x]` in credentials.
// https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html
#pragma once

#include <map>
#include <optional>
#include <string>

#include "sources/aws/environment.hpp"

namespace shipwatch::aws {

using IniSection = std::map<std::string, std::string>;
using IniFile = std::map<std::string, IniSection>;  // section title as written, without brackets

// A small INI reader for the AWS files: `key = value`, full-line `#`/`;` comments, and
// indented sub-keys under a key with an empty value (e.g. `s3 =` blocks), which are skipped.
IniFile parse_ini(const std::string& text);

struct ProfileFiles {
    std::string config_path;
    std::string credentials_path;
    IniFile config;  // sections keyed by profile name ("profile x" and "default" become "x", "default")
    IniFile credentials;
    IniFile sso_sessions;  // "[sso-session name]" sections of the config file
    std::string problem;  // a file that could not be read (too large, unreadable); empty: fine
    bool has_profile(const std::string& name) const { return config.count(name) || credentials.count(name); }
    // A key from the credentials file's section, else the config file's.
    std::optional<std::string> value(const std::string& profile, const std::string& key) const;
    std::optional<std::string> config_value(const std::string& profile, const std::string& key) const;
    std::optional<std::string> credentials_value(const std::string& profile, const std::string& key) const;
};

// Hundreds of SSO profiles are tens of KiB; a file past this bound is not read.
inline constexpr size_t kMaxAwsConfigBytes = 4 << 20;

// Reads both files; a missing file reads as empty, one that cannot be read sets `problem`.
ProfileFiles load_profile_files(const Environment& env);

// "~/x" with HOME from `env`.
std::string expand_home(const std::string& path, const Environment& env);

}  // namespace shipwatch::aws

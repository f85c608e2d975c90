#include "sources/aws/config_files.hpp"

#include <sstream>

#include "base/bounded_read.hpp"

namespace shipwatch::aws {
namespace {

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    size_t e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

// A missing file reads as empty (no profiles); one past the bound or unreadable is a problem.
std::string read_file(const std::string& path, std::string_view what, std::string& problem) {
    BoundedRead file = read_bounded(path, kMaxAwsConfigBytes, what);
    if (!file.problem.empty() && problem.empty()) problem = file.problem;
    return file.text;
}

std::optional<std::string> lookup(const IniFile& file, const std::string& section, const std::string& key) {
    auto s = file.find(section);
    if (s == file.end()) return std::nullopt;
    auto k = s->second.find(key);
    if (k == s->second.end()) return std::nullopt;
    return k->second;
}

}  // namespace

IniFile parse_ini(const std::string& text) {
    IniFile file;
    IniSection* section = nullptr;
    bool in_nested = false;  // after `key =` with no value, indented lines are its sub-keys
    std::istringstream lines(text);
    std::string raw;
    while (std::getline(lines, raw)) {
        std::string line = trim(raw);
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        bool indented = raw[0] == ' ' || raw[0] == '\t';
        if (line.front() == '[' && line.back() == ']') {
            section = &file[trim(line.substr(1, line.size() - 2))];
            in_nested = false;
            continue;
        }
        if (section == nullptr) continue;
        if (indented && in_nested) continue;
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        std::string key = trim(line.substr(0, eq));
        std::string value = trim(line.substr(eq + 1));
        in_nested = value.empty();
        if (!key.empty()) (*section)[key] = value;
    }
    return file;
}

std::string expand_home(const std::string& path, const Environment& env) {
    if (path == "~" || path.starts_with("~/")) {
        std::string home = env_value(env, "HOME").value_or("");
        return home + path.substr(1);
    }
    return path;
}

ProfileFiles load_profile_files(const Environment& env) {
    ProfileFiles files;
    files.config_path = expand_home(env_value(env, "AWS_CONFIG_FILE").value_or("~/.aws/config"), env);
    files.credentials_path =
        expand_home(env_value(env, "AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), env);

    // In config, profiles are "[profile x]" except "[default]"; botocore also accepts
    // "[profile default]", which wins over "[default]".
    IniFile config = parse_ini(read_file(files.config_path, "AWS config file", files.problem));
    for (auto& [title, section] : config) {
        if (title == "default") {
            files.config.try_emplace("default", section);
        } else if (title.starts_with("profile ")) {
            std::string name = trim(title.substr(8));
            files.config[name] = section;
        } else if (title.starts_with("sso-session ")) {
            files.sso_sessions[trim(title.substr(12))] = section;
        }
    }
    files.credentials = parse_ini(read_file(files.credentials_path, "AWS credentials file", files.problem));
    return files;
}

std::optional<std::string> ProfileFiles::config_value(const std::string& profile, const std::string& key) const {
    return lookup(config, profile, key);
}

std::optional<std::string> ProfileFiles::credentials_value(const std::string& profile, const std::string& key) const {
    return lookup(credentials, profile, key);
}

std::optional<std::string> ProfileFiles::value(const std::string& profile, const std::string& key) const {
    if (auto v = credentials_value(profile, key)) return v;
    return config_value(profile, key);
}

}  // namespace shipwatch::aws

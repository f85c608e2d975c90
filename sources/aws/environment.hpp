// The process environment as an injectable lookup, so credential, region and endpoint
// resolution are tested without touching the real environment.
#pragma once

#include <cctype>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace shipwatch::aws {

// Returns the variable's value, or nullopt when unset.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;

inline Environment process_environment() {
    return [](const std::string& name) -> std::optional<std::string> {
        if (const char* value = std::getenv(name.c_str())) return std::string(value);
        return std::nullopt;
    };
}

inline Environment fixed_environment(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        if (auto it = vars.find(name); it != vars.end()) return it->second;
        return std::nullopt;
    };
}

// Set and not empty: the CLI treats `AWS_PROFILE=` like an unset variable.
inline std::optional<std::string> env_value(const Environment& env, const std::string& name) {
    auto value = env(name);
    if (!value || value->empty()) return std::nullopt;
    return value;
}

// "true" in any case, as botocore's boolean config values.
inline bool env_true(const Environment& env, const std::string& name) {
    auto value = env_value(env, name);
    if (!value) return false;
    std::string v = *value;
    for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v == "true";
}

}  // namespace shipwatch::aws

#include "config/config.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
// toml++ 3.x asserts on some malformed keys ("[/x]") in builds without NDEBUG (the config
// fuzzer found it); with the assertion off it reports the parse error it would in a release
// build, which is what a person with a typo should see. So its assertions stay off here.
#ifndef TOML_ASSERT
#define TOML_ASSERT(expr) static_cast<void>(0)
#endif
#include <toml++/toml.h>

#include "base/bounded_read.hpp"
#include "model/utf8.hpp"

namespace shipwatch {
namespace {

constexpr std::array<std::string_view, 13> kPipelineKeys{
    "name", "region", "profile", "repo", "branch", "workflow", "codebuild_project", "cluster", "service",
    "target_group", "version_url", "version_json_pointer", "expect_log"};
constexpr std::array<std::string_view, 3> kRefreshKeys{"ecs", "github", "ecr"};
// The services a budget can name, as requests name them (HttpRequest::budget).
constexpr std::array<std::string_view, 10> kBudgetServices{"ecs", "ecr", "elbv2", "ec2", "logs", "codebuild", "secretsmanager",
                                                           "github", "version", "registry"};
constexpr std::array<std::string_view, 12> kBudgetKeys{"requests_per_second", "burst", "ecs", "ecr", "elbv2", "ec2", "logs",
                                                       "codebuild", "secretsmanager", "github", "version", "registry"};

// Levenshtein distance, for "did you mean".
size_t distance(std::string_view a, std::string_view b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

template <size_t N>
std::string suggestion(std::string_view key, const std::array<std::string_view, N>& known) {
    std::string_view best;
    size_t best_d = 3;
    // A known key the typed one begins ("elb" for "elbv2") is the likeliest meaning.
    for (auto k : known)
        if (key.size() >= 2 && k.size() > key.size() && k.substr(0, key.size()) == key) return fmt::format(" (did you mean '{}'?)", k);
    for (auto k : known) {
        size_t d = distance(key, k);
        if (d < best_d) {
            best_d = d;
            best = k;
        }
    }
    return best.empty() ? "" : fmt::format(" (did you mean '{}'?)", best);
}

// toml++ 3.3 reaches __builtin_unreachable() (undefined behaviour) when it asks whether some
// non-ASCII code points are whitespace: its table misses U+00A1..U+0499 ('é'), and parts of
// U+1462..U+185B, U+1C56..U+204F and U+FBE6..U+FEFE (the config fuzzer found it). It asks that
// of characters in keys, values and multi-line strings alike, so before it sees the text every
// such code point is swapped for an unused Private Use Area one (which its table answers), and
// swapped back in every string and message read out.
class CodePointSwap {
public:
    // The text toml++ may read; nullopt when the text uses nearly all of the Private Use Area.
    std::optional<std::string> encode(std::string_view text) {
        std::set<char32_t> used;
        for (size_t i = 0; i < text.size();) used.insert(utf8::next_codepoint(text, i));
        std::map<char32_t, char32_t> to;
        char32_t next = 0xE000;
        std::string out;
        out.reserve(text.size());
        for (size_t i = 0; i < text.size();) {
            const size_t at = i;
            const char32_t c = utf8::next_codepoint(text, i);
            const std::string_view bytes = text.substr(at, i - at);
            if (!unsafe(c)) {  // ASCII, safe, or not UTF-8 (U+FFFD: toml++ reports that itself)
                out += bytes;
                continue;
            }
            auto it = to.find(c);
            if (it == to.end()) {
                while (next <= 0xF8FF && used.count(next)) ++next;
                if (next > 0xF8FF) return std::nullopt;
                it = to.emplace(c, next++).first;
                back_.emplace(to_utf8(it->second), std::string(bytes));
            }
            out += to_utf8(it->second);
        }
        return out;
    }
    std::string restore(std::string s) const {
        if (back_.empty()) return s;
        for (const auto& [pua, original] : back_)
            for (size_t at = 0; (at = s.find(pua, at)) != std::string::npos; at += original.size()) s.replace(at, pua.size(), original);
        return s;
    }

private:
    static bool unsafe(char32_t c) {
        if (c <= 0xA0 || c >= 0xFEFF || c == 0x3000 || c == 0x1680 || c == 0x180E || c == 0x202F) return false;
        if ((c >= 0x2000 && c <= 0x200B) || (c >= 0x205F && c <= 0x2060)) return false;
        const uint64_t child = (static_cast<uint64_t>(c) - 0xA0) / 0x3FA;
        return ((1ull << child) & 0x7FFFFFFFFFFFF75Eull) == 0;  // the children toml++ has no case for
    }
    static std::string to_utf8(char32_t c) {  // only used for U+E000..U+F8FF: three bytes
        return {static_cast<char>(0xE0 | (c >> 12)), static_cast<char>(0x80 | ((c >> 6) & 0x3F)), static_cast<char>(0x80 | (c & 0x3F))};
    }
    std::map<std::string, std::string> back_;  // the swapped-in code point (UTF-8) -> the original
};

class ConfigError {
public:
    ConfigError(std::string path, const CodePointSwap& swap) : path_(std::move(path)), swap_(swap) {}
    Error at(const toml::node* node, const std::string& message) const { return at_line(line_of(node), message); }
    Error at_line(int line, const std::string& message) const {
        std::string where = line > 0 ? fmt::format("{}:{}", path_, line) : path_;
        return error_of(ErrorKind::config, "config", fmt::format("{}: {}", where, swap_.restore(message)));
    }
    std::string restore(std::string s) const { return swap_.restore(std::move(s)); }
    static int line_of(const toml::node* node) {
        return node ? static_cast<int>(node->source().begin.line) : 0;
    }

private:
    std::string path_;
    const CodePointSwap& swap_;
};

std::optional<Error> read_duration(const toml::node& node, const std::string& key, Duration& out, const ConfigError& err) {
    auto text = node.value<std::string>();
    if (!text) return err.at(&node, fmt::format("'{}' must be a duration string like \"10s\" or \"1m\"", key));
    auto d = parse_duration(*text);
    if (!d || d->count() < 1000)
        return err.at(&node, fmt::format("'{}' = \"{}\" is not a duration of at least 1s (use s, m, h: \"10s\", \"1m30s\")", key, *text));
    out = *d;
    return std::nullopt;
}

std::optional<Error> read_refresh(const toml::node& node, RefreshConfig& out, const ConfigError& err) {
    if (node.is_string()) {
        // One interval for ECS; the slower sources refresh three times less often.
        if (auto e = read_duration(node, "refresh", out.ecs, err)) return e;
        out.github = out.ecr = out.ecs * 3;
        return std::nullopt;
    }
    const toml::table* t = node.as_table();
    if (!t) return err.at(&node, "'refresh' must be a duration (\"10s\") or a table with ecs, github, ecr");
    for (const auto& [k, v] : *t) {
        std::string key(k.str());
        Duration* slot = key == "ecs" ? &out.ecs : key == "github" ? &out.github : key == "ecr" ? &out.ecr : nullptr;
        if (!slot) return err.at(&v, fmt::format("unknown key 'refresh.{}'{}; known: ecs, github, ecr", key, suggestion(key, kRefreshKeys)));
        if (auto e = read_duration(v, "refresh." + key, *slot, err)) return e;
    }
    return std::nullopt;
}

std::optional<Error> read_http(const toml::node& node, HttpConfig& out, const ConfigError& err) {
    const toml::table* t = node.as_table();
    if (!t) return err.at(&node, "'http' must be a table: [http] with timeout, connect_timeout");
    for (const auto& [k, v] : *t) {
        std::string key(k.str());
        Duration* slot = key == "timeout" ? &out.timeout : key == "connect_timeout" ? &out.connect_timeout : nullptr;
        if (!slot) {
            constexpr std::array<std::string_view, 2> known{"timeout", "connect_timeout"};
            return err.at(&v, fmt::format("unknown key 'http.{}'{}; known: timeout, connect_timeout", key, suggestion(key, known)));
        }
        if (auto e = read_duration(v, "http." + key, *slot, err)) return e;
    }
    return std::nullopt;
}

std::optional<Error> read_budget(const toml::node& node, BudgetConfig& out, const ConfigError& err) {
    const toml::table* t = node.as_table();
    if (!t) return err.at(&node, "'budget' must be a table: [budget] with requests_per_second, burst and per-service rates");
    for (const auto& [k, v] : *t) {
        std::string key(k.str());
        if (std::find(kBudgetKeys.begin(), kBudgetKeys.end(), key) == kBudgetKeys.end())
            return err.at(&v, fmt::format("unknown key 'budget.{}'{}; known: requests_per_second, burst, {}", key,
                                          suggestion(key, kBudgetKeys), fmt::join(kBudgetServices, ", ")));
        auto number = v.value<double>();  // integers and floats alike
        bool is_burst = key == "burst";
        double low = is_burst ? 1 : 0.01;
        if (!number || v.is_boolean() || v.is_string() || !(*number >= low && *number <= 1000))
            return err.at(&v, is_burst ? fmt::format("'budget.burst' must be a number of requests from 1 to 1000, e.g. 10")
                                       : fmt::format("'budget.{}' must be requests per second, a number above 0 and at most 1000, e.g. 5", key));
        if (key == "requests_per_second") out.requests_per_second = *number;
        else if (is_burst) out.burst = *number;
        else out.services[key] = *number;
    }
    return std::nullopt;
}

// http(s)://host[:port][/path]: "/v2/..." is appended (a path prefix, like containerd's
// override_path, lets one server stand for several registries). No query, no user info.
bool is_base_url(const std::string& text) {
    for (std::string_view scheme : {"http://", "https://"}) {
        if (text.rfind(scheme, 0) != 0) continue;
        std::string rest = text.substr(scheme.size());
        return !rest.empty() && rest.front() != '/' && rest.find_first_of("?#@ ") == std::string::npos;
    }
    return false;
}

// [registry."<host>"] tables: endpoint = "http(s)://host[:port]".
std::optional<Error> read_registries(const toml::node& node, std::map<std::string, RegistryConfig>& out,
                                     const ConfigError& err) {
    const toml::table* t = node.as_table();
    if (!t) return err.at(&node, "'registry' must be tables: [registry.\"docker.io\"] with endpoint = \"http://127.0.0.1:5000\"");
    for (const auto& [k, v] : *t) {
        std::string host(k.str());
        const toml::table* entry = v.as_table();
        if (!entry) return err.at(&v, fmt::format("'registry.\"{}\"' must be a table with endpoint = \"https://mirror.example.com\"", host));
        RegistryConfig cfg;
        for (const auto& [ek, ev] : *entry) {
            std::string key(ek.str());
            if (key != "endpoint") {
                constexpr std::array<std::string_view, 1> known{"endpoint"};
                return err.at(&ev, fmt::format("unknown key 'registry.\"{}\".{}'{}; known: endpoint", host, key, suggestion(key, known)));
            }
            auto text = ev.value<std::string>();
            if (!text || !is_base_url(*text))
                return err.at(&ev, fmt::format("'registry.\"{}\".endpoint' must be an http(s) URL without query or user info, e.g. \"https://mirror.example.com\" or \"http://127.0.0.1:5000\"", host));
            cfg.endpoint = *text;
            while (!cfg.endpoint.empty() && cfg.endpoint.back() == '/') cfg.endpoint.pop_back();
        }
        if (cfg.endpoint.empty()) return err.at(&v, fmt::format("'registry.\"{}\"' needs endpoint = \"https://...\"", host));
        out[host] = std::move(cfg);
    }
    return std::nullopt;
}

std::optional<Error> read_pipeline(const toml::table& t, PipelineConfig& out, const ConfigError& err, int index) {
    std::map<std::string, std::string> values;
    for (const auto& [k, v] : t) {
        std::string key(k.str());
        if (std::find(kPipelineKeys.begin(), kPipelineKeys.end(), key) == kPipelineKeys.end())
            return err.at(&v, fmt::format("pipeline #{}: unknown key '{}'{}", index + 1, key, suggestion(key, kPipelineKeys)));
        auto s = v.value<std::string>();
        if (!s || (v.is_string() == false)) return err.at(&v, fmt::format("pipeline #{}: '{}' must be a string", index + 1, key));
        values[key] = err.restore(*s);
    }
    int line = ConfigError::line_of(&t);
    out.line = line;
    auto get = [&](const char* k) { return values.count(k) ? values[k] : std::string(); };
    PipelineSpec& s = out.spec;
    s.name = get("name");
    if (s.name.empty()) return err.at_line(line, fmt::format("pipeline #{}: 'name' is required", index + 1));
    std::string who = fmt::format("pipeline '{}'", s.name);
    s.region = get("region");
    out.profile = get("profile");
    s.repo = get("repo");
    if (!s.repo.empty() && (std::count(s.repo.begin(), s.repo.end(), '/') != 1 || s.repo.front() == '/' || s.repo.back() == '/'))
        return err.at(t.get("repo"), fmt::format("{}: 'repo' must be a GitHub owner/name, got \"{}\"", who, s.repo));
    if (values.count("branch")) s.branch = get("branch");
    if (s.branch.empty()) return err.at(t.get("branch"), fmt::format("{}: 'branch' must not be empty", who));
    s.workflow = get("workflow");
    s.codebuild_project = get("codebuild_project");
    s.cluster = get("cluster");
    s.service = get("service");
    if (values.count("target_group")) s.target_groups = {get("target_group")};
    s.version_url = get("version_url");
    if (!s.version_url.empty() && s.version_url.rfind("http://", 0) != 0 && s.version_url.rfind("https://", 0) != 0)
        return err.at(t.get("version_url"), fmt::format("{}: 'version_url' must start with http:// or https://", who));
    s.version_json_pointer = get("version_json_pointer");
    if (!s.version_json_pointer.empty() && s.version_json_pointer.front() != '/')
        return err.at(t.get("version_json_pointer"), fmt::format("{}: 'version_json_pointer' must start with '/', e.g. \"/commit\"", who));
    s.expect_log = get("expect_log");
    if (s.cluster.empty() != s.service.empty())
        return err.at_line(line, fmt::format("{}: 'cluster' and 'service' go together; set both (ECS) or neither (EC2 with target_group)", who));
    if (!s.cluster.empty()) {
        s.kind = PipelineKind::ecs;
    } else if (!s.target_groups.empty()) {
        s.kind = PipelineKind::ec2;
    } else {
        return err.at_line(line, fmt::format("{}: set 'cluster' and 'service' (ECS) or 'target_group' (ALB → EC2)", who));
    }
    return std::nullopt;
}

}  // namespace

Result<Config> parse_config(const std::string& text, const std::string& path) {
    CodePointSwap swap;
    ConfigError err(path, swap);
    auto safe_text = swap.encode(text);
    if (!safe_text) return err.at_line(0, "too many different non-ASCII characters for the TOML reader (over 6,000)");
    toml::table root;
    try {
        root = toml::parse(*safe_text, path);
    } catch (const toml::parse_error& e) {
        return err.at_line(static_cast<int>(e.source().begin.line), "not valid TOML: " + std::string(e.description()));
    }
    Config cfg;
    cfg.path = path;
    for (const auto& [k, v] : root) {
        std::string key(k.str());
        if (key == "refresh") {
            if (auto e = read_refresh(v, cfg.refresh, err)) return *e;
        } else if (key == "http") {
            if (auto e = read_http(v, cfg.http, err)) return *e;
        } else if (key == "budget") {
            if (auto e = read_budget(v, cfg.budget, err)) return *e;
        } else if (key == "registry") {
            if (auto e = read_registries(v, cfg.registries, err)) return *e;
        } else if (key == "pipeline") {
            const toml::array* arr = v.as_array();
            if (!arr || !arr->is_array_of_tables())
                return err.at(&v, "'pipeline' must be tables: write each one as [[pipeline]]");
            int i = 0;
            for (const auto& item : *arr) {
                PipelineConfig p;
                if (auto e = read_pipeline(*item.as_table(), p, err, i++)) return *e;
                cfg.pipelines.push_back(std::move(p));
            }
        } else {
            constexpr std::array<std::string_view, 5> top{"refresh", "http", "budget", "registry", "pipeline"};
            return err.at(&v, fmt::format("unknown top-level key '{}'{}; known: refresh, http, budget, [registry.\"<host>\"], [[pipeline]]", key, suggestion(key, top)));
        }
    }
    if (cfg.pipelines.empty()) return err.at_line(0, "no [[pipeline]] tables: add at least one pipeline to watch");
    std::set<std::string> names;
    for (const auto& p : cfg.pipelines)
        if (!names.insert(p.spec.name).second)
            return err.at_line(p.line, fmt::format("pipeline name '{}' is used twice; names must be unique", p.spec.name));
    return cfg;
}

Result<Config> load_config_file(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return error_of(ErrorKind::config, "config",
                        fmt::format("{}: no such file (create it, or pass --config with the right path)", path));
    if (std::filesystem::is_directory(path, ec))
        return error_of(ErrorKind::config, "config",
                        fmt::format("{}: is a directory; pass the TOML file itself (e.g. {}/shipwatch.toml)", path, path));
    BoundedRead file = read_bounded(path, kMaxConfigBytes, "config file");
    if (file.missing) return error_of(ErrorKind::config, "config", fmt::format("{}: no such file", path));
    if (!file.problem.empty()) return error_of(ErrorKind::config, "config", file.problem);
    return parse_config(file.text, path);
}

std::optional<std::string> find_config_file(const std::string& explicit_path) {
    if (!explicit_path.empty()) return explicit_path;
    std::error_code ec;
    if (std::filesystem::exists("shipwatch.toml", ec)) return std::string("shipwatch.toml");
    std::string base;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) base = xdg;
    else if (const char* home = std::getenv("HOME"); home && *home) base = std::string(home) + "/.config";
    if (!base.empty()) {
        std::string p = base + "/shipwatch/config.toml";
        if (std::filesystem::exists(p, ec)) return p;
    }
    return std::nullopt;
}

}  // namespace shipwatch

// Scenario documents: parsing and validation. Every error names the scenario and the member,
// so a typo in a scenario file reads like "scenario rollout: pipelines[0].kind must be ecs or ec2".
#include <algorithm>
#include <fstream>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "base/bounded_read.hpp"
#include "sim/fleet.hpp"
#include "sim/simulator.hpp"

namespace shipwatch::sim {
namespace {

using nlohmann::json;

// Collects the first error; every check after it is a no-op, so parsing reads straight through.
class Checker {
public:
    explicit Checker(std::string scenario) : scenario_(std::move(scenario)) {}
    bool failed() const { return !error_.empty(); }
    void fail(const std::string& where, const std::string& what) {
        if (!failed()) error_ = fmt::format("scenario {}: {} {}", scenario_, where, what);
    }
    Error error() const { return Error{"scenario", error_, 0, false}; }
    void set_scenario(std::string name) { scenario_ = std::move(name); }

    // A string member; `required` ones must be present and non-empty.
    std::string text(const json& object, const std::string& key, const std::string& where, bool required) {
        auto it = object.find(key);
        if (it == object.end() || it->is_null()) {
            if (required) fail(where + key, "is required");
            return {};
        }
        if (!it->is_string()) {
            fail(where + key, "must be a string");
            return {};
        }
        auto value = it->get<std::string>();
        if (required && value.empty()) fail(where + key, "must not be empty");
        return value;
    }
    std::optional<Duration> duration(const json& object, const std::string& key, const std::string& where) {
        std::string text_value = text(object, key, where, false);
        if (text_value.empty()) return std::nullopt;
        auto d = parse_duration(text_value);
        if (!d) fail(where + key, "must be a duration like 30s, 4m or 1h30m");
        return d;
    }
    void only_members(const json& object, const std::set<std::string>& allowed, const std::string& where) {
        for (const auto& [key, value] : object.items())
            if (!allowed.contains(key)) fail(where + key, "is not a scenario member (typo?)");
    }
    void object_member(const json& object, const std::string& key, const std::string& where) {
        auto it = object.find(key);
        if (it != object.end() && !it->is_object()) fail(where + key, "must be an object");
    }

private:
    std::string scenario_;
    std::string error_;
};

PipelineSpec parse_pipeline(Checker& c, const json& p, const std::string& where, const std::string& account) {
    PipelineSpec spec;
    if (!p.is_object()) {
        c.fail(where, "must be an object");
        return spec;
    }
    c.only_members(p, {"name", "kind", "region", "repo", "branch", "workflow", "codebuild_project", "cluster",
                       "service", "target_group", "version_url", "version_json_pointer", "expect_log"},
                   where + ".");
    const std::string w = where + ".";
    spec.name = c.text(p, "name", w, true);
    std::string kind = c.text(p, "kind", w, true);
    if (kind == "ecs")
        spec.kind = PipelineKind::ecs;
    else if (kind == "ec2")
        spec.kind = PipelineKind::ec2;
    else if (!kind.empty())
        c.fail(w + "kind", "must be ecs or ec2");
    spec.region = c.text(p, "region", w, true);
    static const std::regex region_form("[a-z]{2}(-[a-z]+)+-[0-9]");
    if (!spec.region.empty() && !std::regex_match(spec.region, region_form))
        c.fail(w + "region", "must be a region name like eu-west-1");
    spec.account = account;
    spec.repo = c.text(p, "repo", w, true);
    if (!spec.repo.empty() && std::count(spec.repo.begin(), spec.repo.end(), '/') != 1)
        c.fail(w + "repo", "must be owner/name");
    std::string branch = c.text(p, "branch", w, false);
    if (!branch.empty()) spec.branch = branch;
    spec.workflow = c.text(p, "workflow", w, false);
    spec.codebuild_project = c.text(p, "codebuild_project", w, false);
    spec.cluster = c.text(p, "cluster", w, spec.kind == PipelineKind::ecs);
    spec.service = c.text(p, "service", w, spec.kind == PipelineKind::ecs);
    std::string target_group = c.text(p, "target_group", w, spec.kind == PipelineKind::ec2);
    if (!target_group.empty()) spec.target_groups.push_back(target_group);
    spec.version_url = c.text(p, "version_url", w, false);
    spec.version_json_pointer = c.text(p, "version_json_pointer", w, false);
    spec.expect_log = c.text(p, "expect_log", w, false);
    return spec;
}

void check_patch(Checker& c, const json& patch, const std::string& where) {
    static const std::set<std::string> ops{"add", "remove", "replace", "move", "copy", "test", "increment"};
    if (!patch.is_array() || patch.empty()) {
        c.fail(where, "must be a non-empty array of JSON Patch operations");
        return;
    }
    for (size_t i = 0; i < patch.size(); ++i) {
        const json& op = patch[i];
        std::string w = fmt::format("{}[{}].", where, i);
        if (!op.is_object()) {
            c.fail(w.substr(0, w.size() - 1), "must be an object");
            continue;
        }
        std::string name = c.text(op, "op", w, true);
        if (!name.empty() && !ops.contains(name))
            c.fail(w + "op", "must be one of add, remove, replace, move, copy, test, increment");
        std::string path = c.text(op, "path", w, true);
        if (!path.empty() && path[0] != '/') c.fail(w + "path", "must be a JSON pointer starting with '/'");
        if ((name == "add" || name == "replace" || name == "test") && !op.contains("value"))
            c.fail(w + "value", "is required");
        if ((name == "move" || name == "copy")) c.text(op, "from", w, true);
        if (name == "increment" && !(op.contains("value") && op["value"].is_number()))
            c.fail(w + "value", "must be a number");
    }
}

ScriptStep parse_step(Checker& c, const json& s, const std::string& where) {
    ScriptStep step;
    if (!s.is_object()) {
        c.fail(where, "must be an object");
        return step;
    }
    const std::string w = where + ".";
    c.only_members(s, {"at", "every", "until", "patch", "note"}, w);
    if (!s.contains("at")) c.fail(w + "at", "is required");
    step.at = c.duration(s, "at", w).value_or(Duration{0});
    step.every = c.duration(s, "every", w).value_or(Duration{0});
    if (s.contains("every") && step.every.count() == 0) c.fail(w + "every", "must be longer than 0s");
    step.until = c.duration(s, "until", w);
    if (step.until && step.every.count() == 0) c.fail(w + "until", "only applies to a step with every");
    if (step.until && *step.until < step.at) c.fail(w + "until", "must not be before at");
    if (!s.contains("patch"))
        c.fail(w + "patch", "is required");
    else
        check_patch(c, s["patch"], w + "patch");
    step.patch = s.value("patch", json::array());
    return step;
}

// Members read without copying; an absent (or non-object) parent reads as empty.
const json& at(const json& object, const char* key) {
    static const json empty = json::object();
    if (!object.is_object()) return empty;
    auto it = object.find(key);
    return it == object.end() ? empty : *it;
}
const json& list_at(const json& object, const char* key) {
    static const json empty = json::array();
    if (!object.is_object()) return empty;
    auto it = object.find(key);
    return it == object.end() ? empty : *it;
}

// The identifying members of world objects, so a scenario that would answer nonsense fails early.
void check_world(Checker& c, const json& world) {
    c.object_member(world, "github", "world.");
    c.object_member(world, "aws", "world.");
    c.object_member(world, "http", "world.");
    c.object_member(world, "registries", "world.");
    auto require_each = [&](const json& list, const std::string& where, const std::string& key) {
        if (!list.is_array()) {
            c.fail(where, "must be an array");
            return;
        }
        for (size_t i = 0; i < list.size(); ++i)
            if (!list[i].is_object() || !list[i].contains(key))
                c.fail(fmt::format("{}[{}].{}", where, i, key), "is required");
    };
    if (world.contains("aws") && world["aws"].is_object()) {
        for (const auto& [region, services] : world["aws"].items()) {
            std::string w = "world.aws." + region;
            if (!services.is_object()) {
                c.fail(w, "must be an object");
                continue;
            }
            const json& ecs = at(services, "ecs");
            for (const auto& [name, cluster] : at(ecs, "clusters").items()) {
                std::string cw = w + ".ecs.clusters." + name;
                require_each(list_at(cluster, "services"), cw + ".services", "serviceName");
                require_each(list_at(cluster, "tasks"), cw + ".tasks", "taskArn");
            }
            require_each(list_at(ecs, "taskDefinitions"), w + ".ecs.taskDefinitions", "taskDefinitionArn");
            for (const auto& [name, repo] : at(at(services, "ecr"), "repositories").items())
                require_each(list_at(repo, "images"), w + ".ecr.repositories." + name + ".images", "imageDigest");
            for (const auto& [name, project] : at(at(services, "codebuild"), "projects").items())
                require_each(list_at(project, "builds"), w + ".codebuild.projects." + name + ".builds", "id");
            const json& elbv2 = at(services, "elbv2");
            require_each(list_at(elbv2, "loadBalancers"), w + ".elbv2.loadBalancers", "LoadBalancerArn");
            require_each(list_at(elbv2, "targetGroups"), w + ".elbv2.targetGroups", "TargetGroupArn");
            require_each(list_at(at(services, "ec2"), "instances"), w + ".ec2.instances", "InstanceId");
            for (const auto& [name, events] : at(at(services, "logs"), "groups").items())
                require_each(events, w + ".logs.groups." + name, "timestamp");
            require_each(list_at(at(services, "secretsmanager"), "secrets"),
                         w + ".secretsmanager.secrets", "ARN");
            require_each(list_at(at(services, "codedeploy"), "deployments"), w + ".codedeploy.deployments",
                         "deploymentId");
            require_each(list_at(at(services, "codedeploy"), "targets"), w + ".codedeploy.targets", "ecsTarget");
        }
    }
    if (world.contains("github") && world["github"].is_object()) {
        for (const auto& [repo, content] : world["github"].items()) {
            std::string w = "world.github." + repo;
            if (!content.is_object()) {
                c.fail(w, "must be an object");
                continue;
            }
            require_each(list_at(content, "commits"), w + ".commits", "sha");
            require_each(list_at(content, "runs"), w + ".runs", "id");
        }
    }
    // world.registries.<host>.repositories.<path>.tags: tag -> "sha256:<64 hex>".
    for (const auto& [host, registry] : at(world, "registries").items())
        for (const auto& [path, repo] : at(registry, "repositories").items())
            for (const auto& [tag, digest] : at(repo, "tags").items())
                if (!digest.is_string() || digest.get<std::string>().rfind("sha256:", 0) != 0)
                    c.fail(fmt::format("world.registries.{}.repositories.{}.tags.{}", host, path, tag),
                           "must be a digest \"sha256:...\"");
    if (world.contains("http") && world["http"].is_object()) {
        for (const auto& [url, answer] : world["http"].items()) {
            std::string w = "world.http[" + url + "]";
            if (!answer.is_object() || !answer.contains("status") || !answer["status"].is_number_integer())
                c.fail(w + ".status", "must be an HTTP status number");
            else if (answer.contains("body") && !answer["body"].is_string())
                c.fail(w + ".body", "must be a string");
        }
    }
}

}  // namespace

std::vector<std::string> scenario_names() {
    std::vector<std::string> names;
    for (const auto& [name, text] : embedded_scenarios()) names.push_back(name);
    return names;  // std::map keeps them sorted
}

Result<Scenario> parse_scenario(const std::string& json_text) {
    json doc;
    try {
        doc = json::parse(json_text);
    } catch (const json::parse_error& e) {
        return Error{"scenario", fmt::format("scenario: not valid JSON: {}", e.what()), 0, false};
    }
    Checker c("(unnamed)");
    if (!doc.is_object()) {
        c.fail("document", "must be a JSON object");
        return c.error();
    }
    Scenario s;
    s.name = c.text(doc, "name", "", true);
    if (!s.name.empty()) c.set_scenario(s.name);
    c.only_members(doc, {"name", "title", "description", "start", "account", "credentials", "pipelines", "expect",
                         "expect_stage", "expect_health", "expect_absent", "expect_present", "world", "script"},
                   "");
    s.title = c.text(doc, "title", "", false);
    s.description = c.text(doc, "description", "", false);
    std::string start = c.text(doc, "start", "", true);
    if (auto t = parse_iso8601(start))
        s.start = *t;
    else if (!start.empty())
        c.fail("start", "must be an ISO-8601 time like 2025-06-12T17:40:00Z");
    s.account = c.text(doc, "account", "", true);
    static const std::regex account_form("[0-9]{12}");
    if (!s.account.empty() && !std::regex_match(s.account, account_form)) c.fail("account", "must be 12 digits");

    s.access_key_id = "AKIDSHIPWATCHSIM";
    s.secret_access_key = "shipwatch-simulator-secret";
    if (doc.contains("credentials")) {
        const json& cred = doc["credentials"];
        if (!cred.is_object()) {
            c.fail("credentials", "must be an object");
        } else {
            s.access_key_id = c.text(cred, "access_key_id", "credentials.", true);
            s.secret_access_key = c.text(cred, "secret_access_key", "credentials.", true);
        }
    }

    if (!doc.contains("pipelines") || !doc["pipelines"].is_array() || doc["pipelines"].empty()) {
        c.fail("pipelines", "must be a non-empty array");
    } else {
        std::set<std::string> names;
        for (size_t i = 0; i < doc["pipelines"].size(); ++i) {
            auto where = fmt::format("pipelines[{}]", i);
            s.pipelines.push_back(parse_pipeline(c, doc["pipelines"][i], where, s.account));
            if (!s.pipelines.back().name.empty() && !names.insert(s.pipelines.back().name).second)
                c.fail(where + ".name", "repeats an earlier pipeline's name");
        }
    }

    if (doc.contains("expect")) {
        if (!doc["expect"].is_object()) c.fail("expect", "must be an object");
        for (const auto& [name, verdict] : at(doc, "expect").items()) {
            const std::string& pipeline = name;  // a lambda below captures it (clang 14: no bindings)
            bool known = std::any_of(s.pipelines.begin(), s.pipelines.end(),
                                     [&](const PipelineSpec& p) { return p.name == pipeline; });
            if (!known) c.fail("expect." + pipeline, "names no pipeline of this scenario");
            if (!verdict.is_string())
                c.fail("expect." + pipeline, "must be a verdict code string");
            else
                s.expect[pipeline] = verdict.get<std::string>();
        }
    }

    if (!doc.contains("world") || !doc["world"].is_object()) {
        c.fail("world", "must be an object");
    } else {
        check_world(c, doc["world"]);
        s.world = doc["world"];
    }

    if (doc.contains("script")) {
        if (!doc["script"].is_array()) c.fail("script", "must be an array");
        const json& script = doc["script"];
        for (size_t i = 0; script.is_array() && i < script.size(); ++i)
            s.script.push_back(parse_step(c, script[i], fmt::format("script[{}]", i)));
    }
    if (c.failed()) return c.error();
    return s;
}

Result<Scenario> load_scenario(const std::string& name_or_path) {
    if (name_or_path.find('/') == std::string::npos && !name_or_path.ends_with(".json")) return load_builtin(name_or_path);
    constexpr size_t kMaxBytes = 64 << 20;  // a scenario is a document, not a stream
    BoundedRead file = read_bounded(name_or_path, kMaxBytes, "scenario file");
    if (file.missing) return Error{"scenario", fmt::format("cannot read scenario file {}", name_or_path), 0, false};
    if (!file.problem.empty()) return Error{"scenario", file.problem, 0, false};
    auto parsed = parse_scenario(file.text);
    if (!parsed) return Error{"scenario", fmt::format("{}: {}", name_or_path, parsed.error().message), 0, false};
    return parsed;
}

Result<Scenario> load_builtin(const std::string& name) {
    const auto& all = embedded_scenarios();
    auto it = all.find(name);
    if (it == all.end()) {
        // Generated fleets are built-in too, by name: fleet-200, fleet-50-week.
        if (auto options = fleet_options_from_name(name)) {
            if (!*options) return options->error();
            auto fleet = make_fleet(options->value());
            if (!fleet) return fleet.error();
            return std::move(fleet).value().scenario;
        }
        std::string known;
        for (const auto& [n, text] : all) known += (known.empty() ? "" : ", ") + n;
        return Error{"scenario", fmt::format("no built-in scenario named '{}' (built-in: {}; generated: fleet-N, fleet-N-week)", name,
                                                known.empty() ? "none" : known),
                        0, false};
    }
    auto parsed = parse_scenario(it->second);
    if (parsed && parsed->name != name)
        return Error{"scenario", fmt::format("scenario {}: name must match its file name '{}'", parsed->name, name),
                        0, false};
    return parsed;
}

}  // namespace shipwatch::sim

// The evolving world: script steps applied in time order as the clock passes them, templates
// expanded at application time, and the bounds real AWS keeps (service events, stopped tasks).
#include <algorithm>
#include <functional>
#include <map>
#include <regex>

#include <fmt/format.h>

#include "base/digest.hpp"
#include "sim/handlers.hpp"
#include "sim/simulator.hpp"

namespace shipwatch::sim {
namespace {

using nlohmann::json;

constexpr size_t kServiceEventsKept = 100;  // DescribeServices returns the newest 100 events
constexpr Duration kStoppedTaskMemory = std::chrono::hours(1);  // ECS forgets stopped tasks after ~1h
// Simulator bounds for long scripts (see bound_lists_locked); the collector asks for 30 commits.
constexpr size_t kCommitsKept = 30;
constexpr size_t kRunsKept = 30;  // per repository, all workflows
constexpr size_t kImagesKept = 10;  // per ECR repository: a common lifecycle policy
constexpr size_t kRevisionsKept = 10;  // per task family

struct Firing {
    TimePoint at;  // the step's scheduled time: what ${now} means
    long long seq;
};

// ${now}, ${now-90s}, ${now+2m}, ${seq}, ${seq+1000}, ${hex8}.
const std::regex& template_pattern() {
    static const std::regex pattern(R"(\$\{(now|seq|hex8)(?:([+-])([0-9smhd]+))?\})");
    return pattern;
}

// One template's text; nullopt when the offset is malformed (the template is then left as is).
std::optional<std::string> expand_one(const std::smatch& m, const Firing& f, bool& whole_number) {
    const std::string name = m[1];
    const bool has_offset = m[2].matched;
    const int sign = m[2] == "-" ? -1 : 1;
    if (name == "now") {
        Duration offset{0};
        if (has_offset) {
            auto d = parse_duration(m[3].str());
            if (!d) return std::nullopt;
            offset = *d * sign;
        }
        return format_iso8601(f.at + offset);
    }
    if (name == "seq") {
        long long offset = 0;
        if (has_offset) {
            const std::string digits = m[3];
            if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
            offset = std::stoll(digits) * sign;
        }
        whole_number = true;
        return std::to_string(f.seq + offset);
    }
    if (has_offset) return std::nullopt;  // ${hex8+..} means nothing
    return sha256_hex(fmt::format("shipwatch-sim-{}", f.seq)).substr(0, 8);
}

// A string that is exactly one ${seq} template becomes a number, so ids can be numeric
// (GitHub run ids); everywhere else templates expand inside the string.
json expand_string(const std::string& text, const Firing& f) {
    if (text.find("${") == std::string::npos) return text;
    std::string out;
    bool number_template = false;
    size_t templates = 0;
    auto begin = std::sregex_iterator(text.begin(), text.end(), template_pattern());
    size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
        const std::smatch& m = *it;
        out.append(text, last, static_cast<size_t>(m.position()) - last);
        bool whole_number = false;
        auto expanded = expand_one(m, f, whole_number);
        out += expanded.value_or(m.str());
        number_template = whole_number && expanded && m.length() == static_cast<long>(text.size());
        ++templates;
        last = static_cast<size_t>(m.position() + m.length());
    }
    out.append(text, last);
    if (templates == 1 && number_template) return std::stoll(out);
    return out;
}

json expand(const json& value, const Firing& f) {
    if (value.is_string()) return expand_string(value.get<std::string>(), f);
    if (value.is_array() || value.is_object()) {
        json out = value;
        for (auto& [key, item] : value.items()) {
            if (value.is_array())
                out[std::stoul(key)] = expand(item, f);
            else
                out[key] = expand(item, f);
        }
        return out;
    }
    return value;
}

std::optional<TimePoint> time_of(const json& object, const char* key) {
    auto it = object.find(key);
    return it == object.end() ? std::nullopt : detail::world_time(*it);
}

// Calls f(cluster) for every ECS cluster object of every region.
template <typename F>
void for_each_cluster(json& state, F&& f) {
    auto aws = state.find("aws");
    if (aws == state.end() || !aws->is_object()) return;
    for (auto& [region, services] : aws->items()) {
        if (!services.is_object()) continue;
        auto ecs = services.find("ecs");
        if (ecs == services.end() || !ecs->is_object()) continue;
        auto clusters = ecs->find("clusters");
        if (clusters == ecs->end() || !clusters->is_object()) continue;
        for (auto& [name, cluster] : clusters->items())
            if (cluster.is_object()) f(cluster);
    }
}

}  // namespace

// The scenario's world becomes the state (nothing reads it from the scenario after this): a
// generated fleet's world is most of its memory, and one copy of it is enough.
World::World(Scenario scenario, const ClockSource& clock)
    : scenario_(std::move(scenario)),
      clock_(clock),
      state_(std::move(scenario_.world)),
      fired_(scenario_.script.size(), 0) {
    scenario_.world = nlohmann::json::object();
    for (size_t i = 0; i < scenario_.script.size(); ++i) queue_next_locked(i);
}

// The step's next firing, unless a one-shot step has fired or a repeating one is past its end.
void World::queue_next_locked(size_t index) {
    const ScriptStep& step = scenario_.script[index];
    if (step.every.count() == 0 && fired_[index] > 0) return;
    Duration offset = step.at + step.every * fired_[index];
    if (step.until && offset > *step.until) return;
    due_.push({scenario_.start + offset, index});
}

void World::advance_locked() {
    const TimePoint now = clock_.now();
    // Due firings in time order; ties go to the step written first (the queue's order). A
    // queue, not a scan of every step per firing: a fleet's script is tens of thousands of steps.
    bool changed = false;
    while (!due_.empty() && due_.top().first <= now) {
        auto [at, index] = due_.top();
        due_.pop();
        apply_step_locked(index, at);
        ++fired_[index];
        queue_next_locked(index);
        changed = true;
    }
    const bool first = !bounded_once_;
    if (changed || first) {
        bound_events_locked();
        bound_lists_locked();
    }
    bounded_once_ = true;
    touched_.clear();
    // Every request advances the world; walking every task of every cluster each time made a
    // check of N pipelines cost N² (ECS forgets a stopped task an hour after it stopped).
    if (changed || first || now > forget_due_) forget_stopped_tasks_locked(now);
}

void World::apply_step_locked(size_t index, TimePoint scheduled) {
    Firing firing{scheduled, ++seq_};
    const json patch = expand(scenario_.script[index].patch, firing);
    try {
        detail::apply_patch(state_, patch, touched_);
    } catch (const std::exception& e) {
        script_errors_.push_back(fmt::format("scenario {}: script[{}] at {}: {}", scenario_.name, index,
                                             format_iso8601(scheduled), e.what()));
    }
}

bool World::touched_locked(const std::string& prefix) const {
    if (!bounded_once_) return true;
    for (const std::string& path : touched_)
        if (path.size() >= prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
            (path.size() == prefix.size() || path[prefix.size()] == '/'))
            return true;
    return false;
}

std::string World::escape_token(const std::string& token) {
    std::string out;
    for (char c : token) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
    return out;
}

// Only clusters a step touched are sorted again: a fleet has hundreds of services.
void World::bound_events_locked() {
    auto aws = state_.find("aws");
    if (aws == state_.end() || !aws->is_object()) return;
    for (auto& [region, services] : aws->items()) {
        if (!services.is_object() || !services.contains("ecs") || !services["ecs"].is_object()) continue;
        auto clusters = services["ecs"].find("clusters");
        if (clusters == services["ecs"].end() || !clusters->is_object()) continue;
        for (auto& [name, cluster] : clusters->items()) {
            if (!cluster.is_object() || !touched_locked("/aws/" + escape_token(region) + "/ecs/clusters/" + escape_token(name))) continue;
            auto list = cluster.find("services");
            if (list == cluster.end() || !list->is_array()) continue;
            for (json& service : *list) {
                auto events = service.find("events");
                if (events == service.end() || !events->is_array()) continue;
                // Newest first, as ECS returns them, whichever end the script added to.
                auto newer = [](const json& a, const json& b) {
                    return time_of(a, "createdAt").value_or(TimePoint{}) > time_of(b, "createdAt").value_or(TimePoint{});
                };
                if (!std::is_sorted(events->begin(), events->end(), newer)) std::stable_sort(events->begin(), events->end(), newer);
                if (events->size() > kServiceEventsKept) events->erase(events->begin() + kServiceEventsKept, events->end());
            }
        }
    }
}

// A long script must not grow the world without bound: keep the newest commits and runs of a
// repository, images of an ECR repository and revisions of a task family (as an ECR lifecycle
// policy and deregistering old revisions would). Lists shorter than the bounds are left alone.
void World::bound_lists_locked() {
    auto github = state_.find("github");
    if (github != state_.end() && github->is_object()) {
        for (auto& [name, repo] : github->items()) {
            if (!repo.is_object() || !touched_locked("/github/" + escape_token(name))) continue;
            auto commits = repo.find("commits");  // newest first, as GitHub lists them
            if (commits != repo.end() && commits->is_array() && commits->size() > kCommitsKept)
                commits->erase(commits->begin() + kCommitsKept, commits->end());
            auto runs = repo.find("runs");
            if (runs == repo.end() || !runs->is_array() || runs->size() <= kRunsKept) continue;
            auto jobs = repo.find("jobs");
            for (auto it = runs->begin() + kRunsKept; it != runs->end(); ++it)
                if (jobs != repo.end() && jobs->is_object() && it->contains("id")) jobs->erase((*it)["id"].dump());
            runs->erase(runs->begin() + kRunsKept, runs->end());
        }
    }
    auto aws = state_.find("aws");
    if (aws == state_.end() || !aws->is_object()) return;
    for (auto& [region, services] : aws->items()) {
        if (!services.is_object()) continue;
        const std::string prefix = "/aws/" + escape_token(region);
        auto ecr = services.find("ecr");
        if (ecr != services.end() && ecr->is_object() && ecr->contains("repositories") && (*ecr)["repositories"].is_object()) {
            for (auto& [name, repository] : (*ecr)["repositories"].items()) {
                auto images = repository.find("images");
                if (images == repository.end() || !images->is_array() || images->size() <= kImagesKept) continue;
                if (!touched_locked(prefix + "/ecr/repositories/" + escape_token(name))) continue;
                std::stable_sort(images->begin(), images->end(), [](const json& a, const json& b) {
                    return time_of(a, "imagePushedAt").value_or(TimePoint{}) > time_of(b, "imagePushedAt").value_or(TimePoint{});
                });
                images->erase(images->begin() + kImagesKept, images->end());
            }
        }
        auto ecs = services.find("ecs");
        if (ecs == services.end() || !ecs->is_object() || !touched_locked(prefix + "/ecs/taskDefinitions")) continue;
        auto defs = ecs->find("taskDefinitions");
        if (defs == ecs->end() || !defs->is_array()) continue;
        std::map<std::string, std::vector<long long>> revisions;  // family -> revisions
        for (const json& d : *defs)
            if (d.is_object() && d.contains("revision") && d["revision"].is_number_integer())
                revisions[d.value("family", "")].push_back(d["revision"].get<long long>());
        std::map<std::string, long long> oldest_kept;
        for (auto& [family, list] : revisions) {
            if (list.size() <= kRevisionsKept) continue;
            std::sort(list.begin(), list.end(), std::greater<>());
            oldest_kept[family] = list[kRevisionsKept - 1];
        }
        if (oldest_kept.empty()) continue;
        defs->erase(std::remove_if(defs->begin(), defs->end(), [&](const json& d) {
                        auto it = oldest_kept.find(d.value("family", ""));
                        return it != oldest_kept.end() && d.contains("revision") && d["revision"].is_number_integer() &&
                               d["revision"].get<long long>() < it->second;
                    }),
                    defs->end());
    }
}

void World::forget_stopped_tasks_locked(TimePoint now) {
    TimePoint due = TimePoint::max();  // the next moment a kept stopped task is forgotten
    for_each_cluster(state_, [now, &due](json& cluster) {
        auto tasks = cluster.find("tasks");
        if (tasks == cluster.end() || !tasks->is_array()) return;
        auto forgotten = [now, &due](const json& task) {
            if (task.value("lastStatus", "") != "STOPPED") return false;
            auto stopped = time_of(task, "stoppedAt");
            if (!stopped) return false;
            if (*stopped < now - kStoppedTaskMemory) return true;
            due = std::min(due, *stopped + kStoppedTaskMemory);
            return false;
        };
        tasks->erase(std::remove_if(tasks->begin(), tasks->end(), forgotten), tasks->end());
    });
    forget_due_ = due;
}

int World::count_call(const std::string& operation) {
    std::lock_guard lock(counts_mutex_);
    return ++counts_[operation];
}

std::map<std::string, int> World::call_counts() const {
    std::lock_guard lock(counts_mutex_);
    return counts_;
}

std::vector<std::string> World::script_errors() const {
    std::lock_guard lock(mutex_);
    return script_errors_;
}

std::string World::next_request_id() {
    std::lock_guard lock(counts_mutex_);
    // UUID-shaped like real request ids, but deterministic per world.
    return fmt::format("5d1a0000-0000-4000-8000-{:012x}", ++requests_);
}

}  // namespace shipwatch::sim

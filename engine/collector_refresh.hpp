// What a collector's refresh carries from value to value, and the pieces every part of the
// collector (collector.cpp: the refresh, source control, the endpoint; collector_ecs.cpp: the
// service, its tasks and what its task definition names; collector_targets.cpp: target groups and
// EC2 instances) stores its answers with. Internal to engine/.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/collector.hpp"

namespace shipwatch::collector_detail {

// Set while a merge of a detached refresh runs (PipelineCollector::detach): its answers may come
// after a later refresh stored newer ones. The merge thread's alone.
inline thread_local bool late_merge = false;

template <typename T>
void store(Fetched<T>& part, Result<T> result, Source source, TimePoint now) {
    // An answer to an older request never replaces what a newer one brought.
    if (late_merge && part.fetched_at && now < *part.fetched_at) return;
    if (result.ok()) {
        part.value = std::move(result).value();
        part.fetched_at = now;
        part.error.reset();
    } else {
        const Error& e = result.error();
        // A cached error keeps its time.
        part.error = FetchError{source, e.code, e.message, e.time.value_or(now), e.context};
    }
}

template <typename T>
void fail(Fetched<T>& part, Source source, std::string code, std::string message, TimePoint now) {
    part.error = FetchError{source, std::move(code), std::move(message), now};
}

// Another part's error standing for a part that was not asked because of it: the text says
// "<part> not read: <call> failed: ..." rather than blaming the part's own source.
inline FetchError upstream_error(FetchError e) {
    e.upstream = true;
    return e;
}

inline bool is_arn(const std::string& text) { return text.rfind("arn:", 0) == 0; }

}  // namespace shipwatch::collector_detail

namespace shipwatch {

// What one refresh carries from value to value. Touched on the merge thread only.
struct PipelineCollector::Refresh {
    FetchContext ctx;
    bool live = true, slow = true;
    std::function<void(PipelineSnapshot)> done;
    int pending = 0;  // values still to merge
    std::map<Part, int> waiting;  // values still to merge, by the parts they are for
    bool detached = false;  // given up waiting for: `done` is gone, late values are merged as they come
    std::chrono::steady_clock::time_point started;  // for the log only
    std::chrono::steady_clock::time_point heard;  // the last value merged (or the start)

    // Source control: the run's steps need the newest commit and the runs.
    bool commits_merged = false, runs_merged = false;
    std::optional<Result<std::vector<CiRun>>> runs;
    TimePoint runs_at{};

    // ECS: the task definitions are complete once the service and the tasks are merged and
    // every revision either named has come back.
    bool service_merged = false, service_ok = false;
    std::optional<EcsClusterFetch::Tasks> early_tasks;  // came before the service: merged after it
    int td_inputs = 2;  // the service, the tasks
    int td_pending = 0;
    std::set<std::string> td_asked;
    std::map<std::string, TaskDefinition> tds;
    std::optional<Error> td_error;
    TimePoint ecs_at{};  // the task definitions are as fresh as the service and tasks that name them

    // Targets: the groups' metadata and each group's health.
    std::vector<std::string> groups;
    std::shared_ptr<const TargetMeta> meta;
    std::map<std::string, std::optional<Result<std::vector<Target>>>> health;  // by group ARN
    bool health_skipped = false;  // a group's health is still asked by an earlier refresh: not stored now
    std::optional<TimePoint> health_at;  // the oldest health answer

    // Secrets: every DescribeSecret of the task definition.
    int secrets_pending = 0;
    std::map<size_t, SecretInfo> secrets;  // in the task definition's order
    std::optional<Error> secret_error;

    // EC2 instances: DescribeInstances, then the user data of instances not seen before.
    int user_data_pending = 0;
    std::vector<Instance> instances;
    TimePoint instances_at{};
};

template <typename... Args>
std::function<void(Args...)> PipelineCollector::merge(const RefreshPtr& r, std::initializer_list<Part> parts,
                                                      std::type_identity_t<std::function<void(Args...)>> fn) {
    ++r->pending;
    for (Part p : parts) ++r->waiting[p];
    return [this, r, parts = std::vector<Part>(parts), fn = std::move(fn)](Args... args) {
        for (Part p : parts) --r->waiting[p];
        r->heard = std::chrono::steady_clock::now();
        collector_detail::late_merge = r->detached;
        guarded(parts, [&] { fn(args...); });
        collector_detail::late_merge = false;
        settle(r);
    };
}

}  // namespace shipwatch

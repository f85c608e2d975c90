// One ECS cluster, fetched once per refresh for every watched service in it: DescribeServices
// in batches of 10, ListTasks for the whole cluster (or per service, for one or two), DescribeTasks
// page by page, and the metadata of the services' target groups (which load balancer, its DNS
// name) in batches of 20. With many services in one cluster this costs a handful of calls instead
// of several per service.
//
// Each piece of a generation is delivered the moment it is there, so a pipeline asks for its task
// definitions and target health as soon as DescribeServices answers, while the task pages are
// still coming. The calls run as jobs on the fetch pool; no lock is held while one runs.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "base/clock.hpp"
#include "engine/fetch_graph.hpp"
#include "engine/target_meta.hpp"
#include "sources/aws/clients.hpp"

namespace shipwatch {

// The stopped tasks kept per service, the most recently stopped (README "Bounds"): ECS lists a
// service's stopped tasks for about an hour, and a crash-looping one stops thousands in that time.
inline constexpr size_t kMaxStoppedTasksPerService = 100;
// The target groups read per service: ECS attaches at most five load balancers to a service, each
// with a blue/green alternate; an answer naming more is not believed past ten.
inline constexpr size_t kMaxTargetGroupsPerService = 10;

// At most kMaxStoppedTasksPerService of `tasks`' stopped ones, the most recently stopped; the
// others (running, pending) all, in their order.
void keep_recent_stops(std::vector<Task>& tasks, size_t max_stopped = kMaxStoppedTasksPerService);

class EcsClusterFetch {
public:
    // `meta_max_age`: how long the target groups' metadata is kept while the set of groups stays
    // the same (a group's load balancer and its DNS name hardly ever change).
    EcsClusterFetch(aws::AwsContext ctx, std::string cluster, const ClockSource& clock, Duration max_age,
                    Duration meta_max_age = std::chrono::minutes(5));

    // A service to fetch, with the target groups its pipeline names in the config (ARNs or names).
    void watch(const std::string& service, const std::vector<std::string>& target_groups = {});

    struct Services {
        std::map<std::string, Service> found;
        std::optional<Error> error;  // of the batch a service missing from `found` was in
        ErrorContext asked;  // the call, region and profile, for an error of a missing service
        TimePoint at = TimePoint::max();  // when the first of its requests went out: the data is that old
        Result<Service> of(const std::string& service, const std::string& cluster) const;
    };
    struct Tasks {
        // RUNNING and recently STOPPED (at most kMaxStoppedTasksPerService of these)
        std::map<std::string, std::vector<Task>> by_service;
        std::map<std::string, Error> errors;  // by listing scope: a service, or "" for the cluster
        TimePoint at = TimePoint::max();  // when the first of its requests went out: the data is that old
        Result<std::vector<Task>> of(const std::string& service) const;
    };
    struct Generation {
        Promised<Services> services;
        Promised<Tasks> tasks;
        Promised<std::shared_ptr<const TargetMeta>> target_groups;  // of every watched service and config
    };
    // The current generation, starting a new one on ctx's pool first when the last is complete
    // and older than max_age, a new service was watched, or `force`.
    std::shared_ptr<const Generation> get(FetchContext ctx, bool force = false);

private:
    struct Build;
    void start(FetchContext ctx, std::shared_ptr<Build> build);
    using PageKey = std::tuple<std::string, int, int>;  // listing scope, status, page number
    void list_page(FetchContext ctx, std::shared_ptr<Build> build, PageKey key, std::string token);
    void task_call_done(std::shared_ptr<Build> build);

    aws::AwsContext ctx_;
    std::string cluster_;
    const ClockSource& clock_;
    Duration max_age_, meta_max_age_;
    mutable std::mutex mutex_;  // guards what follows; never held across a call
    std::set<std::string> services_;
    std::set<std::string> configured_groups_;
    std::shared_ptr<Generation> current_;
    std::optional<TimePoint> started_at_;
    TargetMetaFetch meta_;
};

}  // namespace shipwatch

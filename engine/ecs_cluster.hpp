// One ECS cluster, fetched once per refresh for every watched service in it: DescribeServices
// in batches of 10, ListTasks for the whole cluster, DescribeTasks in batches of 100. With many
// services in one cluster this costs a handful of calls instead of three per service.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "sources/aws/clients.hpp"
#include "base/clock.hpp"

namespace shipwatch {

class EcsClusterFetch {
public:
    EcsClusterFetch(aws::AwsContext ctx, std::string cluster, const ClockSource& clock, Duration max_age);

    void watch(const std::string& service);
    struct ServiceView {
        Result<Service> service;
        Result<std::vector<Task>> tasks;  // RUNNING and recently STOPPED
    };
    // This service's part of the cluster, refetching the whole cluster first when its data is
    // older than max_age (or `force`). Callers from several threads share one fetch.
    ServiceView get(const std::string& service, bool force = false);
    int refreshes() const;

private:
    void refresh_locked();

    aws::AwsContext ctx_;
    std::string cluster_;
    const ClockSource& clock_;
    Duration max_age_;
    mutable std::mutex mutex_;
    std::set<std::string> services_;
    std::optional<TimePoint> fetched_at_;
    std::optional<Error> services_error_, tasks_error_;
    std::map<std::string, Service> by_name_;
    std::map<std::string, std::vector<Task>> tasks_by_service_;
    int refreshes_ = 0;
};

}  // namespace shipwatch

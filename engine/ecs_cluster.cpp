#include "engine/ecs_cluster.hpp"

#include <fmt/format.h>

namespace shipwatch {

EcsClusterFetch::EcsClusterFetch(aws::AwsContext ctx, std::string cluster, const ClockSource& clock, Duration max_age)
    : ctx_(std::move(ctx)), cluster_(std::move(cluster)), clock_(clock), max_age_(max_age) {}

void EcsClusterFetch::watch(const std::string& service) {
    std::lock_guard lock(mutex_);
    services_.insert(service);
    fetched_at_.reset();  // the next get() must include it
}

int EcsClusterFetch::refreshes() const {
    std::lock_guard lock(mutex_);
    return refreshes_;
}

EcsClusterFetch::ServiceView EcsClusterFetch::get(const std::string& service, bool force) {
    std::lock_guard lock(mutex_);
    if (!services_.count(service)) {
        services_.insert(service);
        fetched_at_.reset();
    }
    if (force || !fetched_at_ || clock_.now() - *fetched_at_ >= max_age_) refresh_locked();
    ServiceView view{services_error_ ? Result<Service>(*services_error_) : Result<Service>(Error{}),
                     tasks_error_ ? Result<std::vector<Task>>(*tasks_error_) : Result<std::vector<Task>>(std::vector<Task>{})};
    if (!services_error_) {
        auto it = by_name_.find(service);
        if (it == by_name_.end())
            view.service = Error{"ServiceNotFound", fmt::format("service {} not found in cluster {}", service, cluster_), 400, false};
        else
            view.service = it->second;
    }
    if (!tasks_error_)
        if (auto it = tasks_by_service_.find(service); it != tasks_by_service_.end()) view.tasks = it->second;
    return view;
}

void EcsClusterFetch::refresh_locked() {
    ++refreshes_;
    fetched_at_ = clock_.now();
    services_error_.reset();
    tasks_error_.reset();
    by_name_.clear();
    tasks_by_service_.clear();
    aws::EcsClient ecs(ctx_);

    auto services = ecs.describe_services(cluster_, {services_.begin(), services_.end()});
    if (!services) {
        services_error_ = services.error();
        tasks_error_ = services.error();
        return;
    }
    for (auto& s : services.value()) by_name_[s.name] = std::move(s);

    // One service alone: ask for its tasks by name. Several: list the cluster once.
    std::vector<std::string> arns;
    std::vector<std::string> scopes = services_.size() <= 2 ? std::vector<std::string>(services_.begin(), services_.end())
                                                            : std::vector<std::string>{""};
    for (const auto& scope : scopes) {
        if (!scope.empty() && !by_name_.count(scope)) continue;  // ListTasks would fail for it
        for (const char* status : {"RUNNING", "STOPPED"}) {
            auto r = ecs.list_tasks(cluster_, scope, status);
            if (!r) {
                tasks_error_ = r.error();
                return;
            }
            arns.insert(arns.end(), r->begin(), r->end());
        }
    }
    if (arns.empty()) return;
    auto tasks = ecs.describe_tasks(cluster_, arns);
    if (!tasks) {
        tasks_error_ = tasks.error();
        return;
    }
    for (auto& t : tasks.value()) {
        if (t.group.rfind("service:", 0) != 0) continue;
        std::string name = t.group.substr(8);
        if (services_.count(name)) tasks_by_service_[name].push_back(std::move(t));
    }
}

}  // namespace shipwatch

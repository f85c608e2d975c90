#include "engine/ecs_cluster.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <tuple>

#include "sources/aws/batches.hpp"

namespace shipwatch {
namespace {

constexpr size_t kServicesPerCall = 10;  // DescribeServices' limit
constexpr std::array<const char*, 2> kStatuses{"RUNNING", "STOPPED"};

// When a stopped task stopped, as far as it tells (stoppedAt is absent while a stop is recorded).
TimePoint stop_time(const Task& t) {
    for (const auto& at : {t.stopped_at, t.stopping_at, t.started_at, t.created_at})
        if (at) return *at;
    return TimePoint{};
}

// A service's target groups, up to kMaxTargetGroupsPerService; those past it are not asked for
// (a hostile answer naming thousands would cost a call per 20 each refresh) and say why.
void add_service_groups(const std::string& name, const Service& svc, std::vector<std::string>& groups,
                        std::map<std::string, Error>& refused) {
    std::vector<std::string> own;
    add_target_groups(svc, own);
    for (size_t i = 0; i < own.size(); ++i) {
        if (i < kMaxTargetGroupsPerService) {
            if (std::find(groups.begin(), groups.end(), own[i]) == groups.end()) groups.push_back(own[i]);
            continue;
        }
        refused.emplace(own[i], Error{"TooManyTargetGroups",
                                      fmt::format("service {} names more than {} target groups; {} is not read", name,
                                                  kMaxTargetGroupsPerService, own[i]),
                                      200, false, ErrorKind::aws});
    }
}

// The metadata with an error for each group not asked for (a group asked for anyway is found first).
std::shared_ptr<const TargetMeta> with_refused(std::shared_ptr<const TargetMeta> meta,
                                               const std::map<std::string, Error>& refused) {
    if (refused.empty() || !meta) return meta;
    auto copy = std::make_shared<TargetMeta>(*meta);
    for (const auto& [group, error] : refused) copy->errors.emplace(group, error);
    return copy;
}

}  // namespace

void keep_recent_stops(std::vector<Task>& tasks, size_t max_stopped) {
    auto is_stopped = [](const Task& t) { return t.last_status == TaskStatus::stopped; };
    if (static_cast<size_t>(std::count_if(tasks.begin(), tasks.end(), is_stopped)) <= max_stopped) return;
    auto stopped = std::stable_partition(tasks.begin(), tasks.end(), [&](const Task& t) { return !is_stopped(t); });
    std::stable_sort(stopped, tasks.end(), [](const Task& a, const Task& b) { return stop_time(a) > stop_time(b); });
    tasks.erase(stopped + static_cast<std::ptrdiff_t>(max_stopped), tasks.end());
}

Result<Service> EcsClusterFetch::Services::of(const std::string& service, const std::string& cluster) const {
    if (auto it = found.find(service); it != found.end()) return it->second;
    // The batch's error or its silence, said of this pipeline's service (a batch names up to ten).
    ErrorContext mine = asked;
    mine.resource = fmt::format("cluster {} service {}", cluster, service);
    Error e = error ? *error
                    : Error{"ServiceNotFound", fmt::format("service {} is not in the answer", service), 400, false};
    e.context.resource = mine.resource;
    e.context.fill_from(mine);
    return e;
}

Result<std::vector<Task>> EcsClusterFetch::Tasks::of(const std::string& service) const {
    for (const std::string& scope : {std::string(), service})
        if (auto e = errors.find(scope); e != errors.end()) return e->second;
    if (auto it = by_service.find(service); it != by_service.end()) return it->second;
    return std::vector<Task>{};
}

// One generation in the making; touched only on the merge thread of the refresh that started it.
struct EcsClusterFetch::Build {
    std::shared_ptr<Generation> gen;
    std::vector<std::string> services;
    std::vector<std::string> configured_groups;
    size_t describe_pending = 0;
    Services described;
    size_t task_calls_pending = 0;
    Tasks tasks;
    // Pages come back in any order; the tasks are kept in listing order (RUNNING first, then
    // STOPPED, page by page), as one sequential listing would give them.
    std::map<std::tuple<std::string, int, int>, std::vector<Task>> pages;  // (scope, status, page)
};

EcsClusterFetch::EcsClusterFetch(aws::AwsContext ctx, std::string cluster, const ClockSource& clock, Duration max_age,
                                 Duration meta_max_age)
    : ctx_(ctx), cluster_(std::move(cluster)), clock_(clock), max_age_(max_age), meta_(ctx, clock, meta_max_age) {}

void EcsClusterFetch::watch(const std::string& service, const std::vector<std::string>& target_groups) {
    std::lock_guard lock(mutex_);
    bool added = services_.insert(service).second;
    for (const auto& g : target_groups) added = configured_groups_.insert(g).second || added;
    if (added) started_at_.reset();  // the next get() must include it
}

std::shared_ptr<const EcsClusterFetch::Generation> EcsClusterFetch::get(FetchContext ctx, bool force) {
    std::shared_ptr<Generation> gen;
    auto build = std::make_shared<Build>();
    {
        std::lock_guard lock(mutex_);
        TimePoint now = clock_.now();
        // A generation still in flight is joined, not repeated: a refresh given up waiting for a
        // hung call (or a first picture queued behind the budget) must not pile up one cluster's
        // worth of calls per interval behind it.
        bool in_flight = current_ && (!current_->services.peek() || !current_->tasks.peek());
        if (!force && current_ && started_at_ && (in_flight || now - *started_at_ < max_age_)) return current_;
        started_at_ = now;
        current_ = gen = std::make_shared<Generation>();
        build->gen = gen;
        build->services.assign(services_.begin(), services_.end());
        build->configured_groups.assign(configured_groups_.begin(), configured_groups_.end());
    }
    start(ctx.with(clock_), build);
    return gen;
}

void EcsClusterFetch::start(FetchContext ctx, std::shared_ptr<Build> build) {
    // DescribeServices, every batch at once. The target groups' metadata needs their ARNs.
    auto batches = aws::in_batches(build->services, kServicesPerCall);
    build->describe_pending = batches.size();
    build->described.asked = aws::call_context(ctx_, aws::ServiceId::ecs, "DescribeServices");
    auto described = [this, ctx, build] {
        build->gen->services.set(build->described);
        std::vector<std::string> groups = build->configured_groups;
        auto refused = std::make_shared<std::map<std::string, Error>>();
        for (const auto& [name, svc] : build->described.found) add_service_groups(name, svc, groups, *refused);
        meta_.get(ctx, std::move(groups), false, [build, refused](std::shared_ptr<const TargetMeta> meta) {
            build->gen->target_groups.set(with_refused(std::move(meta), *refused));
        });
    };
    if (batches.empty()) {
        build->described.at = clock_.now();
        described();
    }
    for (auto& batch : batches)
        fetch_then<std::vector<Service>>(
            ctx,
            [aws = ctx_, cluster = cluster_, batch] { return aws::EcsClient(aws).describe_services(cluster, batch); },
            [build, described](Result<std::vector<Service>> r, TimePoint at) {
                build->described.at = std::min(build->described.at, at);
                if (r)
                    for (auto& s : r.value()) build->described.found[s.name] = std::move(s);
                else if (!build->described.error) build->described.error = r.error();
                if (--build->describe_pending == 0) described();
            },
            true);

    // The tasks do not need DescribeServices: ListTasks starts at once, every listing in
    // parallel, and each page is described while the next one is asked for. One service or two
    // are listed by name; more by one listing of the whole cluster.
    std::vector<std::string> scopes = build->services.size() <= 2 ? build->services : std::vector<std::string>{""};
    build->task_calls_pending = scopes.size() * kStatuses.size();
    if (build->task_calls_pending == 0) {
        build->tasks.at = clock_.now();
        build->gen->tasks.set(build->tasks);
    }
    for (const auto& scope : scopes)
        for (int status = 0; status < static_cast<int>(kStatuses.size()); ++status)
            list_page(ctx, build, {scope, status, 0}, "");
}

void EcsClusterFetch::list_page(FetchContext ctx, std::shared_ptr<Build> build, PageKey key, std::string token) {
    const std::string& scope = std::get<0>(key);
    fetch_then<aws::EcsClient::TaskPage>(
        ctx,
        [aws = ctx_, cluster = cluster_, scope, status = kStatuses[static_cast<size_t>(std::get<1>(key))], token] {
            return aws::EcsClient(aws).list_tasks_page(cluster, scope, status, token);
        },
        [this, ctx, build, key, scope](Result<aws::EcsClient::TaskPage> page, TimePoint at) {
            build->tasks.at = std::min(build->tasks.at, at);
            if (!page) {
                build->tasks.errors.emplace(scope, page.error());
                task_call_done(build);
                return;
            }
            if (!page->next_token.empty() && std::get<2>(key) + 1 >= aws::kMaxTaskPages) {
                Error e = aws::listing_did_not_end("ListTasks", aws::kMaxTaskPages);
                e.context = aws::call_context(ctx_, aws::ServiceId::ecs, "ListTasks",
                                              "cluster " + cluster_ + (scope.empty() ? "" : " service " + scope));
                build->tasks.errors.emplace(scope, std::move(e));
            } else if (!page->next_token.empty()) {
                ++build->task_calls_pending;
                list_page(ctx, build, {scope, std::get<1>(key), std::get<2>(key) + 1}, page->next_token);
            }
            if (!page->arns.empty()) {
                ++build->task_calls_pending;
                fetch_then<std::vector<Task>>(
                    ctx,
                    [aws = ctx_, cluster = cluster_, arns = std::move(page.value().arns),
                     failures = kStatuses[static_cast<size_t>(std::get<1>(key))] == std::string_view("RUNNING")
                                    ? aws::EcsClient::Failures::fail
                                    : aws::EcsClient::Failures::skip] {
                        return aws::EcsClient(aws).describe_tasks(cluster, arns, failures);
                    },
                    [this, build, key, scope](Result<std::vector<Task>> tasks, TimePoint at) {
                        build->tasks.at = std::min(build->tasks.at, at);
                        if (tasks) build->pages[key] = std::move(tasks).value();
                        else build->tasks.errors.emplace(scope, tasks.error());
                        task_call_done(build);
                    },
                    true);
            }
            task_call_done(build);
        },
        true);
}

void EcsClusterFetch::task_call_done(std::shared_ptr<Build> build) {
    if (--build->task_calls_pending != 0) return;
    for (auto& [key, tasks] : build->pages)
        for (auto& t : tasks) {
            if (t.group.rfind("service:", 0) != 0) continue;
            std::string name = t.group.substr(8);
            if (std::find(build->services.begin(), build->services.end(), name) != build->services.end())
                build->tasks.by_service[name].push_back(std::move(t));
        }
    for (auto& [name, tasks] : build->tasks.by_service) keep_recent_stops(tasks);
    build->gen->tasks.set(std::move(build->tasks));
}

}  // namespace shipwatch

#include "engine/target_meta.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "sources/aws/batches.hpp"

namespace shipwatch {
namespace {

constexpr size_t kGroupsPerCall = 20;  // DescribeLoadBalancers' limit; target groups batched the same

}  // namespace

Result<std::vector<TargetGroup>> TargetMeta::of(const std::vector<std::string>& wanted) const {
    std::vector<TargetGroup> out;
    for (const auto& w : wanted) {
        auto it =
            std::find_if(groups.begin(), groups.end(), [&](const TargetGroup& g) { return g.arn == w || g.name == w; });
        if (it != groups.end()) {
            out.push_back(*it);
            continue;
        }
        if (auto e = errors.find(w); e != errors.end()) return e->second;
        return Error{"TargetGroupNotFound", fmt::format("target group {} not found", w), 400, false};
    }
    return out;
}

struct TargetMetaFetch::Build {
    std::vector<std::string> groups;
    std::function<void(std::shared_ptr<const TargetMeta>)> deliver;
    MergeQueue* merge = nullptr;
    TargetMeta meta;
    size_t pending = 0;
};

TargetMetaFetch::TargetMetaFetch(aws::AwsContext ctx, const ClockSource& clock, Duration max_age)
    : ctx_(std::move(ctx)), clock_(clock), max_age_(max_age) {}

void TargetMetaFetch::get(FetchContext caller, std::vector<std::string> groups, bool force,
                          std::function<void(std::shared_ptr<const TargetMeta>)> deliver) {
    {
        std::lock_guard lock(mutex_);
        if (!force && kept_ && kept_groups_ == groups && clock_.now() - kept_at_ < max_age_) {
            caller.merge.post([kept = kept_, deliver = std::move(deliver)] { deliver(kept); });
            return;
        }
    }
    auto build = std::make_shared<Build>();
    build->groups = std::move(groups);
    build->deliver = std::move(deliver);
    build->merge = &caller.merge;
    const FetchContext ctx = caller.with(clock_);
    if (build->groups.empty()) {
        finish(build);
        return;
    }
    // Every batch at once; their values are merged on the merge thread, one at a time.
    for (auto& batch : aws::in_batches(build->groups, kGroupsPerCall)) describe_groups(ctx, build, std::move(batch));
}

void TargetMetaFetch::describe_groups(FetchContext ctx, std::shared_ptr<Build> build, std::vector<std::string> batch) {
    ++build->pending;
    fetch_then<std::vector<TargetGroup>>(
        ctx, [aws = ctx_, batch] { return aws::Elbv2Client(aws).describe_target_groups(batch); },
        [this, ctx, build, batch](Result<std::vector<TargetGroup>> r, TimePoint) {
            if (r) {
                for (auto& g : r.value()) build->meta.groups.push_back(std::move(g));
            } else if (batch.size() > 1 && r.error().code == "TargetGroupNotFound") {
                // The answer does not say which group is missing: each is asked alone, so one wrong
                // group fails only the pipelines that name it, and its error names it alone.
                for (const auto& name : batch) describe_groups(ctx, build, {name});
            } else {
                for (const auto& name : batch) build->meta.errors.emplace(name, r.error());
            }
            if (--build->pending == 0) describe_load_balancers(ctx, build);
        });
}

// Which load balancer each group belongs to is known now; their DNS names in batches of 20. A
// DNS name is decoration: when DescribeLoadBalancers fails, the groups come without one.
void TargetMetaFetch::describe_load_balancers(FetchContext ctx, std::shared_ptr<Build> build) {
    std::set<std::string> unique;
    for (const auto& g : build->meta.groups) unique.insert(g.load_balancer_arns.begin(), g.load_balancer_arns.end());
    if (unique.empty()) {
        finish(build);
        return;
    }
    for (const auto& batch : aws::in_batches({unique.begin(), unique.end()}, kGroupsPerCall)) {
        ++build->pending;
        fetch_then<std::vector<std::pair<std::string, std::string>>>(
            ctx, [aws = ctx_, batch] { return aws::Elbv2Client(aws).load_balancer_dns(batch); },
            [this, build](Result<std::vector<std::pair<std::string, std::string>>> r, TimePoint) {
                if (r)
                    for (auto& g : build->meta.groups)
                        for (const auto& a : g.load_balancer_arns)
                            for (const auto& [arn, name] : r.value())
                                if (arn == a) g.load_balancer_dns.push_back(name);
                if (--build->pending == 0) finish(build);
            });
    }
}

void TargetMetaFetch::finish(std::shared_ptr<Build> build) {
    auto meta = std::make_shared<const TargetMeta>(std::move(build->meta));
    if (meta->errors.empty()) {
        std::lock_guard lock(mutex_);
        kept_ = meta;
        kept_groups_ = build->groups;
        kept_at_ = clock_.now();
    }
    build->merge->post([meta, deliver = std::move(build->deliver)] { deliver(meta); });
}

}  // namespace shipwatch

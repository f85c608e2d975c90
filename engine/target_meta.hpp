// The metadata of target groups: which load balancer each belongs to and its DNS name. It hardly
// ever changes, so it is asked for per cluster (or EC2 pipeline) in batches of 20 — the most
// DescribeTargetGroups and DescribeLoadBalancers take — and kept while the set of groups stays
// the same, up to max_age. Target health is not here: it is asked for every refresh, per group.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "engine/fetch_graph.hpp"
#include "sources/aws/clients.hpp"

namespace shipwatch {

struct TargetMeta {
    std::vector<TargetGroup> groups;  // every group found, targets empty, DNS names filled in
    std::map<std::string, Error> errors;  // by the ARN or name asked for, of the batches that failed
    // The groups `wanted` names (ARNs or names), in its order; an error for the first not found.
    Result<std::vector<TargetGroup>> of(const std::vector<std::string>& wanted) const;
};

class TargetMetaFetch {
public:
    TargetMetaFetch(aws::AwsContext ctx, const ClockSource& clock, Duration max_age);
    // `deliver` gets the metadata of `groups` on ctx's merge queue: the kept one, or a fresh one.
    void get(FetchContext ctx, std::vector<std::string> groups, bool force,
             std::function<void(std::shared_ptr<const TargetMeta>)> deliver);

private:
    struct Build;
    void describe_groups(FetchContext ctx, std::shared_ptr<Build> build, std::vector<std::string> batch);
    void describe_load_balancers(FetchContext ctx, std::shared_ptr<Build> build);
    void finish(std::shared_ptr<Build> build);

    aws::AwsContext ctx_;
    const ClockSource& clock_;
    Duration max_age_;
    std::mutex mutex_;  // guards the kept answer; never held across a call
    std::shared_ptr<const TargetMeta> kept_;
    std::vector<std::string> kept_groups_;
    TimePoint kept_at_{};
};

}  // namespace shipwatch

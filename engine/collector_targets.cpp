// Target groups (their metadata, each group's health, the changes seen) and, for EC2 pipelines,
// the instances behind them.
#include <algorithm>

#include "engine/collector_refresh.hpp"
#include "sources/aws/user_data.hpp"

namespace shipwatch {
namespace {

using collector_detail::fail;
using collector_detail::is_arn;
using collector_detail::store;

constexpr size_t kMaxTargetChanges = 500;

}  // namespace

// Health is asked for every group the moment its ARN is known (the service names them); groups
// named in the config by name wait for the metadata, which says their ARNs.
void PipelineCollector::begin_targets(const RefreshPtr& r, std::vector<std::string> groups, bool own_meta) {
    if (groups.empty()) {
        if (snap_.spec.kind == PipelineKind::ec2) begin_instances(r);
        return;
    }
    r->groups = std::move(groups);
    for (const auto& g : r->groups)
        if (is_arn(g)) want_health(r, g);
    if (!own_meta) return;  // an ECS service's come with its cluster (begin_service)
    // EC2: which load balancer a group belongs to is asked again on slow refreshes.
    auto on_meta = [this, r](std::shared_ptr<const TargetMeta> meta) { on_target_meta(r, std::move(meta)); };
    own_target_meta_->get(r->ctx, r->groups, r->slow,
                          merge<std::shared_ptr<const TargetMeta>>(r, {Part::target_groups, Part::instances}, on_meta));
}

void PipelineCollector::on_target_meta(const RefreshPtr& r, std::shared_ptr<const TargetMeta> meta) {
    r->meta = std::move(meta);
    if (auto groups = r->meta->of(r->groups))
        for (const auto& g : groups.value()) want_health(r, g.arn);
    maybe_targets_done(r);
}

void PipelineCollector::want_health(const RefreshPtr& r, const std::string& arn) {
    if (r->health.count(arn)) return;
    // Still asked by a refresh that was given up waiting for (a hung call): not again, and the
    // groups keep their last data this time, which ages until the call answers.
    const std::string call = "health|" + arn;
    if (!asking_.insert(call).second) {
        r->health_skipped = true;
        return;
    }
    r->health[arn];  // asked
    fetch_then<std::vector<Target>>(
        r->ctx, [aws = src_.aws, arn] { return aws::Elbv2Client(aws).describe_target_health(arn); },
        merge<Result<std::vector<Target>>, TimePoint>(
            r, {Part::target_groups, Part::instances},
            [this, r, arn, call](Result<std::vector<Target>> targets, TimePoint at) {
                asking_.erase(call);
                r->health[arn] = std::move(targets);
                r->health_at = std::min(r->health_at.value_or(at), at);
                maybe_targets_done(r);
            }));
}

void PipelineCollector::maybe_targets_done(const RefreshPtr& r) {
    if (!r->meta || r->health_skipped) return;
    for (const auto& [arn, health] : r->health)
        if (!health) return;
    auto groups = r->meta->of(r->groups);
    r->meta.reset();  // stored once
    TimePoint at = r->health_at.value_or(clock_.now());  // groups without health: the metadata's time
    auto end = [&](Result<std::vector<TargetGroup>> result) {
        store(snap_.target_groups, std::move(result), Source::elbv2, at);
        if (snap_.spec.kind == PipelineKind::ec2) begin_instances(r);
    };
    if (!groups) return end(groups.error());
    // One group may be named twice: by name in the config and by ARN from the service. It is
    // counted once, or 3 healthy targets would read "6/6".
    std::vector<TargetGroup> result;
    for (auto& g : groups.value())
        if (std::none_of(result.begin(), result.end(), [&](const TargetGroup& seen) { return seen.arn == g.arn; }))
            result.push_back(std::move(g));
    for (auto& g : result) {
        auto it = r->health.find(g.arn);
        if (it == r->health.end() || !it->second)
            return end(Error{"TargetHealthMissing", "no health asked for " + g.arn, 0, false});
        if (!*it->second) return end(it->second->error());
        g.targets = it->second->value();
    }
    // Record target health changes against what we saw last time.
    TimePoint now = at;
    if (snap_.target_groups.value) {
        for (const auto& g : result)
            for (const auto& t : g.targets) {
                ApiEnum<TargetState> before;  // text empty: a target not seen before
                for (const auto& old : *snap_.target_groups.value)
                    if (old.arn == g.arn)
                        for (const auto& ot : old.targets)
                            if (ot.id == t.id && ot.port == t.port) before = ot.state;
                if (before != t.state) snap_.target_changes.push_back({now, g.name, t.id, before, t.state, t.reason});
            }
        if (snap_.target_changes.size() > kMaxTargetChanges)
            snap_.target_changes.erase(
                snap_.target_changes.begin(),
                snap_.target_changes.begin() + static_cast<long>(snap_.target_changes.size() - kMaxTargetChanges));
    }
    end(Result<std::vector<TargetGroup>>(std::move(result)));
}

void PipelineCollector::begin_instances(const RefreshPtr& r) {
    if (!snap_.target_groups.value) {
        if (snap_.target_groups.error)
            snap_.instances.error = collector_detail::upstream_error(*snap_.target_groups.error);
        else
            fail(snap_.instances, Source::ec2, "NoTargetGroup",
                 "an EC2 pipeline needs target_group to find its instances", clock_.now());
        return;
    }
    std::vector<std::string> ids;
    for (const auto& g : *snap_.target_groups.value)
        for (const auto& t : g.targets)
            if (t.id.rfind("i-", 0) == 0 && std::find(ids.begin(), ids.end(), t.id) == ids.end()) ids.push_back(t.id);
    if (ids.empty()) {
        store(snap_.instances, Result<std::vector<Instance>>(std::vector<Instance>{}), Source::ec2, clock_.now());
        return;
    }
    auto aws = src_.aws;
    fetch_then<std::vector<Instance>>(
        r->ctx, [aws, ids] { return aws::Ec2Client(aws).describe_instances(ids); },
        merge<Result<std::vector<Instance>>, TimePoint>(
            r, {Part::instances}, [this, r, aws](Result<std::vector<Instance>> found, TimePoint at) {
                if (!found) {
                    store(snap_.instances, std::move(found), Source::ec2, at);
                    return;
                }
                r->instances = std::move(found).value();
                r->instances_at = at;
                auto finish = [this, r] {
                    store(snap_.instances, Result<std::vector<Instance>>(std::move(r->instances)), Source::ec2,
                          r->instances_at);
                };
                for (size_t i = 0; i < r->instances.size(); ++i) {
                    Instance& inst = r->instances[i];
                    // UserData of a running instance never changes; keep what we read before.
                    bool known = false;
                    if (snap_.instances.value)
                        for (const auto& old : *snap_.instances.value)
                            if (old.id == inst.id && !old.user_data_digest.empty()) {
                                inst.user_data_digest = old.user_data_digest;
                                inst.user_data_summary = old.user_data_summary;
                                known = true;
                            }
                    if (known) continue;
                    ++r->user_data_pending;
                    fetch_then<std::string>(
                        r->ctx, [aws, id = inst.id] { return aws::Ec2Client(aws).user_data(id); },
                        merge<Result<std::string>, TimePoint>(
                            r, {Part::instances}, [r, i, finish](Result<std::string> script, TimePoint) {
                                if (script) summarize_user_data(script.value(), r->instances[i]);
                                if (--r->user_data_pending == 0) finish();
                            }));
                }
                if (r->user_data_pending == 0) finish();
            }));
}


}  // namespace shipwatch

// Rules for what serves traffic: the load balancer's targets, the version endpoint, and (for
// pipelines without ECS) the EC2 instances behind the ALB.
#include <algorithm>
#include <map>

#include "model/diagnosis_detail.hpp"

namespace shipwatch::detail {
namespace {

struct TargetCounts {
    int healthy = 0, unhealthy = 0, initial = 0, draining = 0, other = 0;
    std::vector<const Target*> bad;
    int total() const { return healthy + unhealthy + initial + draining + other; }
};

TargetCounts count_targets(const std::vector<TargetGroup>& groups) {
    TargetCounts c;
    for (const auto& g : groups)
        for (const auto& t : g.targets) {
            if (t.state == "healthy") ++c.healthy;
            else if (t.state == "unhealthy") { ++c.unhealthy; c.bad.push_back(&t); }
            else if (t.state == "initial") ++c.initial;
            else if (t.state == "draining") ++c.draining;
            else { ++c.other; c.bad.push_back(&t); }
        }
    return c;
}

const Task* task_for_target(const Context& ctx, const Target& target) {
    if (!ctx.snap.tasks.value) return nullptr;
    for (const auto& t : *ctx.snap.tasks.value)
        if (!t.private_ip.empty() && t.private_ip == target.id && t.last_status == "RUNNING") return &t;
    return nullptr;
}

// The endpoint's latest answer as a revision; fills evidence. nullopt when no endpoint is set.
std::optional<Revision> endpoint_revision(Context& ctx, StageReport& r, bool& endpoint_failed) {
    endpoint_failed = false;
    const auto& versions = ctx.snap.versions;
    if (!versions.configured) return std::nullopt;
    if (versions.error || !versions.value || versions.value->empty()) {
        endpoint_failed = true;
        std::string why = versions.error ? describe(*versions.error) : "no answer yet";
        r.evidence.push_back({"version endpoint", fmt::format("{}: {}", ctx.snap.spec.version_url, why), versions.fetched_at});
        return Revision{};
    }
    const VersionObservation& obs = versions.value->back();
    if (!obs.error.empty()) {
        endpoint_failed = true;
        r.evidence.push_back({"version endpoint", fmt::format("{}: {}", obs.url, obs.error), obs.time});
        return Revision{};
    }
    Revision rev = ctx.index.of_reported(obs.reported);
    r.evidence.push_back({"version endpoint", fmt::format("{} reports \"{}\"{}", obs.url, obs.reported,
                                                         rev.known() ? " = " + rev.short_sha() : ""),
                          obs.time});
    return rev;
}

}  // namespace

StageOutcome diagnose_alb(Context& ctx) {
    StageOutcome out;
    auto& r = out.report;
    r.id = Stage::alb;
    const auto& tgs = ctx.snap.target_groups;
    bool have_targets = tgs.configured;
    if (!have_targets && !ctx.snap.versions.configured) {
        fail_unknown(out, "no target group or version endpoint to check what serves traffic");
        return out;
    }
    if (have_targets && source_unusable(tgs, "load balancer", out, ctx.now)) return out;

    TargetCounts counts;
    std::map<std::string, int> revisions_behind_healthy;  // sha -> healthy targets serving it
    int healthy_on_other_digest = 0;  // same commit maybe, but not the image that should run
    std::string other_digest;
    const std::string expected_digest = ctx.expected_image ? ctx.expected_image->digest : std::string();
    if (have_targets) {
        counts = count_targets(*tgs.value);
        for (const auto& g : *tgs.value) {
            for (const auto& t : g.targets) {
                std::string owner;
                if (const Task* task = task_for_target(ctx, t)) {
                    Revision rev = ctx.task_revision(*task);
                    owner = fmt::format(" → task {} {}", task->arn.substr(task->arn.rfind('/') + 1, 8),
                                        rev.known() ? rev.short_sha() : "?");
                    if (t.state == "healthy") {
                        ++revisions_behind_healthy[rev.known() ? rev.sha : ""];
                        if (!expected_digest.empty() && !rev.digest.empty() && rev.digest != expected_digest) {
                            ++healthy_on_other_digest;
                            other_digest = rev.digest;
                        }
                    }
                }
                r.evidence.push_back({"target " + g.name, fmt::format("{}:{} {}{}{}", t.id, t.port, t.state,
                                                                       t.reason.empty() ? "" : " (" + t.reason + ")", owner),
                                      tgs.fetched_at});
            }
            for (const auto& dns : g.load_balancer_dns) r.evidence.push_back({"load balancer", dns, std::nullopt});
        }
    }

    bool endpoint_failed = false;
    std::optional<Revision> served = endpoint_revision(ctx, r, endpoint_failed);

    if (have_targets && counts.total() == 0) {
        r.health = Health::failed;
        r.summary = "no targets registered";
        out.verdict = VerdictCode::targets_unhealthy;
        out.verdict_summary = "The target group has no registered targets: nothing serves traffic.";
        return out;
    }
    if (have_targets && (counts.unhealthy > 0 || counts.other > 0 || counts.healthy == 0) && counts.initial == 0) {
        r.health = Health::failed;
        const Target* bad = counts.bad.empty() ? nullptr : counts.bad.front();
        r.summary = fmt::format("{}/{} targets healthy{}", counts.healthy, counts.total(),
                                bad ? fmt::format("; {} {} ({})", bad->id, bad->state, bad->reason) : "");
        out.verdict = VerdictCode::targets_unhealthy;
        out.verdict_summary = fmt::format("{} of {} targets are unhealthy{}.", counts.unhealthy + counts.other, counts.total(),
                                          bad && !bad->description.empty() ? ": " + bad->description : "");
        return out;
    }
    if (have_targets && (counts.initial > 0 || counts.draining > 0)) {
        r.health = Health::progressing;
        r.summary = fmt::format("{} healthy, {} initial, {} draining", counts.healthy, counts.initial, counts.draining);
        out.verdict = VerdictCode::deploy_in_progress;
        out.verdict_summary = fmt::format("Targets are changing over: {}.", r.summary);
        if (served && served->known()) r.revision = *served;
        return out;
    }

    // What is served: the endpoint says it outright; else the tasks behind the healthy targets.
    if (served) {
        if (endpoint_failed) {
            fail_unknown(out, "version endpoint failed");
            return out;
        }
        r.revision = *served;
    } else if (revisions_behind_healthy.size() == 1 && !revisions_behind_healthy.begin()->first.empty()) {
        r.revision = ctx.index.from_string(revisions_behind_healthy.begin()->first);
        r.revision.note = "from the tasks behind the healthy targets";
    } else if (ctx.snap.spec.kind == PipelineKind::ec2) {
        r.revision = {};
    }
    if (!ctx.target) {
        fail_unknown(out, "newest commit unknown");
        return out;
    }
    const std::string sha7 = ctx.short_sha(ctx.target->sha);
    std::string healthy_text = have_targets ? fmt::format("{}/{} targets healthy", counts.healthy, counts.total()) : "";
    if (!r.revision.known()) {
        if (served) {
            fail_unknown(out, fmt::format("endpoint reports a version that names no known commit"));
        } else if (revisions_behind_healthy.size() > 1) {
            r.health = Health::stale;
            r.summary = fmt::format("{}; healthy targets serve {} different revisions", healthy_text, revisions_behind_healthy.size());
            out.verdict = VerdictCode::version_mismatch;
            out.verdict_summary = fmt::format("Healthy targets serve {} different revisions.", revisions_behind_healthy.size());
        } else {
            fail_unknown(out, fmt::format("{}; nothing tells which commit they serve", healthy_text));
        }
        return out;
    }
    if (r.revision.sha == ctx.target->sha && healthy_on_other_digest > 0 && !served) {
        r.health = Health::stale;
        r.summary = fmt::format("{}; {} serve {}, not {}", healthy_text, healthy_on_other_digest, short_digest(other_digest),
                                short_digest(expected_digest));
        out.verdict = VerdictCode::version_mismatch;
        out.verdict_summary = fmt::format("Healthy targets serve tasks on {}, not the newest image {}.", short_digest(other_digest),
                                          short_digest(expected_digest));
        return out;
    }
    if (r.revision.sha == ctx.target->sha) {
        r.health = Health::ok;
        r.summary = healthy_text.empty() ? fmt::format("endpoint serves {}", sha7)
                                         : fmt::format("{}, serving {}", healthy_text, sha7);
        return out;
    }
    r.health = Health::stale;
    r.summary = fmt::format("{}{}serving {}, not {}", healthy_text, healthy_text.empty() ? "" : ", ", r.revision.short_sha(), sha7);
    out.verdict = VerdictCode::version_mismatch;
    out.verdict_summary = served ? fmt::format("The endpoint reports {} ({}), not {}.", ctx.snap.versions.value->back().reported,
                                               r.revision.short_sha(), sha7)
                                 : fmt::format("Healthy targets serve {}, not {}.", r.revision.short_sha(), sha7);
    return out;
}

StageOutcome diagnose_instances(Context& ctx) {
    StageOutcome out;
    auto& r = out.report;
    r.id = Stage::instances;
    if (source_unusable(ctx.snap.instances, "EC2 instances", out, ctx.now)) return out;
    const auto& instances = *ctx.snap.instances.value;
    if (instances.empty()) {
        r.health = Health::failed;
        r.summary = "no instances behind the load balancer";
        out.verdict = VerdictCode::instance_stale;
        out.verdict_summary = "No EC2 instance serves this pipeline.";
        return out;
    }
    if (!ctx.target) {
        fail_unknown(out, "newest commit unknown");
        return out;
    }
    const Commit& target = *ctx.target;
    const std::string sha7 = ctx.short_sha(target.sha);
    // Code installed by UserData is whatever existed at first boot.
    TimePoint ready = ctx.target_build && ctx.target_build->finished ? *ctx.target_build->finished : target.time;

    bool endpoint_failed = false;
    std::optional<Revision> served = endpoint_revision(ctx, r, endpoint_failed);

    const Instance* oldest = nullptr;
    for (const auto& inst : instances) {
        r.evidence.push_back({"instance", fmt::format("{} {} {} launched {}", inst.id, inst.state, inst.instance_type,
                                                      format_iso8601(inst.launch_time)),
                              inst.launch_time});
        if (!inst.user_data_digest.empty())
            r.evidence.push_back({"user data", fmt::format("sha256 {} — {}", inst.user_data_digest.substr(0, 12),
                                                           inst.user_data_summary.empty() ? "no install lines found"
                                                                                          : fmt::format("{}", fmt::join(inst.user_data_summary, " ; "))),
                                  std::nullopt});
        if (!oldest || inst.launch_time < oldest->launch_time) oldest = &inst;
        if (inst.state != "running") {
            r.health = Health::failed;
            r.summary = fmt::format("instance {} is {}", inst.id, inst.state);
            out.verdict = VerdictCode::instance_stale;
            out.verdict_summary = fmt::format("Instance {} is {}, not running.", inst.id, inst.state);
            return out;
        }
    }
    r.since = oldest->launch_time;
    r.evidence.push_back({"newest commit", ctx.describe_commit(target), target.time});

    if (served && served->known()) {
        r.revision = *served;
    } else {
        // Without a version endpoint: the newest commit that existed when the instance booted.
        for (const auto& c : ctx.snap.commits.value ? *ctx.snap.commits.value : std::vector<Commit>{})
            if (c.time <= oldest->launch_time) {
                r.revision = ctx.index.from_string(c.sha);
                r.revision.match = MatchKind::inferred;
                r.revision.note = fmt::format("inferred: newest commit when {} booted", oldest->id);
                break;
            }
    }
    bool launched_before = oldest->launch_time < ready;
    if ((served && served->known() && served->sha == target.sha) || (!served && !launched_before)) {
        r.health = Health::ok;
        r.revision = ctx.index.from_string(target.sha);
        if (!served) r.revision.match = MatchKind::inferred;
        r.summary = fmt::format("{} instance{} on {}", instances.size(), instances.size() == 1 ? "" : "s", sha7);
        return out;
    }
    if (served && !served->known() && !launched_before) {
        fail_unknown(out, endpoint_failed ? "version endpoint failed" : "endpoint reports a version that names no known commit");
        return out;
    }
    r.health = Health::stale;
    r.summary = fmt::format("{} launched {} before {} was {}", oldest->id, format_duration(ready - oldest->launch_time), sha7,
                            ctx.target_build ? "built" : "pushed");
    out.verdict = VerdictCode::instance_stale;
    out.verdict_summary = fmt::format("Instance {} was launched {} ({} before {}); UserData runs only at first boot, so it "
                                      "still serves {}.",
                                      oldest->id, format_iso8601(oldest->launch_time),
                                      format_duration(ready - oldest->launch_time), sha7,
                                      r.revision.known() ? r.revision.short_sha() : "the code of its launch");
    if (!launched_before && served && served->known())
        out.verdict_summary = fmt::format("Instance {} serves {}, not {}.", oldest->id, served->short_sha(), sha7);
    return out;
}

}  // namespace shipwatch::detail

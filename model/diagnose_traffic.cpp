// Rules for what serves traffic: the load balancer's targets, the version endpoint, and (for
// pipelines without ECS) the EC2 instances behind the ALB.
#include <algorithm>
#include <map>

#include "model/diagnosis_detail.hpp"
#include "model/redact.hpp"

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
            if (t.state == TargetState::healthy) ++c.healthy;
            else if (t.state == TargetState::unhealthy) { ++c.unhealthy; c.bad.push_back(&t); }
            else if (t.state == TargetState::initial) ++c.initial;
            else if (t.state == TargetState::draining) ++c.draining;
            else { ++c.other; c.bad.push_back(&t); }
        }
    return c;
}

const Task* task_for_target(const Context& ctx, const Target& target) {
    if (!ctx.snap.tasks.value) return nullptr;
    for (const auto& t : *ctx.snap.tasks.value)
        if (!t.private_ip.empty() && t.private_ip == target.id && t.last_status == TaskStatus::running) return &t;
    return nullptr;
}

// The endpoint's latest answer as a revision; fills evidence. nullopt when no endpoint is set.
std::optional<Revision> endpoint_revision(Context& ctx, StageReport& r, bool& endpoint_failed) {
    endpoint_failed = false;
    const auto& versions = ctx.snap.versions;
    if (!versions.configured) return std::nullopt;
    auto age = versions.too_old(ctx.now);
    if (versions.error || !versions.value || versions.value->empty() || age) {
        endpoint_failed = true;
        std::string why = versions.error ? describe(*versions.error)
                          : age          ? too_old_text("version endpoint", *age, *versions.max_age)
                                         : "no answer yet";
        r.evidence.push_back({"version endpoint", fmt::format("{}: {}", redact_url(ctx.snap.spec.version_url), why), versions.fetched_at});
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

// Why the endpoint's answer cannot stand for what is served: it failed, or it is too old.
std::string endpoint_problem(const Context& ctx) {
    const auto& versions = ctx.snap.versions;
    if (auto age = versions.too_old(ctx.now); age && !versions.error)
        return too_old_text("version endpoint", *age, *versions.max_age);
    return "version endpoint failed";
}

// What the ALB rules read, gathered once (gathering fills the evidence).
struct Traffic {
    bool have_targets = false;
    TargetCounts counts;
    std::map<std::string, int> revisions_behind_healthy;  // sha -> healthy targets serving it
    int healthy_on_other_digest = 0;  // same commit maybe, but not the image that should run
    std::string other_digest;
    std::string expected_digest;
    bool endpoint_failed = false;
    std::optional<Revision> served;  // what the version endpoint reports; nullopt when none is set
    // What is served: the endpoint says it outright; else the tasks behind the healthy targets.
    Revision revision;
};

void read_targets(const Context& ctx, const std::vector<TargetGroup>& groups, Traffic& tr, StageReport& r) {
    tr.counts = count_targets(groups);
    for (const auto& g : groups) {
        for (const auto& t : g.targets) {
            std::string owner;
            if (const Task* task = task_for_target(ctx, t)) {
                Revision rev = ctx.task_revision(*task);
                owner = fmt::format(" → task {} {}", task->arn.substr(task->arn.rfind('/') + 1, 8),
                                    rev.known() ? rev.short_sha() : "?");
                if (t.state == TargetState::healthy) {
                    ++tr.revisions_behind_healthy[rev.known() ? rev.sha : ""];
                    if (!tr.expected_digest.empty() && !rev.digest.empty() && rev.digest != tr.expected_digest) {
                        ++tr.healthy_on_other_digest;
                        tr.other_digest = rev.digest;
                    }
                }
            }
            r.evidence.push_back({"target " + g.name, fmt::format("{}:{} {}{}{}", t.id, t.port, t.state.text,
                                                                   t.reason.empty() ? "" : " (" + t.reason + ")", owner),
                                  ctx.snap.target_groups.fetched_at});
        }
        for (const auto& dns : g.load_balancer_dns) r.evidence.push_back({"load balancer", dns, std::nullopt});
    }
}

Traffic read_traffic(Context& ctx, StageReport& r) {
    Traffic tr;
    tr.have_targets = ctx.snap.target_groups.configured;
    tr.expected_digest = ctx.expected_image ? ctx.expected_image->digest : std::string();
    if (tr.have_targets) read_targets(ctx, *ctx.snap.target_groups.value, tr, r);
    tr.served = endpoint_revision(ctx, r, tr.endpoint_failed);
    if (tr.served) {
        tr.revision = *tr.served;
    } else if (tr.revisions_behind_healthy.size() == 1 && !tr.revisions_behind_healthy.begin()->first.empty()) {
        tr.revision = ctx.index.from_string(tr.revisions_behind_healthy.begin()->first);
        tr.revision.note = "from the tasks behind the healthy targets";
    }  // else nothing tells which commit is served
    return tr;
}

std::string healthy_text(const Traffic& tr) {
    return tr.have_targets ? fmt::format("{}/{} targets healthy", tr.counts.healthy, tr.counts.total()) : "";
}

// A rule: the stage's outcome when the rule applies (built on `base`, the gathered evidence).
using TrafficRule = std::optional<StageOutcome> (*)(const Context& ctx, const Traffic& tr, const StageOutcome& base);

std::optional<StageOutcome> no_targets(const Context&, const Traffic& tr, const StageOutcome& base) {
    if (!tr.have_targets || tr.counts.total() != 0) return std::nullopt;
    StageOutcome out = base;
    out.report.health = Health::failed;
    out.report.summary = "no targets registered";
    out.verdict = VerdictCode::targets_unhealthy;
    out.verdict_summary = "The target group has no registered targets: nothing serves traffic.";
    return out;
}

std::optional<StageOutcome> targets_unhealthy(const Context&, const Traffic& tr, const StageOutcome& base) {
    const TargetCounts& counts = tr.counts;
    if (!tr.have_targets || !(counts.unhealthy > 0 || counts.other > 0 || counts.healthy == 0) || counts.initial != 0)
        return std::nullopt;
    StageOutcome out = base;
    out.report.health = Health::failed;
    const Target* bad = counts.bad.empty() ? nullptr : counts.bad.front();
    out.report.summary = fmt::format("{}/{} targets healthy{}", counts.healthy, counts.total(),
                                     bad ? fmt::format("; {} {} ({})", bad->id, bad->state.text, bad->reason) : "");
    out.verdict = VerdictCode::targets_unhealthy;
    out.verdict_summary = fmt::format("{} of {} targets are unhealthy{}.", counts.unhealthy + counts.other, counts.total(),
                                      bad && !bad->description.empty() ? ": " + bad->description : "");
    return out;
}

std::optional<StageOutcome> targets_changing(const Context&, const Traffic& tr, const StageOutcome& base) {
    const TargetCounts& counts = tr.counts;
    if (!tr.have_targets || !(counts.initial > 0 || counts.draining > 0)) return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::progressing;
    r.summary = fmt::format("{} healthy, {} initial, {} draining", counts.healthy, counts.initial, counts.draining);
    out.verdict = VerdictCode::deploy_in_progress;
    out.verdict_summary = fmt::format("Targets are changing over: {}.", r.summary);
    if (tr.served && tr.served->known()) r.revision = *tr.served;
    return out;
}

// The endpoint is set but did not answer: nothing else may stand in for what it would say.
std::optional<StageOutcome> endpoint_down(const Context& ctx, const Traffic& tr, const StageOutcome& base) {
    if (!tr.served || !tr.endpoint_failed) return std::nullopt;
    StageOutcome out = base;
    return fail_unknown(out, endpoint_problem(ctx));
}

// From here on the stage carries what is served.
StageOutcome serving(const Traffic& tr, const StageOutcome& base) {
    StageOutcome out = base;
    out.report.revision = tr.revision;
    return out;
}

std::optional<StageOutcome> no_target_commit(const Context& ctx, const Traffic& tr, const StageOutcome& base) {
    if (ctx.target) return std::nullopt;
    StageOutcome out = serving(tr, base);
    return fail_unknown(out, "newest commit unknown");
}

std::optional<StageOutcome> revision_untold(const Context&, const Traffic& tr, const StageOutcome& base) {
    if (tr.revision.known()) return std::nullopt;
    StageOutcome out = serving(tr, base);
    if (tr.served) {
        fail_unknown(out, fmt::format("endpoint reports a version that names no known commit"));
    } else if (tr.revisions_behind_healthy.size() > 1) {
        out.report.health = Health::stale;
        out.report.summary = fmt::format("{}; healthy targets serve {} different revisions", healthy_text(tr),
                                         tr.revisions_behind_healthy.size());
        out.verdict = VerdictCode::version_mismatch;
        out.verdict_summary = fmt::format("Healthy targets serve {} different revisions.", tr.revisions_behind_healthy.size());
    } else {
        fail_unknown(out, fmt::format("{}; nothing tells which commit they serve", healthy_text(tr)));
    }
    return out;
}

std::optional<StageOutcome> serving_other_image(const Context& ctx, const Traffic& tr, const StageOutcome& base) {
    if (tr.revision.sha != ctx.target->sha || tr.healthy_on_other_digest == 0 || tr.served) return std::nullopt;
    StageOutcome out = serving(tr, base);
    out.report.health = Health::stale;
    out.report.summary = fmt::format("{}; {} serve {}, not {}", healthy_text(tr), tr.healthy_on_other_digest,
                                     short_digest(tr.other_digest), short_digest(tr.expected_digest));
    out.verdict = VerdictCode::version_mismatch;
    out.verdict_summary = fmt::format("Healthy targets serve tasks on {}, not the newest image {}.", short_digest(tr.other_digest),
                                      short_digest(tr.expected_digest));
    return out;
}

std::optional<StageOutcome> serving_target(const Context& ctx, const Traffic& tr, const StageOutcome& base) {
    if (tr.revision.sha != ctx.target->sha) return std::nullopt;
    StageOutcome out = serving(tr, base);
    const std::string sha7 = ctx.short_sha(ctx.target->sha);
    const std::string healthy = healthy_text(tr);
    out.report.health = Health::ok;
    out.report.summary = healthy.empty() ? fmt::format("endpoint serves {}", sha7) : fmt::format("{}, serving {}", healthy, sha7);
    return out;
}

std::optional<StageOutcome> serving_older(const Context& ctx, const Traffic& tr, const StageOutcome& base) {
    StageOutcome out = serving(tr, base);
    auto& r = out.report;
    const std::string sha7 = ctx.short_sha(ctx.target->sha);
    const std::string healthy = healthy_text(tr);
    r.health = Health::stale;
    r.summary = fmt::format("{}{}serving {}, not {}", healthy, healthy.empty() ? "" : ", ", r.revision.short_sha(), sha7);
    out.verdict = VerdictCode::version_mismatch;
    out.verdict_summary = tr.served ? fmt::format("The endpoint reports {} ({}), not {}.", ctx.snap.versions.value->back().reported,
                                                  r.revision.short_sha(), sha7)
                                    : fmt::format("Healthy targets serve {}, not {}.", r.revision.short_sha(), sha7);
    return out;
}

// In order; the first that applies decides. The last always applies.
constexpr TrafficRule kTrafficRules[] = {no_targets,     targets_unhealthy,   targets_changing, endpoint_down, no_target_commit,
                                         revision_untold, serving_other_image, serving_target,   serving_older};

// What the instance rules read, gathered once (gathering fills the evidence).
struct Fleet {
    const std::vector<Instance>& instances;
    std::string sha7;  // the newest commit
    TimePoint ready;  // when the newest commit could first have been installed
    bool endpoint_failed = false;
    std::optional<Revision> served;  // what the version endpoint reports; nullopt when none is set
    const Instance* down = nullptr;  // the first instance not running; gathering stops there
    const Instance* oldest = nullptr;  // the instance launched first
    bool launched_before = false;  // the oldest instance booted before the newest commit was ready
};

void add_instance_evidence(const Instance& inst, StageReport& r) {
    r.evidence.push_back({"instance", fmt::format("{} {} {} launched {}", inst.id, inst.state.text, inst.instance_type,
                                                  format_iso8601(inst.launch_time)),
                          inst.launch_time});
    if (!inst.user_data_digest.empty())
        r.evidence.push_back({"user data", fmt::format("sha256 {} — {}", inst.user_data_digest.substr(0, 12),
                                                       inst.user_data_summary.empty() ? "no install lines found"
                                                                                      : fmt::format("{}", fmt::join(inst.user_data_summary, " ; "))),
                              std::nullopt});
}

// Without a version endpoint: the newest commit that existed when the instance booted.
Revision booted_revision(const Context& ctx, const Instance& inst) {
    for (const auto& c : ctx.snap.commits.value ? *ctx.snap.commits.value : std::vector<Commit>{})
        if (c.time <= inst.launch_time) {
            Revision rev = ctx.index.from_string(c.sha);
            rev.match = MatchKind::inferred;
            rev.note = fmt::format("inferred: newest commit when {} booted", inst.id);
            return rev;
        }
    return Revision{};
}

Fleet read_fleet(Context& ctx, StageReport& r) {
    const Commit& target = *ctx.target;
    // Code installed by UserData is whatever existed at first boot.
    Fleet fl{*ctx.snap.instances.value, ctx.short_sha(target.sha),
             ctx.target_build && ctx.target_build->finished ? *ctx.target_build->finished : target.time};
    fl.served = endpoint_revision(ctx, r, fl.endpoint_failed);
    for (const auto& inst : fl.instances) {
        add_instance_evidence(inst, r);
        if (!fl.oldest || inst.launch_time < fl.oldest->launch_time) fl.oldest = &inst;
        if (inst.state != InstanceState::running) {
            fl.down = &inst;
            return fl;
        }
    }
    r.since = fl.oldest->launch_time;
    r.evidence.push_back({"newest commit", ctx.describe_commit(target), target.time});
    r.revision = fl.served && fl.served->known() ? *fl.served : booted_revision(ctx, *fl.oldest);
    fl.launched_before = fl.oldest->launch_time < fl.ready;
    return fl;
}

// A rule: the stage's outcome when the rule applies (built on `base`, the gathered evidence).
using InstanceRule = std::optional<StageOutcome> (*)(const Context& ctx, const Fleet& fl, const StageOutcome& base);

std::optional<StageOutcome> instance_down(const Context&, const Fleet& fl, const StageOutcome& base) {
    const Instance* inst = fl.down;
    if (!inst) return std::nullopt;
    StageOutcome out = base;
    out.report.health = Health::failed;
    out.report.summary = fmt::format("instance {} is {}", inst->id, inst->state.text);
    out.verdict = VerdictCode::instance_stale;
    out.verdict_summary = fmt::format("Instance {} is {}, not running.", inst->id, inst->state.text);
    return out;
}

std::optional<StageOutcome> instances_current(const Context& ctx, const Fleet& fl, const StageOutcome& base) {
    const std::optional<Revision>& served = fl.served;
    if (!((served && served->known() && served->sha == ctx.target->sha) || (!served && !fl.launched_before)))
        return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::ok;
    r.revision = ctx.index.from_string(ctx.target->sha);
    if (!served) r.revision.match = MatchKind::inferred;
    r.summary = fmt::format("{} instance{} on {}", fl.instances.size(), fl.instances.size() == 1 ? "" : "s", fl.sha7);
    return out;
}

std::optional<StageOutcome> version_untold(const Context& ctx, const Fleet& fl, const StageOutcome& base) {
    if (!fl.served || fl.served->known() || fl.launched_before) return std::nullopt;
    StageOutcome out = base;
    return fail_unknown(out, fl.endpoint_failed ? endpoint_problem(ctx) : "endpoint reports a version that names no known commit");
}

std::optional<StageOutcome> instance_stale(const Context& ctx, const Fleet& fl, const StageOutcome& base) {
    StageOutcome out = base;
    auto& r = out.report;
    const Instance* oldest = fl.oldest;
    r.health = Health::stale;
    r.summary = fmt::format("{} launched {} before {} was {}", oldest->id, format_duration(fl.ready - oldest->launch_time), fl.sha7,
                            ctx.target_build ? "built" : "pushed");
    out.verdict = VerdictCode::instance_stale;
    out.verdict_summary = fmt::format("Instance {} was launched {} ({} before {}); UserData runs only at first boot, so it "
                                      "still serves {}.",
                                      oldest->id, format_iso8601(oldest->launch_time),
                                      format_duration(fl.ready - oldest->launch_time), fl.sha7,
                                      r.revision.known() ? r.revision.short_sha() : "the code of its launch");
    if (!fl.launched_before && fl.served && fl.served->known())
        out.verdict_summary = fmt::format("Instance {} serves {}, not {}.", oldest->id, fl.served->short_sha(), fl.sha7);
    return out;
}

// In order; the first that applies decides. The last always applies.
constexpr InstanceRule kInstanceRules[] = {instance_down, instances_current, version_untold, instance_stale};

}  // namespace

StageOutcome diagnose_alb(Context& ctx) {
    StageOutcome base;
    base.report.id = Stage::alb;
    if (!ctx.snap.target_groups.configured && !ctx.snap.versions.configured) {
        fail_unknown(base, "no target group or version endpoint to check what serves traffic");
        return base;
    }
    if (ctx.snap.target_groups.configured && source_unusable(ctx.snap.target_groups, "load balancer", base, ctx.now))
        return base;
    const Traffic tr = read_traffic(ctx, base.report);
    for (TrafficRule rule : kTrafficRules)
        if (auto out = rule(ctx, tr, base)) return std::move(*out);
    return base;  // not reached: serving_older always applies
}

StageOutcome diagnose_instances(Context& ctx) {
    StageOutcome base;
    base.report.id = Stage::instances;
    if (source_unusable(ctx.snap.instances, "EC2 instances", base, ctx.now)) return base;
    if (ctx.snap.instances.value->empty()) {
        base.report.health = Health::failed;
        base.report.summary = "no instances behind the load balancer";
        base.verdict = VerdictCode::instance_stale;
        base.verdict_summary = "No EC2 instance serves this pipeline.";
        return base;
    }
    if (!ctx.target) return fail_unknown(base, "newest commit unknown");
    const Fleet fl = read_fleet(ctx, base.report);
    for (InstanceRule rule : kInstanceRules)
        if (auto out = rule(ctx, fl, base)) return std::move(*out);
    return base;  // not reached: instance_stale always applies
}

}  // namespace shipwatch::detail

// Rules for the ECS rollout and its tasks: deployments, failures, and the digests tasks run.
#include <algorithm>
#include <map>
#include <span>

#include "model/diagnosis_detail.hpp"

namespace shipwatch::detail {
namespace {

// A stop that means the task could not run, as opposed to a scale-in or a replaced task.
bool failed_stop(const Task& t) {
    if (t.last_status != TaskStatus::stopped) return false;
    if (t.stop_code == StopCode::task_failed_to_start || t.stop_code == StopCode::essential_container_exited) return true;
    static const char* kMarkers[] = {"Error", "error", "failed", "Failed", "CannotPull", "unhealthy", "OutOfMemory"};
    // Scale-ins and replaced tasks stop with SIGTERM (exit 143) too, so exit codes alone do not
    // mark a failure; the stop code and reason do.
    for (const char* m : kMarkers)
        if (t.stopped_reason.find(m) != std::string::npos) return true;
    return false;
}

std::string exit_codes(const Task& t) {
    std::vector<std::string> parts;
    for (const auto& c : t.containers)
        if (c.exit_code) parts.push_back(fmt::format("{}={}", c.name, *c.exit_code));
    return parts.empty() ? "" : fmt::format(" (exit {})", fmt::join(parts, ", "));
}

std::string td_short(const Context& ctx, const std::string& arn) {
    if (const TaskDefinition* td = ctx.taskdef(arn)) return fmt::format("{}:{}", td->family, td->revision);
    auto slash = arn.rfind('/');
    return slash == std::string::npos ? arn : arn.substr(slash + 1);
}

// When a stopped task stopped, as far as it tells: stoppedAt is absent from some answers (and
// while a stop is recorded), so the stopping or start time stands in.
std::optional<TimePoint> stop_time(const Task& t) {
    if (t.stopped_at) return t.stopped_at;
    if (t.stopping_at) return t.stopping_at;
    return t.started_at ? t.started_at : t.created_at;
}

const Task* newest_failed_stop(const std::vector<Task>& tasks, std::optional<TimePoint> since) {
    const Task* best = nullptr;
    for (const auto& t : tasks) {
        if (!failed_stop(t)) continue;
        std::optional<TimePoint> at = stop_time(t);
        if (since && at && *at < *since) continue;
        if (!best || at.value_or(TimePoint{}) > stop_time(*best).value_or(TimePoint{})) best = &t;
    }
    return best;
}

// How often an event with this text repeats: count and median interval.
std::pair<int, Duration> repetition(const std::vector<ServiceEvent>& events, std::string_view needle) {
    std::vector<TimePoint> times;
    for (const auto& e : events)
        if (e.message.find(needle) != std::string::npos) times.push_back(e.time);
    std::sort(times.begin(), times.end());
    if (times.size() < 2) return {static_cast<int>(times.size()), Duration{0}};
    std::vector<Duration> gaps;
    for (size_t i = 1; i < times.size(); ++i) gaps.push_back(times[i] - times[i - 1]);
    std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
    return {static_cast<int>(times.size()), gaps[gaps.size() / 2]};
}

// What each running task carries — by the digest it reports, else by its task definition's
// reference — against the target commit and the image that should run (judge(), below).
struct Judgement {
    std::string expected;  // the digest that should run; empty when not known
    std::vector<const Task*> off;  // known to run another image or commit
    std::vector<const Task*> untold;  // nothing tells what they carry
};

// What the task rules read, gathered once.
struct Rollout {
    const Service& svc;
    std::vector<const Task*> running;  // running and meant to keep running
    const Deployment* primary = nullptr;
    std::vector<const Deployment*> in_progress;
    const Deployment* failing = nullptr;  // the rollout that fails most (the primary when its rollout FAILED)
    const Task* last_stop = nullptr;  // newest failed stop, since `failing` was created when there is one
    std::vector<const Task*> undigested;  // running tasks whose app container reports no digest

    // CODE_DEPLOY and EXTERNAL: the rollout is in task sets.
    bool task_sets = false;
    const TaskSet* primary_set = nullptr;
    const TaskSet* replacement = nullptr;

    Judgement judged;  // of the running tasks, once they are read
};

Rollout read_rollout(const Context& ctx, const Service& svc, const std::vector<Task>& tasks) {
    Rollout ro{svc};
    for (const auto& t : tasks)
        if (t.last_status == TaskStatus::running && t.desired_status != TaskStatus::stopped) ro.running.push_back(&t);
    for (const Task* t : ro.running)
        if (const TaskContainer* c = ctx.app_container_of(*t); c && c->image_digest.empty()) ro.undigested.push_back(t);
    ro.task_sets = uses_task_sets(svc);
    ro.primary_set = primary_task_set(svc);
    ro.replacement = replacement_task_set(svc);
    for (const auto& d : svc.deployments) {
        if (d.status == DeploymentStatus::primary) ro.primary = &d;
        if (d.rollout_state == RolloutState::in_progress) ro.in_progress.push_back(&d);
    }
    for (const Deployment* d : ro.in_progress)
        if (d->failed_tasks > 0 && (!ro.failing || d->failed_tasks > ro.failing->failed_tasks)) ro.failing = d;
    if (ro.primary && ro.primary->rollout_state == RolloutState::failed) ro.failing = ro.primary;
    ro.last_stop = newest_failed_stop(tasks, ro.failing ? std::optional<TimePoint>(ro.failing->created) : std::nullopt);
    return ro;
}

// "orders-green" of ".../targetgroup/orders-green/8b7a6f5e4d3c2b1a"; the text as given otherwise.
std::string target_group_name(const std::string& arn) {
    auto start = arn.find("targetgroup/");
    if (start == std::string::npos) return arn;
    start += std::string_view("targetgroup/").size();
    return arn.substr(start, arn.find('/', start) - start);
}

// "blue/green", "linear" or "canary": how a native shift moves traffic.
std::string shift_label(const Service& svc) {
    if (svc.strategy == DeploymentStrategy::linear) return "linear";
    if (svc.strategy == DeploymentStrategy::canary) return "canary";
    return "blue/green";
}

// "bake time 10m" when the service told it, else empty.
std::string bake_text(const Service& svc) {
    if (!svc.bake_time_minutes) return {};
    return "bake time " + format_duration(std::chrono::minutes(*svc.bake_time_minutes));
}

// The strategy and, for a native shift, the bake time and the target group of the other colour:
// evidence only when the service told them.
void add_strategy_evidence(const Service& svc, StageReport& r) {
    if (svc.strategy.text.empty()) return;
    std::string bake = svc.bake_time_minutes ? ", " + bake_text(svc) : "";
    std::string how = svc.strategy.known() ? "" : " (a strategy shipwatch does not know: read as rolling)";
    r.evidence.push_back({"deployment strategy", svc.strategy.text + bake + how, std::nullopt});
    for (const auto& lb : svc.load_balancers) {
        if (lb.alternate_target_group_arn.empty()) continue;
        std::string text = fmt::format("{} (beside {})", target_group_name(lb.alternate_target_group_arn),
                                       target_group_name(lb.target_group_arn));
        r.evidence.push_back({"alternate target group", text, std::nullopt});
    }
}

void add_deployment_evidence(const Context& ctx, const Service& svc, StageReport& r) {
    add_strategy_evidence(svc, r);
    for (const auto& d : svc.deployments)
        r.evidence.push_back({"deployment " + d.status.text,
                              fmt::format("{} {} {} running {}/{} pending {} failed {}", d.id, td_short(ctx, d.task_definition),
                                          d.rollout_state.text.empty() ? "-" : d.rollout_state.text, d.running, d.desired,
                                          d.pending, d.failed_tasks),
                              d.created});
}

std::string task_set_text(const Context& ctx, const TaskSet& t) {
    std::string scale = t.scale_percent ? fmt::format(" scale {:g}%", *t.scale_percent) : "";
    return fmt::format("{} {} {}/{} running, {} pending{}{}", t.id, td_short(ctx, t.task_definition), t.running,
                       t.computed_desired, t.pending, scale, t.stability.text.empty() ? "" : " " + t.stability.text);
}

// The traffic split CodeDeploy reports, "Blue 100% (tg-blue), Green 0% (tg-green)"; empty when not read.
std::string traffic_text(const CodeDeployDeployment& d) {
    std::vector<std::string> parts;
    for (const auto& t : d.task_sets)
        parts.push_back(fmt::format("{} {}{}", t.label.empty() ? t.id : t.label,
                                    t.traffic_weight ? fmt::format("{:g}%", *t.traffic_weight) : "?",
                                    t.target_group.empty() ? "" : " (" + t.target_group + ")"));
    return fmt::format("{}", fmt::join(parts, ", "));
}

void add_task_set_evidence(const Context& ctx, const Service& svc, StageReport& r) {
    r.evidence.push_back({"deployment controller", svc.controller.text.empty() ? "ECS (default)" : svc.controller.text,
                          std::nullopt});
    for (const auto& t : svc.task_sets)
        r.evidence.push_back({"task set " + t.status.text, task_set_text(ctx, t), t.created});
    if (const CodeDeployDeployment* d = ctx.codedeploy) {
        r.evidence.push_back({"CodeDeploy deployment", fmt::format("{} {} ({}/{})", d->id, d->status.text, d->application, d->group),
                              d->created});
        if (d->target_read && !d->task_sets.empty()) r.evidence.push_back({"production traffic", traffic_text(*d), std::nullopt});
        for (const auto& e : d->lifecycle)
            if (!e.diagnostic.empty() || e.status == "Failed")
                r.evidence.push_back({"hook " + e.name, fmt::format("{}{}", e.status, e.diagnostic.empty() ? "" : ": " + e.diagnostic),
                                      e.ended ? e.ended : e.started});
    } else if (ctx.snap.deployment.configured && ctx.snap.deployment.error) {
        r.evidence.push_back({"CodeDeploy deployment", "not read: " + describe(*ctx.snap.deployment.error), ctx.snap.deployment.error->time});
    }
}

// What the tasks run, by digest; the revision of the most common one is the stage's.
void add_digest_evidence(const Context& ctx, const Rollout& ro, StageReport& r) {
    std::map<std::string, std::vector<const Task*>> by_digest;
    for (const Task* t : ro.running) {
        const TaskContainer* c = ctx.app_container_of(*t);
        // Tasks without a digest are grouped by their task definition: its reference tells them.
        by_digest[c && !c->image_digest.empty() ? c->image_digest : "<no digest> " + t->task_definition].push_back(t);
    }
    const Task* majority = nullptr;
    size_t majority_count = 0;
    for (const auto& [digest, ts] : by_digest) {
        Revision rev = ctx.task_revision(*ts.front());
        std::optional<TimePoint> oldest_start;
        for (const Task* t : ts)
            if (t->started_at && (!oldest_start || *t->started_at < *oldest_start)) oldest_start = t->started_at;
        r.evidence.push_back({"running digest", fmt::format("{} × {} ({}; {})", ts.size(), digest.starts_with("<no digest>") ? "<no digest>" : digest,
                                                            td_short(ctx, ts.front()->task_definition),
                                                            rev.known() ? rev.short_sha() + ", " + rev.note : rev.note),
                              oldest_start});
        if (ts.size() > majority_count) {
            majority = ts.front();
            majority_count = ts.size();
        }
    }
    if (majority) {
        r.revision = ctx.task_revision(*majority);
        r.since = majority->started_at;
    }
    if (ctx.expected_image)
        r.evidence.push_back({"expected digest", fmt::format("{} (image for {})", ctx.expected_image->digest, ctx.short_sha(ctx.target->sha)),
                              ctx.expected_image->pushed_at});
}

// The digest the tasks should run: the target commit's image, else what the service's task
// definition resolves to.
std::string expected_digest(const Context& ctx) {
    std::string digest = ctx.expected_image ? ctx.expected_image->digest : std::string();
    if (digest.empty() && ctx.service_taskdef && ctx.app_container) {
        if (const Image* img = ctx.index.resolve(parse_image_ref(ctx.app_container->image))) digest = img->digest;
    }
    return digest;
}

// A rule: the stage's outcome when the rule applies (built on `base`, the gathered evidence).
using TaskRule = std::optional<StageOutcome> (*)(const Context& ctx, const Rollout& ro, const StageOutcome& base);

// 1. A rollout that keeps failing.
std::optional<StageOutcome> rollout_failing(const Context& ctx, const Rollout& ro, const StageOutcome& base) {
    const Deployment* failing = ro.failing;
    const Task* last_stop = ro.last_stop;
    if (!failing || !(last_stop || failing->rollout_state == RolloutState::failed || failing->running < failing->desired))
        return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::failed;
    std::string reason = last_stop ? last_stop->stopped_reason + exit_codes(*last_stop) : failing->rollout_state_reason;
    std::string what = ro.svc.native_blue_green() ? shift_label(ro.svc) + " deployment" : "deployment";
    r.summary = fmt::format("{} of {} failing: {} failed tasks; {}/{} running", what, td_short(ctx, failing->task_definition),
                            failing->failed_tasks, failing->running, failing->desired);
    if (last_stop)
        r.evidence.push_back({"last stopped task", fmt::format("{}: {}{}", last_stop->arn.substr(last_stop->arn.rfind('/') + 1),
                                                               last_stop->stopped_reason, exit_codes(*last_stop)),
                              stop_time(*last_stop)});
    int failed_in_progress = 0;
    for (const Deployment* d : ro.in_progress) failed_in_progress += d->failed_tasks;
    out.verdict = VerdictCode::deploy_failing;
    out.verdict_summary = fmt::format("The {} of {} keeps failing ({}): {}", what, td_short(ctx, failing->task_definition),
                                      ro.in_progress.size() > 1
                                          ? fmt::format("{} failed tasks across {} deployments in progress", failed_in_progress,
                                                        ro.in_progress.size())
                                          : fmt::format("{} failed tasks", failing->failed_tasks),
                                      reason.empty() ? "see the service events." : reason);
    return out;
}

std::string cluster_name(const Context& ctx, const Service& svc) {
    const std::string& c = svc.cluster.empty() ? ctx.snap.spec.cluster : svc.cluster;
    return c.substr(c.rfind('/') + 1);
}

// A deleted (INACTIVE) or deleting (DRAINING) service runs nothing it is asked to: that is a
// known failure, not a service scaled to zero.
std::optional<StageOutcome> service_gone(const Context& ctx, const Rollout& ro, const StageOutcome& base) {
    bool inactive = ro.svc.status == ServiceStatus::inactive, draining = ro.svc.status == ServiceStatus::draining;
    if (!inactive && !draining) return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::failed;
    std::string cluster = cluster_name(ctx, ro.svc);
    r.summary = fmt::format("service {} in cluster {} is {}", ro.svc.name, cluster,
                            inactive ? "INACTIVE (deleted)" : "DRAINING (being deleted)");
    out.verdict = VerdictCode::deploy_failing;
    out.verdict_summary = fmt::format("Service {} in cluster {} {}: nothing it runs is kept running.", ro.svc.name, cluster,
                                      inactive ? "was deleted (INACTIVE)" : "is being deleted (DRAINING)");
    return out;
}

std::optional<StageOutcome> scaled_to_zero(const Context& ctx, const Rollout& ro, const StageOutcome& base) {
    if (ro.svc.desired != 0) return std::nullopt;
    StageOutcome out = base;
    std::string what = fmt::format("service {} in cluster {} is scaled to 0 tasks", ro.svc.name, cluster_name(ctx, ro.svc));
    return fail_unknown(out, what, what + " (desiredCount 0): nothing serves the commit");
}

std::optional<StageOutcome> nothing_running(const Context&, const Rollout& ro, const StageOutcome& base) {
    if (!ro.running.empty()) return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    const Task* last_stop = ro.last_stop;
    r.health = Health::failed;
    r.summary = fmt::format("no task running ({} desired)", ro.svc.desired);
    if (last_stop)
        r.evidence.push_back({"last stopped task", last_stop->stopped_reason + exit_codes(*last_stop), stop_time(*last_stop)});
    out.verdict = VerdictCode::deploy_failing;
    out.verdict_summary = fmt::format("Service {} wants {} tasks but none is running{}.", ro.svc.name, ro.svc.desired,
                                      last_stop ? ": " + last_stop->stopped_reason : "");
    return out;
}

// Is the rollout still moving? A deployment ECS finished (COMPLETED, or FAILED and rolled back)
// moves nothing any more.
bool rollout_moving_now(const Rollout& ro) {
    const Deployment* primary = ro.primary;
    auto unfinished = std::count_if(ro.svc.deployments.begin(), ro.svc.deployments.end(), [](const Deployment& d) {
        return d.rollout_state != RolloutState::completed && d.rollout_state != RolloutState::failed;
    });
    return primary && (!ro.in_progress.empty() || unfinished > 1 || primary->running < primary->desired);
}

// The blue deployment of a native shift: the newest ACTIVE one beside the PRIMARY (green).
const Deployment* blue_deployment(const Rollout& ro) {
    const Deployment* blue = nullptr;
    for (const auto& d : ro.svc.deployments)
        if (&d != ro.primary && d.status == DeploymentStatus::active && (!blue || d.created > blue->created)) blue = &d;
    return blue;
}

// 2a. An ECS-native blue/green (linear, canary) shift still moving: green is the PRIMARY
// deployment, blue stays up beside it until the bake time ends. Which phase it is in (test
// traffic, production traffic, bake) only DescribeServiceDeployments tells, which is newer than
// what shipwatch reads, so no sentence claims one.
std::optional<StageOutcome> shift_moving(const Context& ctx, const Rollout& ro, const StageOutcome& base) {
    if (!ro.svc.native_blue_green() || !rollout_moving_now(ro)) return std::nullopt;
    const Deployment& green = *ro.primary;
    const Deployment* blue = blue_deployment(ro);
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::progressing;
    std::string green_td = td_short(ctx, green.task_definition);
    std::string counts = fmt::format("{}/{} running{}", green.running, green.desired,
                                     green.pending ? fmt::format(", {} pending", green.pending) : "");
    std::string blue_text = !blue ? ""
                            : fmt::format(", blue {} {}", td_short(ctx, blue->task_definition),
                                          blue->running + blue->pending > 0 ? "still up" : "scaled in");
    std::string bake = ro.svc.bake_time_minutes ? " (" + bake_text(ro.svc) + ")" : "";
    r.summary = fmt::format("{}: green {} {}{}{}", shift_label(ro.svc), green_td, counts, blue_text, bake);
    r.evidence.push_back({"deployment phase",
                          "not told: DescribeServices names no lifecycle stage (DescribeServiceDeployments does; shipwatch "
                          "does not read it)",
                          std::nullopt});
    out.verdict = VerdictCode::deploy_in_progress;
    out.verdict_summary = fmt::format("ECS {} deployment of {} in progress for {}: green {}{}.", shift_label(ro.svc), green_td,
                                      format_duration(ctx.now - green.created), counts, blue_text);
    return out;
}

// 2b. A rolling rollout still moving.
std::optional<StageOutcome> rollout_moving(const Context& ctx, const Rollout& ro, const StageOutcome& base) {
    const Deployment* primary = ro.primary;
    if (!rollout_moving_now(ro)) return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::progressing;
    r.summary = fmt::format("rolling out {}: {}/{} running, {} pending", td_short(ctx, primary->task_definition),
                            primary->running, primary->desired, primary->pending);
    out.verdict = VerdictCode::deploy_in_progress;
    out.verdict_summary = fmt::format("Deployment of {} in progress for {}: {}/{} new tasks running.",
                                      td_short(ctx, primary->task_definition), format_duration(ctx.now - primary->created),
                                      primary->running, primary->desired);
    return out;
}

// 3. Steady state: what each running task carries — by the digest it reports, else by its task
// definition's reference — against the target commit and the image that should run.
Judgement judge(const Context& ctx, const Rollout& ro) {
    Judgement j{expected_digest(ctx), {}, {}};
    for (const Task* t : ro.running) {
        const TaskContainer* c = ctx.app_container_of(*t);
        Revision rev = ctx.task_revision(*t);
        bool digest_off = c && !c->image_digest.empty() && !j.expected.empty() && c->image_digest != j.expected;
        bool commit_off = ctx.target && rev.known() && rev.sha != ctx.target->sha;
        // A task pulls its image when it starts: one that reports no digest and started before
        // the target's image was pushed (beyond the clocks' tolerance) cannot run that image.
        bool before_image = c && c->image_digest.empty() && !rev.known() && ctx.expected_image && t->started_at &&
                            *t->started_at + RevisionIndex::kClockSkew < ctx.expected_image->pushed_at;
        if (digest_off || commit_off || before_image) j.off.push_back(t);
        else if (!ctx.target || !rev.known()) j.untold.push_back(t);
    }
    return j;
}

std::optional<StageOutcome> tasks_current(const Context& ctx, const Rollout& ro, const StageOutcome& base) {
    const Judgement& j = ro.judged;
    if (!ctx.target || !j.off.empty() || !j.untold.empty()) return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::ok;
    std::string sha = ctx.short_sha(ctx.target->sha);
    if (!ro.undigested.empty())
        r.summary = fmt::format("{}/{} tasks run {} ({} report no digest: told by their task definition's tag)",
                                ro.running.size(), ro.svc.desired, sha, ro.undigested.size());
    else if (j.expected.empty())
        r.summary = fmt::format("{}/{} tasks run {} (told by tag; the registry does not confirm the digest)",
                                ro.running.size(), ro.svc.desired, sha);
    else
        r.summary = fmt::format("{}/{} tasks run {} ({})", ro.running.size(), ro.svc.desired, short_digest(j.expected), sha);
    return out;
}

// ... or some run an older image or commit ...
std::optional<StageOutcome> tasks_stale(const Context& ctx, const Rollout& ro, const StageOutcome& base) {
    const Judgement& j = ro.judged;
    if (j.off.empty()) return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::stale;
    out.verdict = VerdictCode::tasks_stale;
    const Task* sample = j.off.front();
    const TaskContainer* sc = ctx.app_container_of(*sample);
    std::string running_digest = sc ? sc->image_digest : "";
    Revision running = ctx.task_revision(*sample);
    if (!running_digest.empty() && !j.expected.empty() && running_digest != j.expected) {
        r.summary = fmt::format("{}/{} tasks run {}, not {}", j.off.size(), ro.running.size(), short_digest(running_digest),
                                short_digest(j.expected));
        const Image* want = ctx.index.find_digest(j.expected);
        ImageRef ref = ctx.app_container ? parse_image_ref(ctx.app_container->image) : ImageRef{};
        bool moved_tag = ref.digest.empty() && !ref.tag.empty() && hex_runs(ref.tag).empty();
        bool before_push = want && sample->started_at && *sample->started_at < want->pushed_at;
        if (moved_tag && before_push) {
            out.verdict_summary = fmt::format("Tasks still run {} but {} now points to {} (pushed {}): the tasks were never restarted.",
                                              short_digest(running_digest), ref.tag, short_digest(j.expected),
                                              format_clock(want->pushed_at));
        } else {
            out.verdict_summary = fmt::format("Tasks run {}{}, not {} (the image for {}).", short_digest(running_digest),
                                              running.known() ? " (" + running.short_sha() + ")" : "", short_digest(j.expected),
                                              ctx.target ? ctx.short_sha(ctx.target->sha) : "the newest commit");
        }
        if (before_push)
            r.evidence.push_back({"started before push", fmt::format("task started {}, image pushed {}", format_iso8601(*sample->started_at),
                                                                     format_iso8601(want->pushed_at)),
                                  sample->started_at});
    } else if (!running.known()) {
        // No digest and an untold revision: off because they started before the image existed.
        const Image& want = *ctx.expected_image;
        const std::string sha = ctx.short_sha(ctx.target->sha);
        r.summary = fmt::format("{}/{} tasks started before {} ({}) was pushed and report no digest: they run an older image",
                                j.off.size(), ro.running.size(), short_digest(want.digest), sha);
        ImageRef ref = ctx.app_container ? parse_image_ref(ctx.app_container->image) : ImageRef{};
        out.verdict_summary = fmt::format("Tasks started {} before the image for {} was pushed ({}){}: they were never restarted.",
                                          format_duration(want.pushed_at - *sample->started_at), sha, format_clock(want.pushed_at),
                                          ref.tag.empty() ? "" : fmt::format(" under tag {}", ref.tag));
        r.evidence.push_back({"started before push", fmt::format("task started {}, image pushed {}", format_iso8601(*sample->started_at),
                                                                 format_iso8601(want.pushed_at)),
                              sample->started_at});
    } else {
        // Off by commit (the judgement only says so with a target and a known revision).
        r.summary = fmt::format("{}/{} tasks run {}, not {}", j.off.size(), ro.running.size(), running.short_sha(),
                                ctx.short_sha(ctx.target->sha));
        out.verdict_summary = fmt::format("Tasks run {}, not the newest commit {}.", running.short_sha(), ctx.short_sha(ctx.target->sha));
    }
    return out;
}

// ... or nothing tells what they carry (no newest commit, no digest and a mutable tag, ...).
std::optional<StageOutcome> commit_untold(const Context& ctx, const Rollout& ro, const StageOutcome& base) {
    StageOutcome out = base;
    if (!ctx.target) return fail_unknown(out, "newest commit unknown: cannot tell whether the tasks carry it");
    const Judgement& j = ro.judged;
    const Task* sample = j.untold.empty() ? nullptr : j.untold.front();
    std::string why = sample ? ctx.task_revision(*sample).note : "";
    return fail_unknown(out, fmt::format("cannot tell which commit {} of {} running tasks carry{}", j.untold.size(),
                                         ro.running.size(), why.empty() ? "" : ": " + why));
}

// A rollout that carried the target and was rolled back (or failed): the tasks stage fails, and
// the task definition stage, which did its part, is ok.
std::optional<StageOutcome> rolled_back(const Context& ctx, const Rollout& ro, const StageOutcome& base) {
    if (!ctx.rollback || !ctx.target) return std::nullopt;
    const Rollback& rb = *ctx.rollback;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::failed;
    std::string failed_td = td_short(ctx, rb.task_definition);
    std::string now_td = ro.running.empty() ? td_short(ctx, rollout_task_definition(ro.svc))
                                            : td_short(ctx, ro.running.front()->task_definition);
    std::string sha = ctx.short_sha(ctx.target->sha);
    std::string reason = rb.reason.empty() ? "no reason given" : rb.reason;
    if (rb.by == "ECS" && ro.svc.native_blue_green()) {
        // ECS-native blue/green: traffic went back to blue, which ECS runs as a deployment of its own.
        std::string label = shift_label(ro.svc);
        r.summary = fmt::format("ECS {} deployment {} of {} ({}) rolled back; blue {} runs", label, rb.deployment,
                                failed_td, sha, now_td);
        out.verdict = VerdictCode::deploy_rolled_back;
        out.verdict_summary = fmt::format("The {} deployment of {} ({}) failed ({}); ECS rolled back to blue {}.", label, sha,
                                          failed_td, reason, now_td);
    } else if (rb.rolled_back) {
        r.summary = fmt::format("{} deployment {} of {} ({}) rolled back; tasks run {}", rb.by, rb.deployment, failed_td, sha, now_td);
        out.verdict = VerdictCode::deploy_rolled_back;
        out.verdict_summary = fmt::format("The deployment of {} ({}) failed ({}); {} rolled back to {}.", sha, failed_td, reason,
                                          rb.by, now_td);
    } else {
        r.summary = fmt::format("{} deployment {} of {} ({}) failed", rb.by, rb.deployment, failed_td, sha);
        out.verdict = VerdictCode::deploy_failing;
        out.verdict_summary = fmt::format("The {} deployment of {} ({}) failed: {}.", rb.by, sha, failed_td, reason);
    }
    r.evidence.push_back({"failed deployment", fmt::format("{} {}: {}", rb.deployment, failed_td, reason), rb.at});
    return out;
}

// CODE_DEPLOY: the newest deployment failed or was stopped (whatever it rolled out).
std::optional<StageOutcome> codedeploy_failed(const Context& ctx, const Rollout& ro, const StageOutcome& base) {
    const CodeDeployDeployment* d = ctx.codedeploy;
    if (!ro.task_sets || !d || !d->failed_or_stopped())
        return std::nullopt;
    // A failure older than what runs now is history, not the state of this rollout.
    if (ro.primary_set && ro.primary_set->external_id != d->id && ro.primary_set->created && d->created &&
        *ro.primary_set->created > *d->created)
        return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::failed;
    std::string reason = d->reason();
    bool rolled_back = d->rolled_back();
    r.summary = fmt::format("CodeDeploy deployment {} {}{}", d->id, d->status.text, rolled_back ? ", rolled back" : "");
    out.verdict = rolled_back ? VerdictCode::deploy_rolled_back : VerdictCode::deploy_failing;
    out.verdict_summary = fmt::format("CodeDeploy deployment {} of service {} {}: {}{}", d->id, ro.svc.name, d->status.text,
                                      reason.empty() ? "no reason given" : reason,
                                      rolled_back ? fmt::format("; rolled back{}.", d->rollback_message.empty() ? "" : " (" + d->rollback_message + ")")
                                                  : std::string("."));
    return out;
}

// Blue/green: the replacement set's tasks keep failing while the shift waits for them.
std::optional<StageOutcome> replacement_failing(const Context& ctx, const Rollout& ro, const StageOutcome& base) {
    if (!ro.task_sets || !ro.replacement || ro.replacement == ro.primary_set || !ctx.snap.tasks.value) return std::nullopt;
    const Task* last = nullptr;
    int failed = 0;
    for (const auto& t : *ctx.snap.tasks.value) {
        if (t.started_by != ro.replacement->id || !failed_stop(t)) continue;
        ++failed;
        if (!last || stop_time(t).value_or(TimePoint{}) > stop_time(*last).value_or(TimePoint{})) last = &t;
    }
    if (!last) return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::failed;
    std::string td = td_short(ctx, ro.replacement->task_definition);
    r.summary = fmt::format("replacement task set {} ({}) failing: {} tasks stopped; {}/{} running", ro.replacement->id, td, failed,
                            ro.replacement->running, ro.replacement->computed_desired);
    r.evidence.push_back({"last stopped task", last->stopped_reason + exit_codes(*last), stop_time(*last)});
    out.verdict = VerdictCode::deploy_failing;
    out.verdict_summary = fmt::format("The replacement task set of {} keeps failing ({} stopped tasks): {}", td, failed,
                                      last->stopped_reason.empty() ? "see the service events." : last->stopped_reason + exit_codes(*last));
    return out;
}

// Blue/green: a replacement task set beside the primary, or a CodeDeploy deployment not done.
std::optional<StageOutcome> shift_in_progress(const Context& ctx, const Rollout& ro, const StageOutcome& base) {
    if (!ro.task_sets) return std::nullopt;
    const CodeDeployDeployment* d = ctx.codedeploy;
    bool deploying = d && (d->status == CodeDeployStatus::created || d->status == CodeDeployStatus::queued ||
                           d->status == CodeDeployStatus::in_progress || d->status == CodeDeployStatus::ready ||
                           d->status == CodeDeployStatus::baking);
    bool beside = ro.replacement && ro.primary_set && ro.replacement != ro.primary_set;
    bool stabilizing = ro.primary_set && ro.primary_set->stability == StabilityStatus::stabilizing;
    if (!deploying && !beside && !stabilizing) return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::progressing;
    out.verdict = VerdictCode::deploy_in_progress;
    const TaskSet* next = ro.replacement ? ro.replacement : ro.primary_set;
    std::string next_text = next ? fmt::format("{} {}/{} running{}", td_short(ctx, next->task_definition), next->running,
                                               next->computed_desired,
                                               next->stability.text.empty() ? "" : ", " + next->stability.text)
                                 : "no task set yet";
    std::string traffic = d && d->target_read && !d->task_sets.empty() ? traffic_text(*d)
                          : d ? "traffic split not read (codedeploy:GetDeploymentTarget)"
                              : ro.svc.controller == ControllerType::external ? "traffic is the external controller's"
                                                                              : "traffic split not read (no CodeDeploy deployment)";
    std::string primary_td = ro.primary_set ? td_short(ctx, ro.primary_set->task_definition) : "?";
    r.summary = fmt::format("blue/green: replacement {}; primary {}", next_text, primary_td);
    out.verdict_summary = fmt::format("Blue/green deployment{} in progress: replacement {}; production traffic: {}.",
                                      d ? " " + d->id + " (" + d->status.text + ")" : "", next_text, traffic);
    return out;
}

// In order; the first that applies decides. The last always applies.
constexpr TaskRule kTaskRules[] = {service_gone,   rolled_back,   rollout_failing, scaled_to_zero,
                                   nothing_running, shift_moving,   rollout_moving,  tasks_current,
                                   tasks_stale,     commit_untold};
constexpr TaskRule kTaskSetRules[] = {service_gone,      rolled_back,       codedeploy_failed, replacement_failing,
                                      scaled_to_zero,    nothing_running,   shift_in_progress, tasks_current,
                                      tasks_stale,       commit_untold};

}  // namespace

StageOutcome diagnose_tasks(Context& ctx) {
    StageOutcome base;
    base.report.id = Stage::tasks;
    if (source_unusable(ctx.snap.service, "ECS service", base, ctx.now)) return base;
    if (source_unusable(ctx.snap.tasks, "ECS tasks", base, ctx.now)) return base;
    Rollout ro = read_rollout(ctx, *ctx.snap.service.value, *ctx.snap.tasks.value);
    ro.judged = judge(ctx, ro);
    if (ro.task_sets) add_task_set_evidence(ctx, ro.svc, base.report);
    else add_deployment_evidence(ctx, ro.svc, base.report);
    add_digest_evidence(ctx, ro, base.report);
    std::span<const TaskRule> rules = ro.task_sets ? std::span<const TaskRule>(kTaskSetRules) : std::span<const TaskRule>(kTaskRules);
    for (TaskRule rule : rules)
        if (auto out = rule(ctx, ro, base)) return std::move(*out);
    return base;  // not reached: commit_untold always applies
}

// Findings about the rollout that stand beside whatever the verdict is.
void add_rollout_findings(Context& ctx) {
    if (!ctx.snap.service.value) return;
    const Service& svc = *ctx.snap.service.value;
    int in_progress = 0;
    for (const auto& d : svc.deployments) {
        if (d.rollout_state == RolloutState::in_progress) {
            ++in_progress;
            auto age = ctx.now - d.created;
            // A native shift stays IN_PROGRESS through its bake time, by design.
            auto expected = std::chrono::minutes(30 + (svc.native_blue_green() ? svc.bake_time_minutes.value_or(0) : 0));
            if (age > expected)
                ctx.find(Severity::error, Stage::tasks,
                         fmt::format("deployment {} ({}) has been IN_PROGRESS for {}", d.id,
                                     td_short(ctx, d.task_definition), format_duration(age)),
                         {{"created", format_iso8601(d.created), d.created}});
        }
        if (d.failed_tasks > 0)
            ctx.find(d.rollout_state == RolloutState::completed ? Severity::warning : Severity::error, Stage::tasks,
                     fmt::format("{} failed tasks in deployment {} ({})", d.failed_tasks, d.id, td_short(ctx, d.task_definition)));
    }
    if (in_progress > 1)
        ctx.find(Severity::error, Stage::tasks, fmt::format("{} deployments IN_PROGRESS at once", in_progress));
    // Only a rolling service has the breaker, and only a told deploymentConfiguration says it is off.
    if (svc.circuit_breaker == false && !uses_task_sets(svc))
        ctx.find(in_progress ? Severity::error : Severity::warning, Stage::tasks,
                 "no deployment circuit breaker: a failing rollout retries forever");
    if (ctx.snap.tasks.value)
        if (const Task* t = newest_failed_stop(*ctx.snap.tasks.value, std::nullopt))
            ctx.find(Severity::error, Stage::tasks, fmt::format("latest stopped task: {}{}", t->stopped_reason, exit_codes(*t)),
                     {{"task", t->arn, stop_time(*t)}, {"task definition", td_short(ctx, t->task_definition), std::nullopt}});
    auto [count, every] = repetition(svc.events, "is unable to consistently start tasks successfully");
    if (count >= 2)
        ctx.find(Severity::error, Stage::tasks,
                 fmt::format("\"is unable to consistently start tasks successfully\" {} times, every ~{}", count,
                             format_duration(every)));
}

}  // namespace shipwatch::detail

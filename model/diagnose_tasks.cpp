// Rules for the ECS rollout and its tasks: deployments, failures, and the digests tasks run.
#include <algorithm>
#include <map>

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

const Task* newest_failed_stop(const std::vector<Task>& tasks, std::optional<TimePoint> since) {
    const Task* best = nullptr;
    for (const auto& t : tasks) {
        if (!failed_stop(t) || !t.stopped_at) continue;
        if (since && *t.stopped_at < *since) continue;
        if (!best || *t.stopped_at > *best->stopped_at) best = &t;
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

// What the task rules read, gathered once.
struct Rollout {
    const Service& svc;
    std::vector<const Task*> running;  // running and meant to keep running
    const Deployment* primary = nullptr;
    std::vector<const Deployment*> in_progress;
    const Deployment* failing = nullptr;  // the rollout that fails most (the primary when its rollout FAILED)
    const Task* last_stop = nullptr;  // newest failed stop, since `failing` was created when there is one
};

Rollout read_rollout(const Service& svc, const std::vector<Task>& tasks) {
    Rollout ro{svc};
    for (const auto& t : tasks)
        if (t.last_status == TaskStatus::running && t.desired_status != TaskStatus::stopped) ro.running.push_back(&t);
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

void add_deployment_evidence(const Context& ctx, const Service& svc, StageReport& r) {
    for (const auto& d : svc.deployments)
        r.evidence.push_back({"deployment " + d.status.text,
                              fmt::format("{} {} {} running {}/{} pending {} failed {}", d.id, td_short(ctx, d.task_definition),
                                          d.rollout_state.text.empty() ? "-" : d.rollout_state.text, d.running, d.desired,
                                          d.pending, d.failed_tasks),
                              d.created});
}

// What the tasks run, by digest; the revision of the most common one is the stage's.
void add_digest_evidence(const Context& ctx, const Rollout& ro, StageReport& r) {
    std::map<std::string, std::vector<const Task*>> by_digest;
    for (const Task* t : ro.running) {
        const TaskContainer* c = ctx.app_container_of(*t);
        by_digest[c ? c->image_digest : std::string()].push_back(t);
    }
    const Task* majority = nullptr;
    size_t majority_count = 0;
    for (const auto& [digest, ts] : by_digest) {
        Revision rev = ctx.task_revision(*ts.front());
        std::optional<TimePoint> oldest_start;
        for (const Task* t : ts)
            if (t->started_at && (!oldest_start || *t->started_at < *oldest_start)) oldest_start = t->started_at;
        r.evidence.push_back({"running digest", fmt::format("{} × {} ({}; {})", ts.size(), digest.empty() ? "<no digest>" : digest,
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

// Running tasks that do not run `expected` (all of them when it is not known).
std::vector<const Task*> off_digest(const Context& ctx, const Rollout& ro, const std::string& expected) {
    std::vector<const Task*> off;
    for (const Task* t : ro.running) {
        const TaskContainer* c = ctx.app_container_of(*t);
        if (!c || expected.empty() || c->image_digest != expected) off.push_back(t);
    }
    return off;
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
    r.summary = fmt::format("deployment of {} failing: {} failed tasks; {}/{} running", td_short(ctx, failing->task_definition),
                            failing->failed_tasks, failing->running, failing->desired);
    if (last_stop)
        r.evidence.push_back({"last stopped task", fmt::format("{}: {}{}", last_stop->arn.substr(last_stop->arn.rfind('/') + 1),
                                                               last_stop->stopped_reason, exit_codes(*last_stop)),
                              last_stop->stopped_at});
    int failed_in_progress = 0;
    for (const Deployment* d : ro.in_progress) failed_in_progress += d->failed_tasks;
    out.verdict = VerdictCode::deploy_failing;
    out.verdict_summary = fmt::format("The deployment of {} keeps failing ({}): {}", td_short(ctx, failing->task_definition),
                                      ro.in_progress.size() > 1
                                          ? fmt::format("{} failed tasks across {} deployments in progress", failed_in_progress,
                                                        ro.in_progress.size())
                                          : fmt::format("{} failed tasks", failing->failed_tasks),
                                      reason.empty() ? "see the service events." : reason);
    return out;
}

std::optional<StageOutcome> scaled_to_zero(const Context&, const Rollout& ro, const StageOutcome& base) {
    if (ro.svc.desired != 0) return std::nullopt;
    StageOutcome out = base;
    return fail_unknown(out, "service is scaled to 0 tasks", "the service is scaled to 0 tasks");
}

std::optional<StageOutcome> nothing_running(const Context&, const Rollout& ro, const StageOutcome& base) {
    if (!ro.running.empty()) return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    const Task* last_stop = ro.last_stop;
    r.health = Health::failed;
    r.summary = fmt::format("no task running ({} desired)", ro.svc.desired);
    if (last_stop)
        r.evidence.push_back({"last stopped task", last_stop->stopped_reason + exit_codes(*last_stop), last_stop->stopped_at});
    out.verdict = VerdictCode::deploy_failing;
    out.verdict_summary = fmt::format("Service {} wants {} tasks but none is running{}.", ro.svc.name, ro.svc.desired,
                                      last_stop ? ": " + last_stop->stopped_reason : "");
    return out;
}

// 2. A rollout still moving.
std::optional<StageOutcome> rollout_moving(const Context& ctx, const Rollout& ro, const StageOutcome& base) {
    const Deployment* primary = ro.primary;
    bool moving = !ro.in_progress.empty() || ro.svc.deployments.size() > 1 || (primary && primary->running < primary->desired);
    if (!moving || !primary) return std::nullopt;
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

// 3. Steady state: do the tasks run the image they should, by digest? Yes, and the target commit.
std::optional<StageOutcome> tasks_current(const Context& ctx, const Rollout& ro, const StageOutcome& base) {
    std::string expected = expected_digest(ctx);
    const Revision& revision = base.report.revision;
    bool carries_target = ctx.target && revision.known() && revision.sha == ctx.target->sha;
    if (!off_digest(ctx, ro, expected).empty() || !carries_target) return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::ok;
    r.summary = fmt::format("{}/{} tasks run {} ({})", ro.running.size(), ro.svc.desired, short_digest(expected),
                            r.revision.short_sha());
    return out;
}

// 3. ... cannot tell, nothing names the commit ...
std::optional<StageOutcome> commit_untold(const Context& ctx, const Rollout&, const StageOutcome& base) {
    if (base.report.revision.known() || !expected_digest(ctx).empty()) return std::nullopt;
    StageOutcome out = base;
    return fail_unknown(out, "cannot tell which commit the running tasks carry");
}

// 3. ... or they run an older image or commit.
std::optional<StageOutcome> tasks_stale(const Context& ctx, const Rollout& ro, const StageOutcome& base) {
    StageOutcome out = base;
    auto& r = out.report;
    std::string expected = expected_digest(ctx);
    std::vector<const Task*> off = off_digest(ctx, ro, expected);
    r.health = Health::stale;
    const Task* sample = off.empty() ? ro.running.front() : off.front();
    const TaskContainer* sc = ctx.app_container_of(*sample);
    std::string running_digest = sc ? sc->image_digest : "";
    if (!expected.empty() && running_digest != expected) {
        std::string tag = ctx.app_container ? parse_image_ref(ctx.app_container->image).tag : "";
        const Image* want = ctx.index.find_digest(expected);
        r.summary = fmt::format("{}/{} tasks run {}, not {}", off.size(), ro.running.size(), short_digest(running_digest),
                                short_digest(expected));
        out.verdict_summary = fmt::format("Tasks still run {} but {} now points to {}{}: the tasks were never restarted.",
                                          short_digest(running_digest), tag.empty() ? "the image" : tag, short_digest(expected),
                                          want ? fmt::format(" (pushed {})", format_clock(want->pushed_at)) : "");
        if (want && sample->started_at && *sample->started_at < want->pushed_at)
            r.evidence.push_back({"started before push", fmt::format("task started {}, image pushed {}", format_iso8601(*sample->started_at),
                                                                     format_iso8601(want->pushed_at)),
                                  sample->started_at});
    } else {
        r.summary = fmt::format("tasks run {}, not {}", r.revision.short_sha(), ctx.target ? ctx.short_sha(ctx.target->sha) : "?");
        out.verdict_summary = fmt::format("Tasks run {}, not the newest commit.", r.revision.short_sha());
    }
    out.verdict = VerdictCode::tasks_stale;
    return out;
}

// In order; the first that applies decides. The last always applies.
constexpr TaskRule kTaskRules[] = {rollout_failing, scaled_to_zero, nothing_running, rollout_moving,
                                   tasks_current,   commit_untold,  tasks_stale};

}  // namespace

StageOutcome diagnose_tasks(Context& ctx) {
    StageOutcome base;
    base.report.id = Stage::tasks;
    if (source_unusable(ctx.snap.service, "ECS service", base, ctx.now)) return base;
    if (source_unusable(ctx.snap.tasks, "ECS tasks", base, ctx.now)) return base;
    const Rollout ro = read_rollout(*ctx.snap.service.value, *ctx.snap.tasks.value);
    add_deployment_evidence(ctx, ro.svc, base.report);
    add_digest_evidence(ctx, ro, base.report);
    for (TaskRule rule : kTaskRules)
        if (auto out = rule(ctx, ro, base)) return std::move(*out);
    return base;  // not reached: tasks_stale always applies
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
            if (age > std::chrono::minutes(30))
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
    if (!svc.circuit_breaker)
        ctx.find(in_progress ? Severity::error : Severity::warning, Stage::tasks,
                 "no deployment circuit breaker: a failing rollout retries forever");
    if (ctx.snap.tasks.value)
        if (const Task* t = newest_failed_stop(*ctx.snap.tasks.value, std::nullopt))
            ctx.find(Severity::error, Stage::tasks, fmt::format("latest stopped task: {}{}", t->stopped_reason, exit_codes(*t)),
                     {{"task", t->arn, t->stopped_at}, {"task definition", td_short(ctx, t->task_definition), std::nullopt}});
    auto [count, every] = repetition(svc.events, "is unable to consistently start tasks successfully");
    if (count >= 2)
        ctx.find(Severity::error, Stage::tasks,
                 fmt::format("\"is unable to consistently start tasks successfully\" {} times, every ~{}", count,
                             format_duration(every)));
}

}  // namespace shipwatch::detail

// Rules for the ECS rollout and its tasks: deployments, failures, and the digests tasks run.
#include <algorithm>
#include <map>

#include "model/diagnosis_detail.hpp"

namespace shipwatch::detail {
namespace {

// A stop that means the task could not run, as opposed to a scale-in or a replaced task.
bool failed_stop(const Task& t) {
    if (t.last_status != "STOPPED") return false;
    if (t.stop_code == "TaskFailedToStart" || t.stop_code == "EssentialContainerExited") return true;
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

}  // namespace

StageOutcome diagnose_tasks(Context& ctx) {
    StageOutcome out;
    auto& r = out.report;
    r.id = Stage::tasks;
    if (source_unusable(ctx.snap.service, "ECS service", out, ctx.now)) return out;
    if (source_unusable(ctx.snap.tasks, "ECS tasks", out, ctx.now)) return out;
    const Service& svc = *ctx.snap.service.value;
    const auto& tasks = *ctx.snap.tasks.value;

    std::vector<const Task*> running;
    for (const auto& t : tasks)
        if (t.last_status == "RUNNING" && t.desired_status != "STOPPED") running.push_back(&t);

    const Deployment* primary = nullptr;
    std::vector<const Deployment*> in_progress;
    for (const auto& d : svc.deployments) {
        if (d.status == "PRIMARY") primary = &d;
        if (d.rollout_state == "IN_PROGRESS") in_progress.push_back(&d);
        r.evidence.push_back({"deployment " + d.status,
                              fmt::format("{} {} {} running {}/{} pending {} failed {}", d.id, td_short(ctx, d.task_definition),
                                          d.rollout_state.empty() ? "-" : d.rollout_state, d.running, d.desired, d.pending,
                                          d.failed_tasks),
                              d.created});
    }

    // What the tasks run, by digest.
    std::map<std::string, std::vector<const Task*>> by_digest;
    for (const Task* t : running) {
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

    // 1. A rollout that keeps failing.
    const Deployment* failing = nullptr;
    for (const Deployment* d : in_progress)
        if (d->failed_tasks > 0 && (!failing || d->failed_tasks > failing->failed_tasks)) failing = d;
    if (primary && primary->rollout_state == "FAILED") failing = primary;
    const Task* last_stop = newest_failed_stop(tasks, failing ? std::optional<TimePoint>(failing->created) : std::nullopt);
    if (failing && (last_stop || failing->rollout_state == "FAILED" || failing->running < failing->desired)) {
        r.health = Health::failed;
        std::string reason = last_stop ? last_stop->stopped_reason + exit_codes(*last_stop) : failing->rollout_state_reason;
        r.summary = fmt::format("deployment of {} failing: {} failed tasks; {}/{} running", td_short(ctx, failing->task_definition),
                                failing->failed_tasks, failing->running, failing->desired);
        if (last_stop)
            r.evidence.push_back({"last stopped task", fmt::format("{}: {}{}", last_stop->arn.substr(last_stop->arn.rfind('/') + 1),
                                                                   last_stop->stopped_reason, exit_codes(*last_stop)),
                                  last_stop->stopped_at});
        int failed_in_progress = 0;
        for (const Deployment* d : in_progress) failed_in_progress += d->failed_tasks;
        out.verdict = VerdictCode::deploy_failing;
        out.verdict_summary = fmt::format("The deployment of {} keeps failing ({}): {}", td_short(ctx, failing->task_definition),
                                          in_progress.size() > 1
                                              ? fmt::format("{} failed tasks across {} deployments in progress", failed_in_progress,
                                                            in_progress.size())
                                              : fmt::format("{} failed tasks", failing->failed_tasks),
                                          reason.empty() ? "see the service events." : reason);
        return out;
    }
    
    if (svc.desired == 0) {
        return fail_unknown(out, "service is scaled to 0 tasks", "the service is scaled to 0 tasks");
    }
    if (running.empty()) {
        r.health = Health::failed;
        r.summary = fmt::format("no task running ({} desired)", svc.desired);
        if (last_stop)
            r.evidence.push_back({"last stopped task", last_stop->stopped_reason + exit_codes(*last_stop), last_stop->stopped_at});
        out.verdict = VerdictCode::deploy_failing;
        out.verdict_summary = fmt::format("Service {} wants {} tasks but none is running{}.", svc.name, svc.desired,
                                          last_stop ? ": " + last_stop->stopped_reason : "");
        return out;
    }

    // 2. A rollout still moving.
    bool moving = !in_progress.empty() || svc.deployments.size() > 1 || (primary && primary->running < primary->desired);
    if (moving && primary) {
        r.health = Health::progressing;
        r.summary = fmt::format("rolling out {}: {}/{} running, {} pending", td_short(ctx, primary->task_definition),
                                primary->running, primary->desired, primary->pending);
        out.verdict = VerdictCode::deploy_in_progress;
        out.verdict_summary = fmt::format("Deployment of {} in progress for {}: {}/{} new tasks running.",
                                          td_short(ctx, primary->task_definition), format_duration(ctx.now - primary->created),
                                          primary->running, primary->desired);
        return out;
    }

    // 3. Steady state: do the tasks run the image they should, by digest?
    std::string expected_digest = ctx.expected_image ? ctx.expected_image->digest : std::string();
    if (expected_digest.empty() && ctx.service_taskdef && ctx.app_container) {
        if (const Image* img = ctx.index.resolve(parse_image_ref(ctx.app_container->image))) expected_digest = img->digest;
    }
    std::vector<const Task*> off;
    for (const Task* t : running) {
        const TaskContainer* c = ctx.app_container_of(*t);
        if (!c || expected_digest.empty() || c->image_digest != expected_digest) off.push_back(t);
    }
    bool carries_target = ctx.target && r.revision.known() && r.revision.sha == ctx.target->sha;
    if (off.empty() && carries_target) {
        r.health = Health::ok;
        r.summary = fmt::format("{}/{} tasks run {} ({})", running.size(), svc.desired, short_digest(expected_digest),
                                r.revision.short_sha());
        return out;
    }
    if (!r.revision.known() && expected_digest.empty()) {
        return fail_unknown(out, "cannot tell which commit the running tasks carry");
    }
    r.health = Health::stale;
    const Task* sample = off.empty() ? running.front() : off.front();
    const TaskContainer* sc = ctx.app_container_of(*sample);
    std::string running_digest = sc ? sc->image_digest : "";
    if (!expected_digest.empty() && running_digest != expected_digest) {
        std::string tag = ctx.app_container ? parse_image_ref(ctx.app_container->image).tag : "";
        const Image* want = ctx.index.find_digest(expected_digest);
        r.summary = fmt::format("{}/{} tasks run {}, not {}", off.size(), running.size(), short_digest(running_digest),
                                short_digest(expected_digest));
        out.verdict_summary = fmt::format("Tasks still run {} but {} now points to {}{}: the tasks were never restarted.",
                                          short_digest(running_digest), tag.empty() ? "the image" : tag, short_digest(expected_digest),
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

// Findings about the rollout that stand beside whatever the verdict is.
void add_rollout_findings(Context& ctx) {
    if (!ctx.snap.service.value) return;
    const Service& svc = *ctx.snap.service.value;
    int in_progress = 0;
    for (const auto& d : svc.deployments) {
        if (d.rollout_state == "IN_PROGRESS") {
            ++in_progress;
            auto age = ctx.now - d.created;
            if (age > std::chrono::minutes(30))
                ctx.find(Severity::error, Stage::tasks, fmt::format("deployment {} ({}) has been IN_PROGRESS for {}", d.id,
                                                               td_short(ctx, d.task_definition), format_duration(age)),
                         {{"created", format_iso8601(d.created), d.created}});
        }
        if (d.failed_tasks > 0)
            ctx.find(d.rollout_state == "COMPLETED" ? Severity::warning : Severity::error, Stage::tasks,
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
        ctx.find(Severity::error, Stage::tasks, fmt::format("\"is unable to consistently start tasks successfully\" {} times, every ~{}",
                                                       count, format_duration(every)));
}

}  // namespace shipwatch::detail

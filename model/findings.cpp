// Findings that stand beside the verdict: what a careful on-call engineer would also point out.
#include <algorithm>

#include "model/diagnosis_detail.hpp"

namespace shipwatch::detail {
namespace {

std::optional<TimePoint> newest_task_start(const Context& ctx) {
    if (!ctx.snap.tasks.value) return std::nullopt;
    std::optional<TimePoint> first;
    for (const auto& t : *ctx.snap.tasks.value)
        if (t.last_status == TaskStatus::running && t.started_at && (!first || *t.started_at < *first)) first = t.started_at;
    return first;
}

void secret_findings(Context& ctx) {
    if (!ctx.snap.secrets.value) return;
    auto started = newest_task_start(ctx);
    for (const auto& s : *ctx.snap.secrets.value) {
        if (!s.last_changed) continue;
        std::vector<Evidence> ev{{"secret", s.arn.empty() ? s.name : s.arn, s.last_changed}};
        if (!s.used_by.empty()) ev.push_back({"used by", s.used_by, std::nullopt});
        if (started && *s.last_changed > *started)
            ctx.find(Severity::warning, Stage::tasks,
                     fmt::format("secret {} changed at {}, after the running tasks started ({}): they still hold the old value",
                                 s.name, format_clock(*s.last_changed), format_clock(*started)),
                     ev);
        else if (started && *started - *s.last_changed < std::chrono::hours(1))
            ctx.find(Severity::info, Stage::tasks,
                     fmt::format("secret {} changed at {}, {} before the running tasks started", s.name,
                                 format_clock(*s.last_changed), format_duration(*started - *s.last_changed)),
                     ev);
    }
}

void commits_ahead_finding(Context& ctx) {
    if (!ctx.target || !ctx.snap.tasks.value) return;
    // The revision most running tasks carry (ECS) or the instances' (EC2) is what "runs".
    int behind = -1;
    std::string running_sha;
    for (const auto& t : *ctx.snap.tasks.value) {
        if (t.last_status != TaskStatus::running) continue;
        Revision r = ctx.task_revision(t);
        if (r.known() && r.commits_behind > behind) {
            behind = r.commits_behind;
            running_sha = r.sha;
        }
    }
    if (behind > 0) {
        std::vector<Evidence> ev;
        for (int i = 0; i < behind && i < static_cast<int>(ctx.snap.commits.value->size()); ++i) {
            const Commit& c = (*ctx.snap.commits.value)[static_cast<size_t>(i)];
            ev.push_back({"not running", ctx.describe_commit(c), c.time});
        }
        ctx.find(Severity::warning, Stage::push,
                 fmt::format("{} is {} commit{} ahead of what runs ({})", ctx.snap.spec.branch, behind, behind == 1 ? "" : "s",
                             ctx.short_sha(running_sha)),
                 ev);
    }
}

void image_tag_findings(Context& ctx) {
    if (!ctx.app_container || !ctx.snap.images.value) return;
    ImageRef ref = parse_image_ref(ctx.app_container->image);
    const auto& images = *ctx.snap.images.value;
    bool any_sha_tag = std::any_of(images.begin(), images.end(), [](const Image& img) {
        return std::any_of(img.tags.begin(), img.tags.end(), [](const std::string& t) { return !hex_runs(t).empty(); });
    });
    if (ref.digest.empty() && hex_runs(ref.tag).empty())
        ctx.find(Severity::warning, Stage::image,
                 fmt::format("task definition uses the mutable tag \"{}\"{}: ECS does not redeploy when it moves, and tasks "
                             "pull whatever it points to when they start",
                             ref.tag, any_sha_tag ? "" : " and no image is tagged with a commit SHA"));
    const Image* latest = nullptr;
    for (const auto& img : images)
        if (std::find(img.tags.begin(), img.tags.end(), "latest") != img.tags.end()) latest = &img;
    if (!latest && !images.empty())
        ctx.find(Severity::info, Stage::image, fmt::format("repository {} has no \"latest\" tag", ctx.app_image_repository));
    if (latest && ctx.now - latest->pushed_at > std::chrono::hours(12))
        ctx.find(Severity::warning, Stage::image,
                 fmt::format("\"latest\" points at an image pushed {} ago ({})", format_duration(ctx.now - latest->pushed_at),
                             short_digest(latest->digest)),
                 {{"latest", latest->digest, latest->pushed_at}});
}

void started_before_push_finding(Context& ctx) {
    if (!ctx.expected_image || !ctx.snap.tasks.value || !ctx.snap.service.value) return;
    // Tasks of an older revision are the rollout's business (a shift or a rolling deployment
    // replaces them); the point here is a task of the revision that should run the new image.
    const std::string intended = rollout_task_definition(*ctx.snap.service.value);
    for (const auto& t : *ctx.snap.tasks.value) {
        if (t.last_status != TaskStatus::running || !t.started_at || *t.started_at >= ctx.expected_image->pushed_at) continue;
        if (t.task_definition != intended || ctx.rollback) continue;
        ctx.find(Severity::warning, Stage::tasks,
                 fmt::format("task {} started {} before the image it should run was pushed ({})", t.arn.substr(t.arn.rfind('/') + 1),
                             format_duration(ctx.expected_image->pushed_at - *t.started_at), format_clock(ctx.expected_image->pushed_at)),
                 {{"task started", format_iso8601(*t.started_at), t.started_at},
                  {"image pushed", ctx.expected_image->digest, ctx.expected_image->pushed_at}});
        return;  // one is enough to make the point; the tasks pane lists them all
    }
}

void expected_log_finding(Context& ctx) {
    const auto& spec = ctx.snap.spec;
    if (spec.expect_log.empty() || !ctx.snap.logs.value) return;
    auto started = newest_task_start(ctx);
    const LogMatch* seen = nullptr;
    for (const auto& m : *ctx.snap.logs.value)
        if (!started || m.time >= *started) seen = &m;
    if (seen)
        ctx.find(Severity::info, Stage::tasks, fmt::format("expected log line \"{}\" seen at {}", spec.expect_log, format_clock(seen->time)),
                 {{"log", seen->message, seen->time}, {"stream", seen->stream, std::nullopt}});
    else
        ctx.find(Severity::warning, Stage::tasks,
                 fmt::format("expected log line \"{}\" not seen since the running tasks started{}", spec.expect_log,
                             started ? " (" + format_clock(*started) + ")" : ""));
}

void source_error_findings(Context& ctx) {
    auto note = [&](const auto& part, Stage stage) {
        // A part not asked because another's call failed repeats that error: it is said once, by that part.
        if (part.error && !part.error->upstream) ctx.find(Severity::error, stage, describe(*part.error));
    };
    note(ctx.snap.commits, Stage::push);
    note(ctx.snap.builds, Stage::build);
    note(ctx.snap.images, Stage::image);
    note(ctx.snap.service, Stage::tasks);
    note(ctx.snap.task_definitions, Stage::taskdef);
    note(ctx.snap.tasks, Stage::tasks);
    note(ctx.snap.target_groups, Stage::alb);
    note(ctx.snap.instances, Stage::instances);
    note(ctx.snap.versions, Stage::alb);
    note(ctx.snap.logs, Stage::tasks);
    note(ctx.snap.secrets, Stage::taskdef);
}

}  // namespace

void add_findings(Context& ctx) {
    source_error_findings(ctx);
    add_rollout_findings(ctx);
    image_tag_findings(ctx);
    started_before_push_finding(ctx);
    secret_findings(ctx);
    commits_ahead_finding(ctx);
    expected_log_finding(ctx);
}

}  // namespace shipwatch::detail

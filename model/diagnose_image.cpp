// Rules for the registry (image) and task definition stages of an ECS pipeline.
#include <algorithm>

#include "model/diagnosis_detail.hpp"

namespace shipwatch::detail {
namespace {

const Image* newest_image(const std::vector<Image>& images) {
    const Image* best = nullptr;
    for (const auto& img : images)
        if (!best || img.pushed_at > best->pushed_at) best = &img;
    return best;
}

std::string tags_text(const Image& img) {
    return img.tags.empty() ? "<untagged>" : fmt::format("{}", fmt::join(img.tags, ", "));
}

bool is_mutable_tag(const std::string& tag) { return hex_runs(tag).empty(); }

// What the task definition rules read, gathered once.
struct Reference {
    const Service& svc;
    const TaskDefinition& td;  // what the service is set to run
    std::string td_name;  // family:revision
    ImageRef ref;  // the app container's image reference
    std::string sha7;  // the newest commit, when there is one
    bool carries_target = false;  // the referenced image was built from the newest commit
    bool digest_matches = false;  // ... and is the image that should run, as far as a digest tells
};

// Gathering fills the evidence: the task definition, its image and the commit it resolves to.
Reference read_reference(const Context& ctx, StageReport& r) {
    const TaskDefinition& td = *ctx.service_taskdef;
    Reference rf{*ctx.snap.service.value, td, fmt::format("{}:{}", td.family, td.revision),
                 parse_image_ref(ctx.app_container->image)};
    r.revision = ctx.index.of_reference(ctx.app_container->image);
    r.since = td.registered_at;
    r.evidence.push_back({"service task definition", rf.td_name, td.registered_at});
    r.evidence.push_back({"container image", fmt::format("{} = {}", ctx.app_container->name, ctx.app_container->image), std::nullopt});
    r.evidence.push_back({"resolves to", r.revision.known() ? fmt::format("{} ({})", r.revision.short_sha(), r.revision.note) : r.revision.note,
                          std::nullopt});
    if (ctx.target) {
        rf.sha7 = ctx.short_sha(ctx.target->sha);
        rf.carries_target = r.revision.known() && r.revision.sha == ctx.target->sha;
    }
    rf.digest_matches = !ctx.expected_image || r.revision.digest.empty() || r.revision.digest == ctx.expected_image->digest;
    return rf;
}

// A mutable tag that is not in the registry: tasks cannot pull it when they start.
void find_missing_tag(Context& ctx, const Reference& rf) {
    const ImageRef& ref = rf.ref;
    if (ref.digest.empty() && is_mutable_tag(ref.tag) && ctx.snap.images.value && !ctx.index.resolve(ref))
        ctx.find(Severity::error, Stage::taskdef,
                 fmt::format("{} references tag \"{}\", which does not exist in {}", rf.td_name, ref.tag, ref.repository));
}

// A rule: the stage's outcome when the rule applies (built on `base`, the gathered evidence).
using TaskdefRule = std::optional<StageOutcome> (*)(Context& ctx, const Reference& rf, const StageOutcome& base);

std::optional<StageOutcome> no_target_commit(Context& ctx, const Reference& rf, const StageOutcome& base) {
    if (ctx.target) return std::nullopt;
    StageOutcome out = base;
    return fail_unknown(out, fmt::format("{} → {}", rf.td_name, ctx.app_container->image), "the newest commit is unknown");
}

std::optional<StageOutcome> taskdef_current(Context&, const Reference& rf, const StageOutcome& base) {
    if (!rf.carries_target || !rf.digest_matches) return std::nullopt;
    StageOutcome out = base;
    out.report.health = Health::ok;
    out.report.summary = fmt::format("{} runs {} ({})", rf.td_name, rf.sha7,
                                     rf.ref.digest.empty() ? "tag " + rf.ref.tag : short_digest(rf.ref.digest));
    return out;
}

// A rollout of another task definition that carried the newest commit failed or was rolled back:
// the task definition did its part (it references the new image); the tasks stage says what
// became of the rollout.
std::optional<StageOutcome> rolled_back(Context& ctx, const Reference& rf, const StageOutcome& base) {
    if (!ctx.rollback) return std::nullopt;
    const TaskDefinition* td = ctx.taskdef(ctx.rollback->task_definition);
    const ContainerDef* c = td ? ctx.app_container_of(*td) : nullptr;
    if (!c) return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::ok;
    r.revision = ctx.index.of_reference(c->image);
    r.since = td->registered_at;
    r.summary = fmt::format("{}:{} runs {}; its rollout {} (the tasks stage tells)", td->family, td->revision, rf.sha7,
                            ctx.rollback->rolled_back ? "was rolled back" : "failed");
    r.evidence.push_back({"rolled-out task definition", fmt::format("{}:{} = {}", td->family, td->revision, c->image),
                          td->registered_at});
    return out;
}

std::optional<StageOutcome> commit_untold(Context& ctx, const Reference&, const StageOutcome& base) {
    if (base.report.revision.known()) return std::nullopt;
    StageOutcome out = base;
    return fail_unknown(out, fmt::format("cannot tell which commit {} carries", ctx.app_container->image));
}

std::optional<StageOutcome> taskdef_stale(Context& ctx, const Reference& rf, const StageOutcome& base) {
    StageOutcome out = base;
    auto& r = out.report;
    const std::string& sha7 = rf.sha7;
    r.health = Health::stale;
    std::string carried = rf.carries_target ? fmt::format("an older image of {} ({})", sha7, short_digest(r.revision.digest))
                                            : r.revision.short_sha();
    r.summary = fmt::format("{} still references {}", rf.td_name, carried);
    out.verdict = VerdictCode::taskdef_stale;
    if (!ctx.expected_image) {
        out.verdict_summary = fmt::format("Service {} runs {}, which carries {}, not {}.", rf.svc.name, rf.td_name,
                                          r.revision.short_sha(), sha7);
        return out;
    }
    const Image& img = *ctx.expected_image;
    r.evidence.push_back({"image for " + sha7, fmt::format("{} [{}]", short_digest(img.digest), fmt::format("{}", fmt::join(img.tags, ", "))),
                          img.pushed_at});
    out.verdict_summary = fmt::format("The image for {} was pushed at {}, but service {} still runs {}, which references {}.",
                                      sha7, format_clock(img.pushed_at), rf.svc.name, rf.td_name, ctx.app_container->image);
    // Did ECS even start a deployment after the push?
    std::optional<TimePoint> newest_dep = ctx.last_deployment();
    if (newest_dep && *newest_dep < img.pushed_at) {
        r.evidence.push_back({"last deployment", fmt::format("{} before the push", format_duration(img.pushed_at - *newest_dep)), newest_dep});
        ctx.find(Severity::error, Stage::taskdef,
                 fmt::format("no deployment since the image for {} was pushed at {}; the last one started {}",
                             sha7, format_clock(img.pushed_at), format_iso8601(*newest_dep)));
    }
    return out;
}

// In order; the first that applies decides. The last always applies.
constexpr TaskdefRule kTaskdefRules[] = {no_target_commit, taskdef_current, rolled_back, commit_untold, taskdef_stale};

}  // namespace

StageOutcome diagnose_image(Context& ctx) {
    StageOutcome out;
    auto& r = out.report;
    r.id = Stage::image;
    if (source_unusable(ctx.snap.images, "registry", out, ctx.now)) return out;
    const auto& images = *ctx.snap.images.value;
    if (!ctx.app_image_repository.empty()) r.evidence.push_back({"repository", ctx.app_image_repository, std::nullopt});

    if (ctx.expected_image) {
        const Image& img = *ctx.expected_image;
        r.health = Health::ok;
        r.revision = ctx.expected;
        if (img.push_time_known) r.since = img.pushed_at;
        std::string pushed = img.push_time_known ? fmt::format("pushed {} ago", format_duration(ctx.now - img.pushed_at))
                                                 : fmt::format("in {} (push time unknown)", img.registry);
        r.summary = fmt::format("{} {} as [{}] ({})", short_digest(img.digest), pushed, tags_text(img),
                                to_string(ctx.expected.match));
        r.evidence.push_back({"image for " + ctx.short_sha(ctx.target->sha), fmt::format("{} [{}]", img.digest, tags_text(img)),
                              img.push_time_known ? std::optional<TimePoint>(img.pushed_at) : std::nullopt});
        r.evidence.push_back({"how it was matched", ctx.expected.note, std::nullopt});
        return out;
    }

    const Image* newest = newest_image(images);
    if (newest) {
        Revision rev = ctx.index.of_image(*newest);
        r.revision = rev;
        if (newest->push_time_known) r.since = newest->pushed_at;
        r.evidence.push_back({"newest image", fmt::format("{} [{}]", newest->digest, tags_text(*newest)),
                              newest->push_time_known ? std::optional<TimePoint>(newest->pushed_at) : std::nullopt});
        r.evidence.push_back({"its commit", rev.known() ? fmt::format("{} ({})", rev.short_sha(), rev.note) : rev.note, std::nullopt});
    } else {
        r.evidence.push_back({"images", "the repository holds no images", ctx.snap.images.fetched_at});
    }

    if (!ctx.target) {
        return fail_unknown(out, "newest commit unknown", "the newest commit is unknown");
    }
    const std::string sha7 = ctx.short_sha(ctx.target->sha);
    // A registry without push times (the distribution API) and a tag that names no commit:
    // nothing ties the image to a build, so it is neither the target's image nor proof of its absence.
    if (newest && !newest->push_time_known && !r.revision.known()) {
        return fail_unknown(out, fmt::format("cannot tell whether {} [{}] carries {}", short_digest(newest->digest),
                                             tags_text(*newest), sha7),
                            fmt::format("{} tells no push time and the tag names no commit", newest->registry));
    }
    const CiRun* build = ctx.target_build;
    bool built = build && build->status == CiStatus::completed && build->conclusion == CiConclusion::success;
    if (built) {
        r.health = Health::failed;
        r.summary = fmt::format("build for {} succeeded but no image in {} carries it", sha7,
                                ctx.app_image_repository.empty() ? "the registry" : ctx.app_image_repository);
        out.verdict = VerdictCode::image_missing;
        out.verdict_summary = fmt::format("The build for {} succeeded but its image never reached {}.", sha7,
                                          ctx.app_image_repository.empty() ? "the registry" : ctx.app_image_repository);
        return out;
    }
    if (newest && r.revision.known()) {
        r.health = Health::stale;
        r.summary = fmt::format("no image for {}; newest image {} carries {}", sha7, short_digest(newest->digest),
                                r.revision.short_sha());
    } else {
        r.health = Health::unknown;
        r.summary = fmt::format("no image for {}; cannot tell what the newest image carries", sha7);
    }
    out.verdict = VerdictCode::image_missing;
    out.verdict_summary = fmt::format("No image for {} in the registry.", sha7);
    return out;
}

StageOutcome diagnose_taskdef(Context& ctx) {
    StageOutcome base;
    base.report.id = Stage::taskdef;
    if (source_unusable(ctx.snap.service, "ECS service", base, ctx.now)) return base;
    if (source_unusable(ctx.snap.task_definitions, "task definition", base, ctx.now)) return base;
    const TaskDefinition* td = ctx.service_taskdef;
    if (!td || !ctx.app_container) {
        return fail_unknown(base, td ? "task definition has no containers"
                                     : fmt::format("task definition {} not fetched", rollout_task_definition(*ctx.snap.service.value)));
    }
    const Reference rf = read_reference(ctx, base.report);
    find_missing_tag(ctx, rf);
    for (TaskdefRule rule : kTaskdefRules)
        if (auto out = rule(ctx, rf, base)) return std::move(*out);
    return base;  // not reached: taskdef_stale always applies
}

}  // namespace shipwatch::detail

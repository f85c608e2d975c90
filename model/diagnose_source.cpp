// Rules for the source end of the chain: push (the watched branch) and build (CI).
#include <algorithm>

#include "model/diagnosis_detail.hpp"

namespace shipwatch::detail {
namespace {

// A commit this fresh may simply not have been picked up by CI yet.
constexpr Duration kCiPickupGrace = std::chrono::minutes(3);

std::string_view conclusion_word(CiConclusion c) {
    switch (c) {
        case CiConclusion::success: return "succeeded";
        case CiConclusion::failure: return "failed";
        case CiConclusion::cancelled: return "was cancelled";
        case CiConclusion::timed_out: return "timed out";
        case CiConclusion::skipped: return "was skipped";
        default: return "ended";
    }
}

std::string run_label(const CiRun& run) {
    return run.number ? fmt::format("{} #{}", run.name, run.number) : fmt::format("{} {}", run.name, run.id);
}

// The first failed step/phase, with its context message.
const CiStep* failed_step(const CiRun& run) {
    for (const auto& s : run.steps)
        if (s.conclusion == CiConclusion::failure || s.conclusion == CiConclusion::timed_out) return &s;
    return nullptr;
}

const CiStep* running_step(const CiRun& run) {
    for (const auto& s : run.steps)
        if (s.status == CiStatus::in_progress) return &s;
    return nullptr;
}

}  // namespace

StageOutcome diagnose_push(Context& ctx) {
    StageOutcome out;
    out.report.id = Stage::push;
    if (source_unusable(ctx.snap.commits, "repository", out, ctx.now)) return out;
    auto& r = out.report;
    if (!ctx.target) {
        return fail_unknown(out, fmt::format("branch {} has no commits", ctx.snap.spec.branch));
    }
    const Commit& c = *ctx.target;
    r.health = Health::ok;
    r.revision = {c.sha, MatchKind::exact, fmt::format("newest commit of {}", ctx.snap.spec.branch), "", 0};
    r.since = c.time;
    r.summary = fmt::format("{} on {}, {} ago", ctx.describe_commit(c), ctx.snap.spec.branch,
                            format_duration(ctx.now - c.time));
    r.evidence.push_back({"newest commit", ctx.describe_commit(c), c.time});
    if (!c.author.empty()) r.evidence.push_back({"author", c.author, std::nullopt});
    r.evidence.push_back({"commits fetched", std::to_string(ctx.snap.commits.value->size()), ctx.snap.commits.fetched_at});
    return out;
}

StageOutcome diagnose_build(Context& ctx) {
    StageOutcome out;
    auto& r = out.report;
    r.id = Stage::build;
    if (source_unusable(ctx.snap.builds, "CI", out, ctx.now)) return out;
    if (!ctx.target) {
        return fail_unknown(out, "newest commit unknown, so the build to look for is unknown", "the newest commit is unknown");
    }
    const Commit& c = *ctx.target;
    const std::string sha7 = ctx.short_sha(c.sha);

    if (const CiRun* run = ctx.target_build) {
        r.revision = {c.sha, MatchKind::exact, fmt::format("{} built {}", run_label(*run), sha7), "", 0};
        r.since = run->finished.value_or(run->started);
        r.evidence.push_back({"build", fmt::format("{} for {}", run_label(*run), sha7), run->started});
        if (!run->url.empty()) r.evidence.push_back({"link", run->url, std::nullopt});
        if (run->status != CiStatus::completed) {
            r.health = Health::progressing;
            const CiStep* step = running_step(*run);
            r.summary = fmt::format("{} for {} running for {}{}", run_label(*run), sha7,
                                    format_duration(ctx.now - run->started),
                                    step ? fmt::format(" (step {})", step->name) : "");
            out.verdict = VerdictCode::build_running;
            out.verdict_summary = fmt::format("{} for {} is still running (started {} ago).", run_label(*run), sha7,
                                              format_duration(ctx.now - run->started));
            return out;
        }
        if (run->finished) r.evidence.push_back({"finished", std::string(conclusion_word(run->conclusion)), run->finished});
        if (run->conclusion == CiConclusion::success) {
            r.health = Health::ok;
            r.summary = fmt::format("{} for {} succeeded {} ago", run_label(*run), sha7,
                                    format_duration(ctx.now - r.since.value_or(ctx.now)));
            return out;
        }
        r.health = Health::failed;
        const CiStep* step = failed_step(*run);
        std::string where = step ? fmt::format(" in {}{}", step->job.empty() ? "" : step->job + " / ", step->name) : "";
        r.summary = fmt::format("{} for {} {}{}", run_label(*run), sha7, conclusion_word(run->conclusion), where);
        if (step) {
            r.evidence.push_back({"failed step", (step->job.empty() ? "" : step->job + " / ") + step->name, step->finished});
            if (!step->context.empty()) r.evidence.push_back({"context", step->context, std::nullopt});
        }
        out.verdict = VerdictCode::build_failed;
        out.verdict_summary = fmt::format("{} for {} {}{}; no image was pushed for it.", run_label(*run), sha7,
                                          conclusion_word(run->conclusion), where);
        if (step && !step->context.empty()) ctx.find(Severity::error, Stage::build, fmt::format("{} failed: {}", step->name, step->context));
        return out;
    }

    // No run for the newest commit.
    auto age = ctx.now - c.time;
    r.evidence.push_back({"newest commit", ctx.describe_commit(c), c.time});
    if (age < kCiPickupGrace) {
        r.health = Health::progressing;
        r.revision = {c.sha, MatchKind::exact, "waiting for CI", "", 0};
        r.summary = fmt::format("{} pushed {} ago, waiting for CI to pick it up", sha7, format_duration(age));
        out.verdict = VerdictCode::build_running;
        out.verdict_summary = fmt::format("{} was pushed {} ago; CI has not started a build yet.", sha7, format_duration(age));
        return out;
    }
    r.health = Health::stale;
    int ahead = -1;
    if (const CiRun* last = ctx.latest_build) {
        r.revision = ctx.index.from_string(last->sha);
        r.revision.note = fmt::format("last build {} is for {}", run_label(*last), ctx.short_sha(last->sha));
        ahead = ctx.index.position(last->sha);
        r.since = last->finished.value_or(last->started);
        r.evidence.push_back({"last build", fmt::format("{} for {} {}", run_label(*last), ctx.short_sha(last->sha),
                                                        last->status == CiStatus::completed ? conclusion_word(last->conclusion) : "running"),
                              last->started});
    }
    std::string ahead_text = ahead > 0 ? fmt::format("{} is {} commit{} ahead of the last build", ctx.snap.spec.branch, ahead,
                                                     ahead == 1 ? "" : "s")
                                       : "no CI run found for it";
    r.summary = fmt::format("{} was never built; {}", sha7, ahead_text);
    out.verdict = VerdictCode::not_built;
    out.verdict_summary = fmt::format("{} ({} ago) was never built: {}.", ctx.describe_commit(c), format_duration(age), ahead_text);
    if (auto deployed = ctx.last_deployment(); deployed && c.time > *deployed) {
        auto gap = format_duration(c.time - *deployed);
        r.evidence.push_back({"merged after the last deployment", fmt::format("{} later (deployed {}, merged {})", gap,
                                                                               format_clock(*deployed), format_clock(c.time)),
                              c.time});
        out.verdict_summary = fmt::format("{} was merged at {}, {} after the last deployment ({}), and was never built.",
                                          ctx.describe_commit(c), format_clock(c.time), gap, format_clock(*deployed));
    }
    return out;
}

}  // namespace shipwatch::detail

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

// What the build rules read, gathered once.
struct Build {
    const Commit& commit;  // the newest commit of the branch
    std::string sha7;
    const CiRun* run = nullptr;  // the CI run for it, when there is one
    Duration age{0};  // since the commit was made
};

// Gathering fills the evidence: the run when there is one, else the commit still waiting for it.
Build read_build(const Context& ctx, StageReport& r) {
    Build b{*ctx.target, ctx.short_sha(ctx.target->sha), ctx.target_build, ctx.now - ctx.target->time};
    if (const CiRun* run = b.run) {
        r.revision = {b.commit.sha, MatchKind::exact, fmt::format("{} built {}", run_label(*run), b.sha7), "", 0};
        r.since = run->finished.value_or(run->started);
        r.evidence.push_back({"build", fmt::format("{} for {}", run_label(*run), b.sha7), run->started});
        if (!run->url.empty()) r.evidence.push_back({"link", run->url, std::nullopt});
        if (run->status == CiStatus::completed && run->finished)
            r.evidence.push_back({"finished", std::string(conclusion_word(run->conclusion)), run->finished});
    } else {
        r.evidence.push_back({"newest commit", ctx.describe_commit(b.commit), b.commit.time});
    }
    return b;
}

// A rule: the stage's outcome when the rule applies (built on `base`, the gathered evidence).
using BuildRule = std::optional<StageOutcome> (*)(Context& ctx, const Build& b, const StageOutcome& base);

std::optional<StageOutcome> build_running(Context& ctx, const Build& b, const StageOutcome& base) {
    const CiRun* run = b.run;
    if (!run || run->status == CiStatus::completed) return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::progressing;
    const CiStep* step = running_step(*run);
    // A start after `now` is CI's clock ahead of ours: said, not shown as "running for 0s".
    std::string running = run->started > ctx.now ? "running, started " + format_ago(run->started, ctx.now)
                                                 : "running for " + format_duration(ctx.now - run->started);
    r.summary = fmt::format("{} for {} {}{}", run_label(*run), b.sha7, running,
                            step ? fmt::format(" (step {})", step->name) : "");
    out.verdict = VerdictCode::build_running;
    out.verdict_summary = fmt::format("{} for {} is still running (started {}).", run_label(*run), b.sha7,
                                      format_ago(run->started, ctx.now));
    return out;
}

std::optional<StageOutcome> build_succeeded(Context& ctx, const Build& b, const StageOutcome& base) {
    const CiRun* run = b.run;
    if (!run || run->conclusion != CiConclusion::success) return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::ok;
    r.summary = fmt::format("{} for {} succeeded {}", run_label(*run), b.sha7,
                            format_ago(r.since.value_or(ctx.now), ctx.now));
    return out;
}

// Any other end of a finished run is a failure; the failed step's context becomes a finding.
std::optional<StageOutcome> build_failed(Context& ctx, const Build& b, const StageOutcome& base) {
    const CiRun* run = b.run;
    if (!run) return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::failed;
    const CiStep* step = failed_step(*run);
    std::string where = step ? fmt::format(" in {}{}", step->job.empty() ? "" : step->job + " / ", step->name) : "";
    r.summary = fmt::format("{} for {} {}{}", run_label(*run), b.sha7, conclusion_word(run->conclusion), where);
    if (step) {
        r.evidence.push_back({"failed step", (step->job.empty() ? "" : step->job + " / ") + step->name, step->finished});
        if (!step->context.empty()) r.evidence.push_back({"context", step->context, std::nullopt});
    }
    out.verdict = VerdictCode::build_failed;
    out.verdict_summary = fmt::format("{} for {} {}{}; no image was pushed for it.", run_label(*run), b.sha7,
                                      conclusion_word(run->conclusion), where);
    if (step && !step->context.empty())
        ctx.find(Severity::error, Stage::build, fmt::format("{} failed: {}", step->name, step->context));
    return out;
}

// No run for the newest commit: a fresh one may simply not be picked up yet ...
std::optional<StageOutcome> awaiting_ci(Context& ctx, const Build& b, const StageOutcome& base) {
    if (b.age >= kCiPickupGrace) return std::nullopt;
    StageOutcome out = base;
    auto& r = out.report;
    r.health = Health::progressing;
    r.revision = {b.commit.sha, MatchKind::exact, "waiting for CI", "", 0};
    std::string pushed = format_ago(b.commit.time, ctx.now);
    r.summary = fmt::format("{} pushed {}, waiting for CI to pick it up", b.sha7, pushed);
    out.verdict = VerdictCode::build_running;
    out.verdict_summary = fmt::format("{} was pushed {}; CI has not started a build yet.", b.sha7, pushed);
    return out;
}

// ... an older one was never built.
std::optional<StageOutcome> never_built(Context& ctx, const Build& b, const StageOutcome& base) {
    const Commit& c = b.commit;
    StageOutcome out = base;
    auto& r = out.report;
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
    r.summary = fmt::format("{} was never built; {}", b.sha7, ahead_text);
    out.verdict = VerdictCode::not_built;
    out.verdict_summary = fmt::format("{} ({}) was never built: {}.", ctx.describe_commit(c), format_ago(c.time, ctx.now),
                                      ahead_text);
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

// In order; the first that applies decides. The last always applies.
constexpr BuildRule kBuildRules[] = {build_running, build_succeeded, build_failed, awaiting_ci, never_built};

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
    r.summary = fmt::format("{} on {}, {}", ctx.describe_commit(c), ctx.snap.spec.branch, format_ago(c.time, ctx.now));
    r.evidence.push_back({"newest commit", ctx.describe_commit(c), c.time});
    if (!c.author.empty()) r.evidence.push_back({"author", c.author, std::nullopt});
    r.evidence.push_back({"commits fetched", std::to_string(ctx.snap.commits.value->size()), ctx.snap.commits.fetched_at});
    return out;
}

StageOutcome diagnose_build(Context& ctx) {
    StageOutcome base;
    base.report.id = Stage::build;
    if (source_unusable(ctx.snap.builds, "CI", base, ctx.now)) return base;
    if (!ctx.target)
        return fail_unknown(base, "newest commit unknown, so the build to look for is unknown", "the newest commit is unknown");
    const Build b = read_build(ctx, base.report);
    for (BuildRule rule : kBuildRules)
        if (auto out = rule(ctx, b, base)) return std::move(*out);
    return base;  // not reached: never_built always applies
}

}  // namespace shipwatch::detail

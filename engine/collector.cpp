// The refresh itself (its start, merges, exception barriers and end), source control and the
// version endpoint; the ECS chain is in collector_ecs.cpp, targets and instances in
// collector_targets.cpp.
#include "engine/collector.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "base/log.hpp"
#include "engine/collector_refresh.hpp"
#include "sources/version/version_client.hpp"

namespace shipwatch {
namespace {

constexpr size_t kMaxVersionObservations = 200;

using collector_detail::store;

}  // namespace

PipelineCollector::PipelineCollector(PipelineSpec spec, CollectorSources sources, const ClockSource& clock)
    : src_(std::move(sources)), clock_(clock) {
    snap_.spec = std::move(spec);
    const auto& s = snap_.spec;
    bool ecs = s.kind == PipelineKind::ecs;
    snap_.commits.configured = !s.repo.empty() && src_.github;
    snap_.builds.configured = !s.codebuild_project.empty() || snap_.commits.configured;
    snap_.images.configured = ecs;
    snap_.service.configured = ecs;
    snap_.task_definitions.configured = ecs;
    snap_.tasks.configured = ecs;
    snap_.instances.configured = !ecs;
    snap_.target_groups.configured = !s.target_groups.empty();
    snap_.versions.configured = !s.version_url.empty();
    snap_.logs.configured = !s.expect_log.empty();
    snap_.secrets.configured = false;  // known once the task definition is read
    snap_.deployment.configured = false;  // known once the service's task sets are read

    // Alone (tests, one-off tools): a cluster fetch and caches of its own, asked every refresh.
    if (!src_.slow_cache) src_.slow_cache = std::make_shared<SlowSourceCache>(clock_, Duration::zero());
    if (ecs && !src_.ecs_cluster) {
        src_.ecs_cluster =
            std::make_shared<EcsClusterFetch>(src_.aws, s.cluster, clock_, Duration::zero(), Duration::zero());
    }
    if (ecs) src_.ecs_cluster->watch(s.service, s.target_groups);
    if (!ecs) own_target_meta_ = std::make_unique<TargetMetaFetch>(src_.aws, clock_, std::chrono::minutes(5));
}

PipelineCollector::~PipelineCollector() = default;


void PipelineCollector::settle(const RefreshPtr& r) {
    if (--r->pending > 0) return;
    snap_.now = clock_.now();
    logging::logger().debug(
        "refresh {}: done in {} ms", snap_.spec.name,
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - r->started).count());
    auto done = std::move(r->done);
    if (done) done(snap_);  // none when detached: its snapshot went out already
}

Duration PipelineCollector::quiet_for() const {
    auto r = running_.lock();
    if (!r || !r->done) return Duration::zero();
    return std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - r->heard);
}

PipelineSnapshot PipelineCollector::detach(const std::string& unanswered) {
    TimePoint now = clock_.now();
    if (auto r = running_.lock(); r && r->done) {
        r->done = nullptr;
        r->detached = true;
        logging::logger().info("refresh {}: given up waiting after {} ms", snap_.spec.name,
                               std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - r->started)
                                   .count());
        if (!unanswered.empty())
            for_each_part(snap_, [&](Part part, auto& fetched) {
                auto it = r->waiting.find(part);
                if (it == r->waiting.end() || it->second <= 0 || !fetched.configured) return;
                fetched.error = FetchError{source_of(part, snap_.spec), "Timeout", unanswered, now};
            });
    }
    snap_.now = now;
    return snap_;
}

void PipelineCollector::guarded(const std::vector<Part>& parts, const std::function<void()>& step) {
    try {
        step();
    } catch (const std::exception& e) {
        logging::logger().error("refresh {}: {}", snap_.spec.name, e.what());
        mark_failed(parts, e.what());
    } catch (...) {
        logging::logger().error("refresh {}: an exception that is not a std::exception", snap_.spec.name);
        mark_failed(parts, "unknown exception");
    }
}

void PipelineCollector::mark_failed(const std::vector<Part>& parts, const std::string& why) {
    TimePoint now = clock_.now();
    for_each_part(snap_, [&](Part part, auto& fetched) {
        if (std::find(parts.begin(), parts.end(), part) == parts.end() || !fetched.configured) return;
        fetched.error = FetchError{source_of(part, snap_.spec), "parse", why, now};
    });
}

PipelineSnapshot PipelineCollector::failed(const std::string& why) {
    TimePoint now = clock_.now();
    for_each_part(snap_, [&](Part part, auto& fetched) {
        if (fetched.configured) fetched.error = FetchError{source_of(part, snap_.spec), "parse", why, now};
    });
    snap_.now = now;
    return snap_;
}

void PipelineCollector::begin(RefreshParts parts, FetchContext ctx, std::function<void(PipelineSnapshot)> done) {
    bool first = !fetched_once_;
    fetched_once_ = true;
    auto r = std::make_shared<Refresh>(Refresh{ctx.with(clock_)});
    r->slow = parts.slow || first;
    r->live = parts.live || first;
    r->done = std::move(done);
    r->started = r->heard = std::chrono::steady_clock::now();
    running_ = r;
    logging::logger().debug("refresh {}: start ({})", snap_.spec.name,
                            r->slow && r->live ? "all"
                            : r->slow          ? "slow sources"
                                               : "live sources");
    ++r->pending;  // held while the first fetches are started, so none can end the refresh early
    guarded({Part::commits, Part::builds}, [&] {
        if (r->slow) begin_source(r);
    });
    guarded({Part::version}, [&] {
        if (r->live) begin_version(r);
    });
    if (snap_.spec.kind == PipelineKind::ecs) {
        guarded({Part::service, Part::tasks, Part::task_definitions, Part::target_groups}, [&] {
            if (r->live) begin_service(r);
        });
        // A slow refresh alone reads the registry, logs and secrets through the service and task
        // definition it already has; with the live parts it waits for the fresh ones.
        guarded({Part::images, Part::logs, Part::secrets}, [&] {
            if (!r->live && (r->slow || images_outdated())) begin_discovered(r);
        });
    } else if (r->live) {
        guarded({Part::target_groups, Part::instances}, [&] { begin_targets(r, snap_.spec.target_groups, true); });
    }
    settle(r);
}

std::string PipelineCollector::cache_key(const void* owner, const std::string& what) const {
    return fmt::format("{}|{}", owner, what);
}

// Commits and runs at once; the steps of the run that matters once both are in.
void PipelineCollector::begin_source(const RefreshPtr& r) {
    const auto& s = snap_.spec;
    auto* cache = src_.slow_cache.get();
    if (snap_.commits.configured) {
        auto gh = src_.github;
        cache->commits.get(
            r->ctx, cache_key(gh.get(), "commits|" + s.repo + "|" + s.branch),
            [gh, repo = s.repo, branch = s.branch] { return gh->commits(repo, branch, 30); },
            merge<const Result<std::vector<Commit>>&, TimePoint>(
                r, {Part::commits, Part::builds}, [this, r](const Result<std::vector<Commit>>& c, TimePoint at) {
                    store(snap_.commits, c, Source::github, at);
                    r->commits_merged = true;
                    maybe_steps(r);
                }));
    } else {
        r->commits_merged = true;
    }
    if (!s.codebuild_project.empty()) {
        auto aws = src_.aws;
        cache->builds.get(
            r->ctx, cache_key(aws.transport, "codebuild|" + s.region + "|" + s.codebuild_project),
            [aws, project = s.codebuild_project] { return aws::CodeBuildClient(aws).recent_builds(project, 20); },
            merge<const Result<std::vector<CiRun>>&, TimePoint>(
                r, {Part::builds}, [this](const Result<std::vector<CiRun>>& b, TimePoint at) {
                    store(snap_.builds, b, source_of(Part::builds, snap_.spec), at);
                }));
    } else if (snap_.commits.configured) {
        auto gh = src_.github;
        cache->runs.get(
            r->ctx, cache_key(gh.get(), "runs|" + s.repo + "|" + s.branch + "|" + s.workflow),
            [gh, repo = s.repo, branch = s.branch, workflow = s.workflow] {
                return gh->workflow_runs(repo, branch, workflow, 20);
            },
            merge<const Result<std::vector<CiRun>>&, TimePoint>(
                r, {Part::builds}, [this, r](const Result<std::vector<CiRun>>& runs, TimePoint at) {
                    r->runs = runs;
                    r->runs_at = at;
                    r->runs_merged = true;
                    maybe_steps(r);
                }));
    }
}

// The steps of the newest commit's newest run: why it failed or where it is.
void PipelineCollector::maybe_steps(const RefreshPtr& r) {
    if (!r->commits_merged || !r->runs_merged || !r->runs) return;
    const Source source = source_of(Part::builds, snap_.spec);
    if (!r->runs->ok()) {
        store(snap_.builds, *r->runs, source, r->runs_at);
        return;
    }
    std::vector<CiRun> runs = r->runs->value();
    r->runs.reset();
    const std::string newest =
        snap_.commits.value && !snap_.commits.value->empty() ? snap_.commits.value->front().sha : "";
    auto run = std::find_if(runs.begin(), runs.end(), [&](const CiRun& c) { return c.sha == newest; });
    if (run == runs.end()) {
        store(snap_.builds, Result<std::vector<CiRun>>(std::move(runs)), source, r->runs_at);
        return;
    }
    const auto& s = snap_.spec;
    auto gh = src_.github;
    size_t index = static_cast<size_t>(run - runs.begin());
    src_.slow_cache->steps.get(
        r->ctx, cache_key(gh.get(), "steps|" + s.repo + "|" + run->id + "|" + run->status_key()),
        [gh, repo = s.repo, id = run->id] { return gh->run_steps(repo, id); },
        merge<const Result<std::vector<CiStep>>&, TimePoint>(
            r, {Part::builds},
            [this, r, runs = std::move(runs), index, source](const Result<std::vector<CiStep>>& steps,
                                                             TimePoint) mutable {
                if (steps) runs[index].steps = steps.value();
                store(snap_.builds, Result<std::vector<CiRun>>(std::move(runs)), source, r->runs_at);
            }));
}

void PipelineCollector::begin_version(const RefreshPtr& r) {
    const auto& s = snap_.spec;
    if (s.version_url.empty() || !src_.http) return;
    if (!asking_.insert("version").second) return;  // an earlier refresh's call has not answered
    fetch_then<VersionObservation>(
        r->ctx,
        [http = src_.http, url = s.version_url, pointer = s.version_json_pointer,
         this]() -> Result<VersionObservation> { return fetch_version(*http, url, pointer, clock_.now()); },
        merge<Result<VersionObservation>, TimePoint>(
            r, {Part::version}, [this](Result<VersionObservation> result, TimePoint) {
                asking_.erase("version");
                if (!result)
                    throw std::runtime_error(result.error().message);  // the barrier turns it into the part's error
                VersionObservation obs = std::move(result).value();
                if (!snap_.versions.value) snap_.versions.value.emplace();
                auto& list = *snap_.versions.value;
                // Keep changes, not every poll: a repeat of the last answer only refreshes fetched_at.
                bool same = !list.empty() && list.back().reported == obs.reported && list.back().error == obs.error &&
                            list.back().http_status == obs.http_status;
                if (!same) list.push_back(obs);
                if (list.size() > kMaxVersionObservations) list.erase(list.begin());
                snap_.versions.fetched_at = obs.time;
                if (obs.error.empty()) snap_.versions.error.reset();
                else snap_.versions.error = FetchError{Source::version, "", obs.error, obs.time, version_call(obs.url)};
            }));
}

PipelineSnapshot PipelineCollector::collect(RefreshParts parts) {
    return std::move(collect_all({this}, parts).front());
}

std::vector<PipelineSnapshot> collect_all(const std::vector<PipelineCollector*>& collectors, RefreshParts parts,
                                          int threads, const CollectDeadline* deadline) {
    FetchPool pool(threads);
    MergeQueue merge;
    std::vector<std::optional<PipelineSnapshot>> out(collectors.size());
    size_t left = collectors.size();
    for (size_t i = 0; i < collectors.size(); ++i)
        collectors[i]->begin(parts, FetchContext{pool, merge}, [&out, &left, i](PipelineSnapshot snap) {
            out[i] = std::move(snap);
            --left;
        });
    auto wake = [deadline] {
        auto second = MergeQueue::Clock::now() + std::chrono::seconds(1);
        return deadline ? std::min(second, deadline->at) : second;
    };
    while (left > 0) {
        if (deadline && MergeQueue::Clock::now() >= deadline->at) {
            for (size_t i = 0; i < collectors.size(); ++i)
                if (!out[i]) out[i] = collectors[i]->detach("no answer within " + deadline->within);
            auto stop = deadline->stop;
            stop.request_stop();  // the calls still in flight end now, so the pool can be joined
            break;
        }
        if (merge.run_ready() == 0 && !pool.run_one()) merge.run_until(wake());
    }
    pool.shutdown();
    std::vector<PipelineSnapshot> snaps;
    snaps.reserve(out.size());
    for (auto& s : out) snaps.push_back(std::move(*s));
    return snaps;
}

}  // namespace shipwatch

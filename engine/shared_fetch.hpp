// Answers shared by the pipelines that watch the same thing (a repository's commits and runs, an
// ECR repository's images, an account's task definitions), so ten pipelines of one repository
// cost one call per refresh, not ten. Callers of one key while its fetch is in flight wait for
// that fetch's value on their own merge queue; no lock is held while it runs.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.hpp"
#include "base/result.hpp"
#include "engine/fetch_graph.hpp"
#include "model/types.hpp"

namespace shipwatch {

// The most keys one SharedFetch keeps (README "Bounds"): above the 10,000 pipelines the README
// promises (a few keys each per kind: a rollout names two task definitions), so a big config still
// shares; a stream of new keys
// (a server that names a new run every refresh) stays within it.
inline constexpr size_t kSharedFetchMaxEntries = 65536;

template <typename T>
class SharedFetch {
public:
    // Entries not asked for within `forget_after` are dropped (keys come and go: a run's steps
    // are keyed by its state), so a week-long session stays the same size; past `max_entries`
    // the least recently asked for goes first, so a burst of new keys cannot grow it either.
    // An error is kept for `error_max_age` (by default max_age, so a broken source is not asked
    // more often than a working one).
    SharedFetch(const ClockSource& clock, Duration max_age, Duration forget_after, Duration error_max_age,
                size_t max_entries = kSharedFetchMaxEntries)
        : clock_(clock),
          max_age_(max_age),
          forget_after_(forget_after),
          error_max_age_(error_max_age),
          max_entries_(std::max<size_t>(max_entries, 1)) {}
    SharedFetch(const ClockSource& clock, Duration max_age) : SharedFetch(clock, max_age, max_age * 20, max_age) {}

    // `deliver` gets the answer for `key` and when its request went out, on ctx's merge queue: the cached
    // one when younger than max_age (an error too: it is not asked again sooner), the one in
    // flight, or a fresh one from `fetch` run on ctx's pool.
    void get(FetchContext ctx, const std::string& key, std::function<Result<T>()> fetch,
             std::function<void(const Result<T>&, TimePoint)> deliver) {
        std::shared_ptr<Promised<Answer<T>>> promised;
        bool start = false;
        {
            std::lock_guard lock(mutex_);
            TimePoint now = clock_.now();
            auto it = entries_.find(key);
            if (it == entries_.end()) {
                // Swept at most once per forget_after (an entry lives at most twice that): a sweep
                // for every new key made a first picture of N pipelines cost N².
                if (now - swept_ >= forget_after_) {
                    std::erase_if(entries_, [&](const auto& kv) { return now - kv.second.last_used > forget_after_; });
                    swept_ = now;
                }
                if (entries_.size() >= max_entries_) forget_least_recently_used();
                it = entries_.emplace(key, Entry{}).first;
            }
            Entry& e = it->second;
            e.last_used = now;
            if (!e.promised || stale(*e.promised, now - e.at)) {
                e.promised = std::make_shared<Promised<Answer<T>>>();
                e.at = now;
                start = true;
            }
            promised = e.promised;
        }
        promised->then(ctx.merge, [deliver = std::move(deliver)](const Answer<T>& a) { deliver(a.value, a.at); });
        if (start)
            ctx.pool.post([this, promised, fetch = std::move(fetch)] {
                TimePoint at = clock_.now();
                Result<T> value = guarded_call<T>(fetch);
                promised->set(Answer<T>{std::move(value), at});
            });
    }

    size_t size() const {
        std::lock_guard lock(mutex_);
        return entries_.size();
    }

    size_t max_entries() const { return max_entries_; }

private:
    // A linear scan, only when a new key finds the map full: cheaper than an order list kept on
    // every hit. A fetch in flight for the dropped key still reaches its waiters (they hold it).
    void forget_least_recently_used() {
        auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
            return a.second.last_used < b.second.last_used;
        });
        if (oldest != entries_.end()) entries_.erase(oldest);
    }
    bool stale(const Promised<Answer<T>>& p, Duration age) const {
        auto answer = p.peek();
        return answer && age >= (answer->value.ok() ? max_age_ : error_max_age_);
    }
    struct Entry {
        std::shared_ptr<Promised<Answer<T>>> promised;
        TimePoint at{};
        TimePoint last_used{};
    };
    const ClockSource& clock_;
    Duration max_age_, forget_after_, error_max_age_;
    size_t max_entries_;
    mutable std::mutex mutex_;
    std::map<std::string, Entry> entries_;
    TimePoint swept_{};  // the last sweep of entries not asked for
};

// What pipelines can share. Keys carry the transport (the account/profile) and the region, so
// two accounts never share an answer.
struct SlowSourceCache {
    SlowSourceCache(const ClockSource& clock, Duration max_age)
        : commits(clock, max_age),
          runs(clock, max_age),
          steps(clock, max_age),
          builds(clock, max_age),
          images(clock, max_age),
          task_definitions(clock, Duration::max() / 2, std::chrono::hours(1), std::chrono::seconds(5)) {}
    SharedFetch<std::vector<Commit>> commits;
    SharedFetch<std::vector<CiRun>> runs;
    SharedFetch<std::vector<CiStep>> steps;
    SharedFetch<std::vector<CiRun>> builds;
    SharedFetch<std::vector<Image>> images;
    // A task definition revision never changes: fetched once per account and region, kept while
    // some pipeline asks for it within the hour (a rollback's revision is fetched again, once);
    // a failed fetch is tried again after a few seconds.
    SharedFetch<TaskDefinition> task_definitions;
};

}  // namespace shipwatch

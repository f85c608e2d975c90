// Answers of slow sources shared by the pipelines that watch the same thing (a repository's
// commits and runs, an ECR repository's images), so ten pipelines of one repository cost one
// call per refresh, not ten. Concurrent callers of one key share one fetch.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/clock.hpp"
#include "base/result.hpp"
#include "model/types.hpp"

namespace shipwatch {

template <typename T>
class SharedFetch {
public:
    SharedFetch(const ClockSource& clock, Duration max_age) : clock_(clock), max_age_(max_age) {}

    // The cached answer for `key` when younger than max_age, else a fresh one from `fetch`.
    Result<T> get(const std::string& key, const std::function<Result<T>()>& fetch) {
        std::shared_ptr<Entry> entry;
        {
            std::lock_guard lock(mutex_);
            TimePoint now = clock_.now();
            auto it = entries_.find(key);
            if (it == entries_.end()) {
                // Keys come and go (a run's steps are keyed by its state): forget the ones nobody
                // asked for in a while, so a week-long session stays the same size.
                std::erase_if(entries_, [&](const auto& kv) { return now - kv.second.last_used > max_age_ * 20; });
                it = entries_.emplace(key, Slot{std::make_shared<Entry>(), now}).first;
            }
            it->second.last_used = now;
            entry = it->second.entry;
        }
        std::lock_guard lock(entry->mutex);  // a second caller waits for the first one's answer
        TimePoint now = clock_.now();
        if (!entry->value || now - entry->at >= max_age_) {
            entry->value = fetch();
            entry->at = now;
        }
        return *entry->value;
    }

private:
    struct Entry {
        std::mutex mutex;
        std::optional<Result<T>> value;
        TimePoint at{};
    };
    const ClockSource& clock_;
    Duration max_age_;
    std::mutex mutex_;
    struct Slot {
        std::shared_ptr<Entry> entry;
        TimePoint last_used{};
    };
    std::map<std::string, Slot> entries_;
};

// The slow sources pipelines can share. Keys carry the transport (the account/profile), so two
// accounts never share an answer.
struct SlowSourceCache {
    SlowSourceCache(const ClockSource& clock, Duration max_age)
        : commits(clock, max_age), runs(clock, max_age), steps(clock, max_age), builds(clock, max_age), images(clock, max_age) {}
    SharedFetch<std::vector<Commit>> commits;
    SharedFetch<std::vector<CiRun>> runs;
    SharedFetch<std::vector<CiStep>> steps;
    SharedFetch<std::vector<CiRun>> builds;
    SharedFetch<std::vector<Image>> images;
};

}  // namespace shipwatch

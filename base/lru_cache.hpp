// A least-recently-used map with two bounds: entries and bytes (as `weight` counts them). Caches
// fed by what servers say (ETags per URL, answers per key) must not grow with a server that
// changes its URLs every time, nor with a repository's ever-growing list of runs.
// Not thread-safe: its owner's lock guards it.
#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

namespace shipwatch {

template <typename Value>
class LruCache {
public:
    using Weight = std::function<size_t(const std::string& key, const Value& value)>;

    LruCache(size_t max_entries, size_t max_bytes, Weight weight)
        : max_entries_(max_entries), max_bytes_(max_bytes), weight_(std::move(weight)) {}

    // The value for `key`, now the most recently used; null when absent.
    const Value* find(const std::string& key) {
        auto it = index_.find(key);
        if (it == index_.end()) return nullptr;
        order_.splice(order_.begin(), order_, it->second);
        return &it->second->second;
    }

    // Stores `value` under `key` (replacing one there), then evicts the least recently used
    // until both bounds hold. A value heavier than the byte bound on its own is not kept.
    void put(const std::string& key, Value value) {
        erase(key);
        size_t w = weight_(key, value);
        if (w > max_bytes_ || max_entries_ == 0) return;
        order_.emplace_front(key, std::move(value));
        index_[key] = order_.begin();
        bytes_ += w;
        while (index_.size() > max_entries_ || bytes_ > max_bytes_) {
            std::string victim = order_.back().first;
            erase(victim);
        }
    }

    void erase(const std::string& key) {
        auto it = index_.find(key);
        if (it == index_.end()) return;
        bytes_ -= weight_(it->second->first, it->second->second);
        order_.erase(it->second);
        index_.erase(it);
    }

    size_t size() const { return index_.size(); }
    size_t bytes() const { return bytes_; }

private:
    using Entry = std::pair<std::string, Value>;
    size_t max_entries_;
    size_t max_bytes_;
    Weight weight_;
    std::list<Entry> order_;  // most recently used first
    std::unordered_map<std::string, typename std::list<Entry>::iterator> index_;
    size_t bytes_ = 0;
};

}  // namespace shipwatch

// Splitting request lists to the per-call limits the AWS APIs impose.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace shipwatch::aws {

inline std::vector<std::vector<std::string>> in_batches(const std::vector<std::string>& items, size_t size) {
    std::vector<std::vector<std::string>> batches;
    for (size_t start = 0; start < items.size(); start += size) {
        size_t end = std::min(items.size(), start + size);
        batches.emplace_back(items.begin() + static_cast<std::ptrdiff_t>(start),
                             items.begin() + static_cast<std::ptrdiff_t>(end));
    }
    return batches;
}

// A paginated call that hands back the token it was given would loop forever; treat it as the end.
inline std::string next_token(const std::string& previous, std::string next) {
    return next == previous ? std::string() : next;
}

}  // namespace shipwatch::aws

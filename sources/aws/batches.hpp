// Splitting request lists to the per-call limits the AWS APIs impose.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/result.hpp"

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

// However many new tokens a server hands out (a bug, a proxy replaying pages, an attacker), a
// listing ends within one refresh: past its bound of pages it is an error, and the part it feeds
// is unknown. Each bound is the largest real listing with room to spare, paid for at the
// service's request budget (README, "Bounds"):
inline constexpr int kMaxPages = 20;  // any listing without its own bound below
inline constexpr int kMaxTaskPages = 50;  // ListTasks: 5,000 tasks a service (the ECS quota), 100 a page
inline constexpr int kMaxImagePages = 20;  // DescribeImages: 20,000 images, 1,000 a page
inline constexpr int kMaxLogPages = 10;  // FilterLogEvents: 1 request a second by default

// Counts a listing's pages; true once it has reached its bound with a token still to follow.
struct PageCount {
    int max = kMaxPages;
    int pages = 0;
    bool over(const std::string& next) { return !next.empty() && ++pages >= max; }
};

inline Error listing_did_not_end(std::string_view operation, int pages) {
    return Error{"ListingDidNotEnd",
                 fmt::format("{} did not end after {} pages: the server kept answering a new next token", operation, pages), 0,
                 false, ErrorKind::parse};
}

}  // namespace shipwatch::aws

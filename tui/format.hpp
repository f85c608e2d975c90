// Small formatting shared by the views: ages, absolute times, verdict and event words.
#pragma once

#include <optional>
#include <string>

#include "model/timeline.hpp"
#include "report/style.hpp"

namespace shipwatch::tui {

std::string ago(TimePoint t, TimePoint now);  // "3m ago", "just now"
std::string stamp(TimePoint t);  // "07-14 08:47:56" (UTC), compact enough for 80 columns
std::string verdict_words(VerdictCode v);  // "taskdef stale"
std::string short_sha(const Revision& r);  // "194af44", "194af44~" when inferred, "-------" when unknown
Role role_of(EventKind k);
std::string_view kind_label(EventKind k);  // "commit", "build", "push", "deploy", ...

// Lines of the view below the header; the header and the two footer lines are fixed.
inline constexpr int kMinWidth = 60;
inline constexpr int kMinHeight = 16;

}  // namespace shipwatch::tui

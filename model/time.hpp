// Time values used across shipwatch. Pure: parsing and formatting only, no clock reads.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace shipwatch {

using Clock = std::chrono::system_clock;
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;
using Duration = std::chrono::milliseconds;

// ISO-8601 / RFC 3339 ("2025-06-12T16:34:00Z", "...16:34:00.123+00:00") to a time point.
std::optional<TimePoint> parse_iso8601(std::string_view text);
// Seconds since the epoch, possibly fractional, as AWS JSON 1.1 sends timestamps.
TimePoint from_epoch_seconds(double seconds);
double to_epoch_seconds(TimePoint t);

// "2025-06-12T16:34:00Z" (UTC, whole seconds).
std::string format_iso8601(TimePoint t);
// "16:34:00" (UTC).
std::string format_clock(TimePoint t);
// Compact age: "42s", "38m", "5h12m", "3d4h". Negative durations render as "0s".
std::string format_duration(Duration d);

// How long before `now` `then` was: "42s ago". A time more than a second after `now` comes
// from another clock (GitHub's, CodeBuild's, the registry's) and is said to be one, never "0s
// ago": "in the future: clock skew of 2m?".
std::string format_ago(TimePoint then, TimePoint now);

// "10s", "5m", "1h30m", "2d" (units s, m, h, d; combinable). nullopt when malformed.
std::optional<Duration> parse_duration(std::string_view text);

}  // namespace shipwatch

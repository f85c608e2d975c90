#include "model/time.hpp"

#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace shipwatch {
namespace {

bool read_int(std::string_view s, size_t pos, size_t len, int& out) {
    if (pos + len > s.size()) return false;
    auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return ec == std::errc{} && p == s.data() + pos + len;
}

}  // namespace

std::optional<TimePoint> parse_iso8601(std::string_view s) {
    // YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM]
    int year, month, day, hour, minute, second;
    if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' ||
        s[16] != ':')
        return std::nullopt;
    if (!read_int(s, 0, 4, year) || !read_int(s, 5, 2, month) || !read_int(s, 8, 2, day) ||
        !read_int(s, 11, 2, hour) || !read_int(s, 14, 2, minute) || !read_int(s, 17, 2, second))
        return std::nullopt;
    using namespace std::chrono;
    year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                       std::chrono::day{static_cast<unsigned>(day)}};
    if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    size_t pos = 19;
    milliseconds frac{0};
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int digits = 0;
        int value = 0;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
            if (digits < 3) {
                value = value * 10 + (s[pos] - '0');
                ++digits;
            }
            ++pos;
        }
        if (digits == 0) return std::nullopt;
        while (digits < 3) {
            value *= 10;
            ++digits;
        }
        frac = milliseconds{value};
    }
    minutes offset{0};
    if (pos == s.size()) {
        // No zone designator: treat as UTC, as the AWS APIs do.
    } else if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        int oh, om;
        bool colon = pos + 3 < s.size() && s[pos + 3] == ':';
        if (!read_int(s, pos + 1, 2, oh) || !read_int(s, pos + (colon ? 4 : 3), 2, om)) return std::nullopt;
        offset = hours{oh} + minutes{om};
        if (s[pos] == '-') offset = -offset;
        pos += colon ? 6 : 5;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    auto t = sys_days{ymd} + hours{hour} + minutes{minute} + seconds{second} + frac - offset;
    return time_point_cast<milliseconds>(t);
}

TimePoint from_epoch_seconds(double seconds) {
    return TimePoint{Duration{static_cast<long long>(std::llround(seconds * 1000.0))}};
}

double to_epoch_seconds(TimePoint t) { return static_cast<double>(t.time_since_epoch().count()) / 1000.0; }

std::string format_iso8601(TimePoint t) {
    auto secs = std::chrono::floor<std::chrono::seconds>(t);
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", secs);
}

std::string format_clock(TimePoint t) {
    auto secs = std::chrono::floor<std::chrono::seconds>(t);
    return fmt::format("{:%H:%M:%S}", secs);
}

std::string format_duration(Duration d) {
    using namespace std::chrono;
    if (d.count() < 0) d = Duration{0};
    auto total = duration_cast<seconds>(d).count();
    if (total < 60) return fmt::format("{}s", total);
    auto mins = total / 60;
    if (mins < 60) return fmt::format("{}m", mins);
    auto hrs = mins / 60;
    if (hrs < 24) return mins % 60 ? fmt::format("{}h{}m", hrs, mins % 60) : fmt::format("{}h", hrs);
    auto days = hrs / 24;
    return hrs % 24 ? fmt::format("{}d{}h", days, hrs % 24) : fmt::format("{}d", days);
}

std::string format_ago(TimePoint then, TimePoint now) {
    // Within a second is one clock's rounding, not skew.
    if (then - now >= std::chrono::seconds(1))
        return fmt::format("in the future: clock skew of {}?", format_duration(then - now));
    return format_duration(now - then) + " ago";
}

std::optional<Duration> parse_duration(std::string_view s) {
    if (s.empty()) return std::nullopt;
    long long total_ms = 0;
    size_t pos = 0;
    while (pos < s.size()) {
        long long value = 0;
        auto [p, ec] = std::from_chars(s.data() + pos, s.data() + s.size(), value);
        if (ec != std::errc{} || p == s.data() + pos || value < 0) return std::nullopt;
        pos = static_cast<size_t>(p - s.data());
        if (pos >= s.size()) return std::nullopt;
        long long unit = 0;
        switch (s[pos]) {
            case 's': unit = 1000; break;
            case 'm': unit = 60'000; break;
            case 'h': unit = 3'600'000; break;
            case 'd': unit = 86'400'000; break;
            default: return std::nullopt;
        }
        ++pos;
        // A century at most: anything longer is a typo, and the sums below must not overflow.
        constexpr long long kMaxMs = 100LL * 366 * 86'400'000;
        if (value > kMaxMs / unit || total_ms > kMaxMs - value * unit) return std::nullopt;
        total_ms += value * unit;
    }
    return Duration{total_ms};
}

}  // namespace shipwatch

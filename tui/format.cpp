#include "tui/format.hpp"

#include <fmt/format.h>

namespace shipwatch::tui {

std::string ago(TimePoint t, TimePoint now) {
    if (now - t < std::chrono::seconds(1) && now >= t) return "just now";
    if (t > now) return "in " + format_duration(t - now);
    return format_duration(now - t) + " ago";
}

std::string stamp(TimePoint t) {
    std::string iso = format_iso8601(t);  // 2025-07-14T08:47:56Z
    if (iso.size() < 19) return iso;
    return iso.substr(5, 5) + " " + iso.substr(11, 8);
}

std::string verdict_words(VerdictCode v) {
    std::string s(to_string(v));
    for (char& c : s)
        if (c == '_') c = ' ';
    return s;
}

std::string short_sha(const Revision& r) {
    if (!r.known()) return "-------";
    return r.short_sha() + (r.match == MatchKind::inferred ? "~" : "");
}

Role role_of(EventKind k) {
    switch (k) {
        case EventKind::commit: return Role::accent;
        case EventKind::build:
        case EventKind::build_step: return Role::info;
        case EventKind::image_push: return Role::title;
        case EventKind::taskdef:
        case EventKind::deployment: return Role::progressing;
        case EventKind::service_event:
        case EventKind::task_start:
        case EventKind::task_stop: return Role::normal;
        case EventKind::target_health:
        case EventKind::version_change: return Role::ok;
        case EventKind::secret_change: return Role::warning;
        case EventKind::log_match:
        case EventKind::instance_launch: return Role::dim;
    }
    return Role::normal;
}

std::string_view kind_label(EventKind k) {
    switch (k) {
        case EventKind::commit: return "commit";
        case EventKind::build: return "build";
        case EventKind::build_step: return "step";
        case EventKind::image_push: return "push";
        case EventKind::taskdef: return "taskdef";
        case EventKind::deployment: return "deploy";
        case EventKind::service_event: return "event";
        case EventKind::task_start: return "start";
        case EventKind::task_stop: return "stop";
        case EventKind::target_health: return "target";
        case EventKind::version_change: return "version";
        case EventKind::secret_change: return "secret";
        case EventKind::log_match: return "log";
        case EventKind::instance_launch: return "launch";
    }
    return "?";
}

}  // namespace shipwatch::tui

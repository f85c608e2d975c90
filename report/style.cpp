#include "report/style.hpp"

#include <algorithm>

namespace shipwatch::tui {

Role role_of(Health h) {
    switch (h) {
        case Health::ok: return Role::ok;
        case Health::progressing: return Role::progressing;
        case Health::stale: return Role::stale;
        case Health::failed: return Role::failed;
        case Health::unknown: return Role::unknown;
    }
    return Role::unknown;
}

Role role_of(Severity s) {
    switch (s) {
        case Severity::info: return Role::info;
        case Severity::warning: return Role::warning;
        case Severity::error: return Role::error;
    }
    return Role::info;
}

Role role_of(VerdictCode v) {
    switch (v) {
        case VerdictCode::live: return Role::ok;
        case VerdictCode::build_running:
        case VerdictCode::deploy_in_progress: return Role::progressing;
        case VerdictCode::not_built:
        case VerdictCode::taskdef_stale:
        case VerdictCode::tasks_stale:
        case VerdictCode::version_mismatch:
        case VerdictCode::instance_stale: return Role::stale;
        case VerdictCode::unknown: return Role::unknown;
        default: return Role::failed;
    }
}

std::string_view glyph(Health h) {
    switch (h) {
        case Health::ok: return "✔";
        case Health::progressing: return "↻";
        case Health::stale: return "◆";
        case Health::failed: return "✖";
        case Health::unknown: return "?";
    }
    return "?";
}

std::string_view glyph(Severity s) {
    switch (s) {
        case Severity::info: return "·";
        case Severity::warning: return "!";
        case Severity::error: return "✖";
    }
    return "·";
}

std::string_view ansi(Role r) {
    switch (r) {
        case Role::ok: return "\x1b[32m";
        case Role::progressing: return "\x1b[36m";
        case Role::stale: return "\x1b[33m";
        case Role::failed:
        case Role::error: return "\x1b[31m";
        case Role::warning: return "\x1b[33m";
        case Role::unknown:
        case Role::dim: return "\x1b[90m";
        case Role::title: return "\x1b[1m";
        case Role::accent: return "\x1b[35m";
        case Role::selected: return "\x1b[7m";
        default: return "\x1b[0m";
    }
}

std::vector<std::string> ansi_sequences() {
    std::vector<std::string> out;
    for (int r = static_cast<int>(Role::normal); r <= static_cast<int>(Role::accent); ++r) {
        std::string seq(ansi(static_cast<Role>(r)));
        if (std::find(out.begin(), out.end(), seq) == out.end()) out.push_back(seq);
    }
    return out;
}

}  // namespace shipwatch::tui

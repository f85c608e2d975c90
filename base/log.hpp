// shipwatch's diagnostic log (spdlog). Off unless asked for: `--log FILE` writes to a file
// (appended, created 0600), and `check`/`wait` with `--debug` and no `--log` write to stderr.
// The dashboard never logs to the terminal: a line there would scribble over the screen.
// What may be logged: sources, operations, statuses, sizes, times, profile and provider names.
// Never headers, bodies, query strings or key material (see log_transport.cpp, the one place
// HTTP is logged).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

namespace shipwatch::logging {

struct LogOptions {
    std::string file;  // empty: no file
    bool debug = false;  // debug level (every HTTP exchange); otherwise info and up
    bool to_stderr = false;  // only for commands that do not own the terminal
};

// Call once, before other threads log. Returns the one line to show when the file cannot be
// opened for appending.
std::optional<std::string> start(const LogOptions& options);

// The process's logger; a logger with no sinks and level off until start() gives it one.
spdlog::logger& logger();

inline bool debug_enabled() { return logger().should_log(spdlog::level::debug); }

// The first line of a message, at most `max` bytes. AWS signature errors append the canonical
// request, with the session token in it, after a blank line: the log keeps only the first line.
std::string first_line(std::string_view text, size_t max = 300);

}  // namespace shipwatch::logging

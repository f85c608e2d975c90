#include "base/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace shipwatch::logging {
namespace {

// One logger for the process that is never replaced; start() adds sinks to its distributing
// sink (thread-safe), so a thread that logs early never sees a half-built logger.
struct Global {
    std::shared_ptr<spdlog::sinks::dist_sink_mt> sinks = std::make_shared<spdlog::sinks::dist_sink_mt>();
    spdlog::logger logger{"shipwatch", sinks};
    Global() { logger.set_level(spdlog::level::off); }
};

Global& global() {
    static Global g;
    return g;
}

// Creates the file with mode 0600 before spdlog opens it ("ab" would use 0666 & ~umask): the
// log names accounts, clusters and services, which are nobody else's business.
std::optional<std::string> create_private(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return fmt::format("--log: cannot write '{}': {}", path, std::strerror(errno));
    ::close(fd);
    return std::nullopt;
}

}  // namespace

spdlog::logger& logger() { return global().logger; }

std::optional<std::string> start(const LogOptions& options) {
    Global& g = global();
    std::shared_ptr<spdlog::sinks::sink> sink;
    if (!options.file.empty()) {
        if (auto error = create_private(options.file)) return error;
        try {
            sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file, /*truncate=*/false);
        } catch (const spdlog::spdlog_ex& e) {
            return fmt::format("--log: cannot write '{}': {}", options.file, e.what());
        }
    } else if (options.to_stderr) {
        sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else {
        return std::nullopt;  // nowhere to write: stay off
    }
    // UTC with milliseconds, the level, the thread: requests of parallel chains interleave.
    sink->set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %l [%t] %v",
                                                                    spdlog::pattern_time_type::utc));
    g.sinks->add_sink(sink);
    g.logger.set_level(options.debug ? spdlog::level::debug : spdlog::level::info);
    g.logger.flush_on(spdlog::level::debug);  // a crash or a kill must not lose the lines before it
    return std::nullopt;
}

std::string first_line(std::string_view text, size_t max) {
    size_t end = text.find_first_of("\r\n");
    std::string_view line = text.substr(0, end);
    if (line.size() <= max) return std::string(line);
    return std::string(line.substr(0, max)) + "…";
}

}  // namespace shipwatch::logging

#include "base/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <sys/stat.h>

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "model/visible.hpp"

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

// Creates the file with mode 0600 before spdlog opens it ("ab" would use 0666 & ~umask), and
// makes an existing one 0600: the log names accounts, clusters and services, which are nobody
// else's business. A symbolic link is refused, not followed: a link planted where the log goes
// would have shipwatch append to (and chmod) whatever it points at.
std::optional<std::string> create_private(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 && errno == ELOOP)
        return fmt::format("--log: '{}' is a symbolic link; give the path of the file itself", visible(path));
    if (fd < 0) return fmt::format("--log: cannot write '{}': {}", visible(path), std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return fmt::format("--log: '{}' is not a regular file", visible(path));
    }
    if ((st.st_mode & 0777) != 0600 && ::fchmod(fd, 0600) != 0) {
        int e = errno;
        ::close(fd);
        return fmt::format("--log: cannot make '{}' private (mode 0600): {}", visible(path), std::strerror(e));
    }
    ::close(fd);
    return std::nullopt;
}

// Every line as the pattern makes it, with hidden controls in it made visible: a log is read
// with `less` and `tail -f`, where an escape in an error message would act too.
class VisibleFormatter : public spdlog::formatter {
public:
    VisibleFormatter() : inner_(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %l [%t] %v",
                                                                           spdlog::pattern_time_type::utc)) {}
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        spdlog::memory_buf_t line;
        inner_->format(msg, line);
        std::string_view text(line.data(), line.size());
        bool newline = !text.empty() && text.back() == '\n';
        if (newline) text.remove_suffix(1);
        std::string shown = visible(text);
        if (newline) shown += '\n';
        dest.append(shown.data(), shown.data() + shown.size());
    }
    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<VisibleFormatter>(); }

private:
    std::unique_ptr<spdlog::pattern_formatter> inner_;
};

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
    sink->set_formatter(std::make_unique<VisibleFormatter>());
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

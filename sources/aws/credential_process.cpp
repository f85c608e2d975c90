#include "sources/aws/credential_process.hpp"

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <stop_token>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace shipwatch::aws {
namespace {

constexpr size_t kMaxOutput = 1u << 20;

struct Fd {
    int fd = -1;
    ~Fd() { close_now(); }
    void close_now() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

}  // namespace

std::vector<std::string> split_command_line(const std::string& line) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    for (size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else if (c == '\'') {
            in_word = true;
            for (++i; i < line.size() && line[i] != '\''; ++i) word += line[i];
        } else if (c == '"') {
            in_word = true;
            for (++i; i < line.size() && line[i] != '"'; ++i) {
                if (line[i] == '\\' && i + 1 < line.size() &&
                    (line[i + 1] == '"' || line[i + 1] == '\\' || line[i + 1] == '$' || line[i + 1] == '`'))
                    ++i;
                word += line[i];
            }
        } else if (c == '\\' && i + 1 < line.size()) {
            in_word = true;
            word += line[++i];
        } else {
            in_word = true;
            word += c;
        }
    }
    if (in_word) words.push_back(std::move(word));
    return words;
}

std::string first_line(const std::string& text, size_t max) {
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        size_t b = line.find_first_not_of(" \t");
        if (b != std::string::npos) {
            line = line.substr(b);
            if (line.size() > max) line = line.substr(0, max) + "…";
            return line;
        }
        start = end + 1;
    }
    return {};
}

namespace {

// Wakes a poll() from the thread that requests stop: the callback writes to an eventfd that the
// poll watches. Without a stop state (a default token) there is nothing to watch.
class StopWake {
public:
    explicit StopWake(const std::stop_token& stop)
        : event_{stop.stop_possible() ? ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) : -1},
          callback_(stop, Signal{event_.fd}) {}
    int fd() const { return event_.fd; }

private:
    struct Signal {
        int fd;
        void operator()() const {
            uint64_t one = 1;
            if (fd >= 0) (void)!::write(fd, &one, sizeof one);
        }
    };
    Fd event_;  // before the callback, which may run (and write to it) in its constructor
    std::stop_callback<Signal> callback_;
};

// Starts argv with stdin from /dev/null and stdout/stderr into the pipes, in its own process
// group, so a time-out or a stop also ends whatever the command started. 0 or an errno.
int spawn(const std::vector<std::string>& argv, int out_fd, int err_fd, pid_t& pid) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    int rc = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    return rc;
}

using Deadline = std::chrono::steady_clock::time_point;

// Reads the command's stdout and stderr until both close, the deadline passes (timed_out) or
// stop is requested (cancelled).
void collect_output(Fd& out_read, Fd& err_read, Deadline deadline, const std::stop_token& stop, const StopWake& wake,
                    CommandResult& result) {
    Fd* fds[2] = {&out_read, &err_read};
    std::string* sinks[2] = {&result.out, &result.err};
    while (out_read.fd >= 0 || err_read.fd >= 0) {
        if (stop.stop_requested()) {
            result.cancelled = true;
            return;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            return;
        }
        pollfd polls[3];
        int n = 0;
        int index[2];
        for (int i = 0; i < 2; ++i)
            if (fds[i]->fd >= 0) {
                polls[n] = {fds[i]->fd, POLLIN, 0};
                index[n++] = i;
            }
        int streams = n;
        if (wake.fd() >= 0) polls[n++] = {wake.fd(), POLLIN, 0};
        int ready = ::poll(polls, static_cast<nfds_t>(n), static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return;
        for (int k = 0; k < streams; ++k) {
            if (polls[k].revents == 0) continue;
            char buffer[4096];
            ssize_t got = ::read(polls[k].fd, buffer, sizeof buffer);
            if (got > 0) {
                std::string& sink = *sinks[index[k]];
                if (sink.size() < kMaxOutput) sink.append(buffer, static_cast<size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                fds[index[k]]->close_now();
            }
        }
    }
}

// The command's exit status. One that closed its output but runs on is killed at the deadline or
// on stop too; SIGKILL cannot be ignored, so the last wait is short even for a command that hangs.
int wait_for_exit(pid_t pid, Deadline deadline, const std::stop_token& stop, const StopWake& wake,
                  CommandResult& result) {
    int status = 0;
    while (!result.timed_out && !result.cancelled) {
        pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR)) return status;
        result.cancelled = stop.stop_requested();
        result.timed_out = !result.cancelled && std::chrono::steady_clock::now() >= deadline;
        // A process's exit wakes no fd: look again in 5 ms, sooner on stop.
        pollfd p{wake.fd(), POLLIN, 0};
        if (!result.timed_out && !result.cancelled) ::poll(&p, wake.fd() >= 0 ? 1 : 0, 5);
    }
    ::kill(-pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, Duration timeout, const std::stop_token& stop) {
    CommandResult result;
    if (argv.empty()) {
        result.error = "empty command";
        return result;
    }
    if (stop.stop_requested()) {
        result.cancelled = true;
        return result;
    }
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
        result.error = std::strerror(errno);
        return result;
    }
    Fd out_read{out_pipe[0]}, out_write{out_pipe[1]};
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        result.error = std::strerror(errno);
        return result;
    }
    Fd err_read{err_pipe[0]}, err_write{err_pipe[1]};
    pid_t pid = 0;
    if (int rc = spawn(argv, out_write.fd, err_write.fd, pid); rc != 0) {
        result.error = std::strerror(rc);
        return result;
    }
    result.started = true;
    out_write.close_now();
    err_write.close_now();

    StopWake wake(stop);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    collect_output(out_read, err_read, deadline, stop, wake, result);
    int status = wait_for_exit(pid, deadline, stop, wake, result);
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    return result;
}

}  // namespace shipwatch::aws

#include "sources/aws/credential_process.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
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

CommandResult run_command(const std::vector<std::string>& argv, Duration timeout) {
    CommandResult result;
    if (argv.empty()) {
        result.error = "empty command";
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

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_write.fd, 1);
    posix_spawn_file_actions_adddup2(&actions, err_write.fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    // Its own process group, so a time-out also ends whatever the command started.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (rc != 0) {
        result.error = std::strerror(rc);
        return result;
    }
    result.started = true;
    out_write.close_now();
    err_write.close_now();

    auto deadline = std::chrono::steady_clock::now() + timeout;
    Fd* fds[2] = {&out_read, &err_read};
    std::string* sinks[2] = {&result.out, &result.err};
    while (out_read.fd >= 0 || err_read.fd >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            break;
        }
        pollfd polls[2];
        int n = 0;
        int index[2];
        for (int i = 0; i < 2; ++i)
            if (fds[i]->fd >= 0) {
                polls[n] = {fds[i]->fd, POLLIN, 0};
                index[n++] = i;
            }
        int ready = ::poll(polls, n, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) break;
        for (int k = 0; k < n; ++k) {
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
    if (result.timed_out) ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    return result;
}

}  // namespace shipwatch::aws

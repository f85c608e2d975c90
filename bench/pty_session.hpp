// The real shipwatch binary in a pseudo-terminal (forkpty), for the benchmarks that measure
// what a person at a terminal gets: key-to-screen latency and idle CPU. Reads the terminal's
// output with time-outs; never waits forever.
#pragma once

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace shipwatch::bench {

using steady = std::chrono::steady_clock;

class PtySession {
public:
    // Runs `argv` (argv[0] a path) in a cols x rows terminal, with `env` added to the environment.
    PtySession(const std::vector<std::string>& argv, int cols, int rows, const std::vector<std::string>& env = {}) {
        winsize ws{};
        ws.ws_col = static_cast<unsigned short>(cols);
        ws.ws_row = static_cast<unsigned short>(rows);
        pid_ = forkpty(&fd_, nullptr, nullptr, &ws);
        if (pid_ < 0) throw std::runtime_error(std::string("forkpty: ") + std::strerror(errno));
        if (pid_ == 0) {
            setenv("TERM", "xterm-256color", 1);
            setenv("LANG", "C.UTF-8", 1);
            setenv("LC_ALL", "C.UTF-8", 1);
            for (const auto& e : env) putenv(strdup(e.c_str()));
            std::vector<char*> args;
            for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            execv(args[0], args.data());
            _exit(127);
        }
    }
    ~PtySession() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            for (int i = 0; i < 50 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i) {
                drain(std::chrono::milliseconds(20));
            }
            if (waitpid(pid_, nullptr, WNOHANG) == 0) {
                kill(pid_, SIGKILL);
                waitpid(pid_, nullptr, 0);
            }
        }
        if (fd_ >= 0) close(fd_);
    }
    PtySession(const PtySession&) = delete;
    PtySession& operator=(const PtySession&) = delete;

    pid_t pid() const { return pid_; }
    void send(const std::string& bytes) const {
        if (write(fd_, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) throw std::runtime_error("write to the pty failed");
    }

    // Reads what is there within `wait`; returns the bytes (empty on time-out).
    std::string read_some(std::chrono::milliseconds wait) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(wait.count())) <= 0) return {};
        char buf[65536];
        ssize_t n = read(fd_, buf, sizeof buf);
        if (n <= 0) {
            if (n == 0 || errno != EINTR) eof_ = true;
            return {};
        }
        return std::string(buf, static_cast<size_t>(n));
    }
    // Reads and discards until nothing arrives for `quiet`.
    void drain(std::chrono::milliseconds quiet) {
        while (!eof_ && !read_some(quiet).empty()) {
        }
    }
    bool eof() const { return eof_; }

    // Waits until `marker` has appeared and then `absent` has not appeared for `settle`;
    // false on `timeout` (the first full picture: the header counts are drawn and no row
    // says "loading…" any more).
    bool wait_settled(const std::string& marker, const std::string& absent, std::chrono::milliseconds settle,
                      std::chrono::milliseconds timeout) {
        auto deadline = steady::now() + timeout;
        bool seen = false;
        // The end of the previous chunk, for strings split between reads; shorter than `absent`,
        // so an old "loading…" is never seen twice.
        std::string seam;
        const size_t keep = absent.empty() ? 0 : absent.size() - 1;
        auto last_absent = steady::now();
        while (steady::now() < deadline && !eof_) {
            std::string text = seam + read_some(std::chrono::milliseconds(50));
            if (!seen && text.find(marker) != std::string::npos) seen = true;
            if (text.find(absent) != std::string::npos) last_absent = steady::now();
            seam = text.size() > keep ? text.substr(text.size() - keep) : text;
            if (seen && steady::now() - last_absent >= settle) return true;
        }
        return false;
    }

private:
    pid_t pid_ = -1;
    int fd_ = -1;
    bool eof_ = false;
};

// utime + stime of a process, in seconds (/proc/<pid>/stat fields 14 and 15).
inline double cpu_seconds(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close_paren = text.rfind(')');  // the command name may hold spaces
    if (close_paren == std::string::npos) throw std::runtime_error("cannot read /proc/" + std::to_string(pid) + "/stat");
    std::istringstream fields(text.substr(close_paren + 2));
    std::string f;
    long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> f; ++i) {  // field 3 is the state
        if (i == 14) utime = std::atoll(f.c_str());
        if (i == 15) stime = std::atoll(f.c_str());
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace shipwatch::bench

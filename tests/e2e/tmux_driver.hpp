// Drives the real shipwatch binary in a detached tmux session on a private tmux server:
// send keys, read the screen (capture-pane), resize. The TUI end-to-end tests build on it.
#pragma once

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace shipwatch::e2e {

inline std::string sh(const std::string& cmd) {
    std::string out;
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    if (!p) return out;
    std::array<char, 8192> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    pclose(p);
    return out;
}

inline std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

class Tmux {
public:
    // Starts `shipwatch <args>` in a width x height terminal. The shell line after it reports
    // the exit status, so tests can see how the program ended.
    Tmux(const std::string& args, int width, int height) {
        static int counter = 0;
        socket_ = "shipwatch-e2e-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
        std::string program = "LANG=C.UTF-8 LC_ALL=C.UTF-8 " + std::string(SHIPWATCH_BINARY) + " " + args +
                              "; echo; echo \"EXITED $?\"; sleep 600";
        tmux("-f /dev/null new-session -d -s sw -x " + std::to_string(width) + " -y " + std::to_string(height) + " " + quote(program));
    }
    ~Tmux() { tmux("kill-server"); }
    Tmux(const Tmux&) = delete;
    Tmux& operator=(const Tmux&) = delete;

    std::string tmux(const std::string& args) const { return sh("LANG=C.UTF-8 tmux -L " + socket_ + " " + args); }
    // tmux key names: "Enter", "Escape", "Tab", "j", "5", ...
    void keys(const std::vector<std::string>& keys) const {
        for (const auto& k : keys) {
            tmux("send-keys -t sw " + quote(k));
            std::this_thread::sleep_for(std::chrono::milliseconds(120));
        }
    }
    std::string screen() const { return tmux("capture-pane -p -t sw"); }
    void resize(int w, int h) const { tmux("resize-window -t sw -x " + std::to_string(w) + " -y " + std::to_string(h)); }
    int pane_pid() const { return std::atoi(tmux("display-message -p -t sw '#{pane_pid}'").c_str()); }

    // Waits until every string is on screen (data arrives asynchronously); returns the screen.
    std::string wait_for(const std::vector<std::string>& needles, int timeout_ms = 10000) const {
        std::string s;
        auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        do {
            s = screen();
            bool all = true;
            for (const auto& n : needles) all = all && s.find(n) != std::string::npos;
            if (all) return s;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        } while (std::chrono::steady_clock::now() < until);
        return s;
    }

private:
    std::string socket_;
};

inline bool has(const std::string& screen, const std::string& needle) { return screen.find(needle) != std::string::npos; }

inline std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

}  // namespace shipwatch::e2e

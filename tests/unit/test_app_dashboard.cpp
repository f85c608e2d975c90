// The dashboard in-process, on a pseudo-terminal: the test process's stdin and stdout are pointed
// at a pty's slave side (curses draws on fds 0 and 1, as it does for a person), a thread reads the
// master side like a terminal emulator and presses 'q' once the pipeline is on screen. It must
// start, draw the demo, quit on the key, and leave the terminal as it found it.
#include <gtest/gtest.h>

#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "app/sources.hpp"
#include "app_fixture.hpp"

namespace shipwatch {
namespace {

using namespace std::chrono_literals;

// Reads everything the dashboard writes (a full pty would block curses), and types `key` once
// `marker` has appeared. Bounded: after `patience` it types the key anyway and the test fails on
// what it saw; a dashboard deaf to the key gets SIGTERM, which it turns into a clean exit.
class TerminalEmulator {
public:
    TerminalEmulator(int master, std::string marker) : master_(master), marker_(std::move(marker)) {
        thread_ = std::thread([this] { run(); });
    }
    ~TerminalEmulator() { finish(); }
    // Reads what is still on its way (the terminal restore), then stops.
    void finish() {
        done_ = true;
        if (thread_.joinable()) thread_.join();
    }
    std::string screen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }
    bool saw_marker_before_key() const { return marker_seen_; }
    bool needed_a_signal() const { return signalled_; }

private:
    static constexpr auto patience = 15s;

    void run() {
        auto start = std::chrono::steady_clock::now();
        bool typed = false;
        for (;;) {
            pollfd p{master_, POLLIN, 0};
            bool readable = poll(&p, 1, 20) > 0 && (p.revents & POLLIN);
            if (!readable && done_) return;  // the dashboard ended and everything it wrote is read
            if (readable) {
                char buf[4096];
                ssize_t n = read(master_, buf, sizeof buf);
                if (n > 0) {
                    std::lock_guard lock(mutex_);
                    seen_.append(buf, static_cast<size_t>(n));
                    if (!typed) marker_seen_ = seen_.find(marker_) != std::string::npos;
                }
            }
            auto waited = std::chrono::steady_clock::now() - start;
            if (!typed && (marker_seen_ || waited > patience)) {
                typed = write(master_, "q", 1) == 1;
            } else if (typed && !signalled_ && waited > 2 * patience) {
                signalled_ = true;
                kill(getpid(), SIGTERM);
            }
        }
    }

    int master_;
    std::string marker_;
    std::thread thread_;
    std::mutex mutex_;
    std::string seen_;
    std::atomic<bool> done_ = false;
    std::atomic<bool> marker_seen_ = false;
    std::atomic<bool> signalled_ = false;
};

// Points fds 0 and 1 at `fd` for its lifetime (gtest's own output waits until it ends).
class Redirect {
public:
    explicit Redirect(int fd) : in_(dup(0)), out_(dup(1)) {
        std::cout.flush();
        std::fflush(stdout);
        dup2(fd, 0);
        dup2(fd, 1);
    }
    ~Redirect() {
        std::fflush(stdout);
        dup2(in_, 0);
        dup2(out_, 1);
        close(in_);
        close(out_);
    }

private:
    int in_, out_;
};

TEST(DashboardInProcess, StartsDrawsQuitsOnAKeyAndRestoresTheTerminal) {
    int master = -1, slave = -1;
    winsize size{};
    size.ws_row = 40;
    size.ws_col = 140;
    ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, &size), 0);
    termios before{};
    ASSERT_EQ(tcgetattr(slave, &before), 0);
    setenv("TERM", "xterm-256color", 1);

    test::CapturedIo io;
    io.io.in_is_terminal = io.io.out_is_terminal = true;
    auto o = test::demo_options(app::Command::dashboard, {"healthy"});
    int status = -1;
    std::string screen;
    bool marker_first = false, signalled = false;
    {
        TerminalEmulator emulator(master, "payments-api");
        {
            Redirect onto_pty(slave);
            status = app::run_dashboard(o, io.io);
        }
        emulator.finish();
        screen = emulator.screen();
        marker_first = emulator.saw_marker_before_key();
        signalled = emulator.needed_a_signal();
    }
    termios after{};
    ASSERT_EQ(tcgetattr(slave, &after), 0);
    close(slave);
    close(master);

    EXPECT_EQ(status, 0);
    EXPECT_TRUE(marker_first) << "the pipeline never appeared on screen";
    EXPECT_FALSE(signalled) << "'q' did not quit";
    EXPECT_EQ(io.out.str(), "");
    EXPECT_EQ(io.err.str(), "");
    // The alternate screen is entered, then left; the line discipline is back as it was.
    auto entered = screen.find("\x1b[?1049h");
    auto left = screen.rfind("\x1b[?1049l");
    EXPECT_NE(entered, std::string::npos);
    EXPECT_NE(left, std::string::npos);
    EXPECT_LT(entered, left);
    EXPECT_EQ(after.c_lflag & (ICANON | ECHO | ISIG), before.c_lflag & (ICANON | ECHO | ISIG));
    EXPECT_EQ(after.c_iflag, before.c_iflag);
    EXPECT_EQ(after.c_oflag, before.c_oflag);
}

TEST(DashboardInProcess, WithoutATerminalItIsAUsageError) {
    test::CapturedIo io;
    io.io.in_is_terminal = true;  // stdout piped: `shipwatch | less`
    EXPECT_EQ(app::run_dashboard(test::demo_options(app::Command::dashboard, {"healthy"}), io.io), 2);
    EXPECT_EQ(io.err.str(),
              "shipwatch: the dashboard needs a terminal; use 'shipwatch check' for a report (see 'shipwatch --help')\n");
    EXPECT_EQ(io.out.str(), "");
}

TEST(DashboardInProcess, DebugWithoutALogFileIsRefusedForTheDashboardOnly) {
    auto o = test::demo_options(app::Command::dashboard, {"healthy"});
    o.debug = true;
    auto error = app::start_logging(o);
    ASSERT_TRUE(error);
    EXPECT_EQ(*error, "--debug needs --log FILE with the dashboard (it never logs to the terminal)");
}

}  // namespace
}  // namespace shipwatch

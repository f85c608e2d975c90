// A cpp-httplib server on 127.0.0.1 with a free port, running on its own thread for one test.
#pragma once

#include <chrono>
#include <string>
#include <thread>

#include <httplib.h>

namespace shipwatch::testing {

class LoopbackServer {
public:
    httplib::Server server;

    LoopbackServer() = default;
    ~LoopbackServer() { stop(); }

    void start() {
        port_ = server.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server.listen_after_bind(); });
        while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    void stop() {
        if (thread_.joinable()) {
            server.stop();
            thread_.join();
        }
    }
    int port() const { return port_; }
    std::string url(const std::string& path = "") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

private:
    int port_ = 0;
    std::thread thread_;
};

}  // namespace shipwatch::testing

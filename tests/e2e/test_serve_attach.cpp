// `shipwatch serve` end to end: the real binary on real data (a config, keys, libcurl with SigV4)
// against `shipwatch sim`, with dashboards attached in tmux as a team would. Three attached
// dashboards must cost the simulator the calls of one watcher; a dashboard must show a server
// that went away as unknown within one refresh and recover by itself when it is back.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include "sim_process.hpp"
#include "tmux_driver.hpp"

using namespace shipwatch::e2e;

namespace {

// `shipwatch serve ARGS` as a child: its URL once it listens; SIGTERM (then SIGKILL) when dropped.
class ServeProcess {
public:
    ServeProcess(const std::vector<std::string>& args, const std::string& dir, const std::string& tag = "serve") {
        out_ = dir + "/" + tag + ".out";
        err_ = dir + "/" + tag + ".err";
        pid_ = fork();
        if (pid_ == 0) {
            int out = open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            int err = open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            dup2(out, STDOUT_FILENO);
            dup2(err, STDERR_FILENO);
            std::vector<char*> argv{const_cast<char*>(SHIPWATCH_BINARY), const_cast<char*>("serve")};
            for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            execv(SHIPWATCH_BINARY, argv.data());
            _exit(127);
        }
        std::regex listening(R"(listening on (http://127\.0\.0\.1:(\d+)))");
        for (int i = 0; i < 300 && url_.empty(); ++i) {
            std::smatch m;
            std::string out = SlowSim::slurp(out_);
            if (std::regex_search(out, m, listening)) {
                url_ = m[1];
                port_ = std::stoi(m[2]);
            } else {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
    }
    ~ServeProcess() { stop(); }
    void stop() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        for (int i = 0; i < 100 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
    const std::string& url() const { return url_; }
    int port() const { return port_; }
    std::string err() const { return SlowSim::slurp(err_); }
    bool ready() const { return sh("curl -s -o /dev/null -w '%{http_code}' " + url_ + "/readyz") == "200"; }

private:
    pid_t pid_ = -1;
    std::string out_, err_, url_;
    int port_ = 0;
};

// Every call the simulator has received: AWS, GitHub and the version endpoints.
int all_calls(const SlowSim& sim) {
    auto doc = nlohmann::json::parse(sh("curl -s " + sim.base() + "/_sim/calls"), nullptr, false);
    int n = 0;
    if (doc.is_object())
        for (const auto& [op, count] : doc.items())
            if (count.is_number()) n += count.get<int>();
    return n;
}

// The requests serve says it sent (shipwatch_api_requests_total, every series summed).
int served_calls(const ServeProcess& serve) {
    std::istringstream metrics(sh("curl -s " + serve.url() + "/metrics"));
    double n = 0;
    for (std::string line; std::getline(metrics, line);)
        if (line.rfind("shipwatch_api_requests_total{", 0) == 0) n += std::stod(line.substr(line.rfind(' ') + 1));
    return static_cast<int>(n);
}

struct Counted {
    int simulator = 0;  // what the simulator received
    int server = 0;  // what serve sent
};

Counted calls_during(const SlowSim& sim, const ServeProcess& serve, std::chrono::seconds window) {
    Counted before{all_calls(sim), served_calls(serve)};
    std::this_thread::sleep_for(window);
    return {all_calls(sim) - before.simulator, served_calls(serve) - before.server};
}

struct SimWorld {
    std::string dir;
    std::unique_ptr<SlowSim> sim;
    std::string config;
    std::unique_ptr<ScopedEnvironment> env;
    SimWorld(const std::string& scenario, const std::string& name) {
        dir = "/tmp/shipwatch-e2e-" + name + "-" + std::to_string(getpid());
        std::filesystem::create_directories(dir);
        sim = std::make_unique<SlowSim>(scenario, dir, "");
        config = write_config(scenario, *sim, dir);
        env = std::make_unique<ScopedEnvironment>(
            sim_environment(*sim, dir,
                            {{"AWS_ACCESS_KEY_ID", sim->printed("AWS_ACCESS_KEY_ID")},
                             {"AWS_SECRET_ACCESS_KEY", sim->printed("AWS_SECRET_ACCESS_KEY")}}));
    }
    ~SimWorld() {
        env.reset();
        sim.reset();
        std::filesystem::remove_all(dir);
    }
};

bool wait_ready(const ServeProcess& s, int seconds = 60) {
    for (int i = 0; i < seconds * 10; ++i) {
        if (s.ready()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

TEST(ServeAttach, ThreeAttachedDashboardsCostTheCallsOfOneWatcher) {
    SimWorld w("stuck-rollouts", "attach3");
    ASSERT_FALSE(w.sim->base().empty()) << "shipwatch sim did not start: " << w.sim->err();
    ASSERT_FALSE(w.config.empty());
    ServeProcess serve({"--config", w.config, "--listen", "127.0.0.1:0", "--log", w.dir + "/serve.log"}, w.dir);
    ASSERT_FALSE(serve.url().empty()) << serve.err();
    auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(wait_ready(serve)) << serve.err();
    std::printf("serve ready after %lld ms\n", static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::steady_clock::now() - started).count()));
    // Three refreshes of ECS (10 s each) per window, once with the watcher alone, once with three
    // dashboards attached to it.
    const auto window = std::chrono::seconds(30);
    Counted alone = calls_during(*w.sim, serve, window);
    std::vector<std::unique_ptr<Tmux>> dashboards;
    for (int i = 0; i < 3; ++i) dashboards.push_back(std::make_unique<Tmux>("--server " + serve.url(), 160, 40));
    for (auto& d : dashboards) {
        std::string screen = d->wait_for({"not live", "via " + serve.url()}, 20000);
        ASSERT_TRUE(has(screen, "via " + serve.url())) << screen;
    }
    Counted attached = calls_during(*w.sim, serve, window);
    std::printf("calls the simulator saw in %llds (3 ECS refreshes): the watcher alone %d (it sent %d), with 3 "
                "attached dashboards %d (it sent %d): %.1f per refresh, then %.1f\n",
                static_cast<long long>(window.count()), alone.simulator, alone.server, attached.simulator,
                attached.server, alone.simulator / 3.0, attached.simulator / 3.0);
    ::testing::Test::RecordProperty("calls_alone", alone.simulator);
    ::testing::Test::RecordProperty("calls_attached", attached.simulator);
    ASSERT_GT(alone.simulator, 0);
    // Every call the simulator saw came from the one watcher (a request in flight at either end
    // of the window may be counted on one side only) ...
    EXPECT_LE(std::abs(attached.simulator - attached.server), 3) << "someone else called the simulator";
    // ... and the watcher did not call more for having viewers: four pollers would be 4x.
    EXPECT_LE(attached.simulator, alone.simulator * 3 / 2) << "attached dashboards made calls of their own";
    for (auto& d : dashboards) {
        d->tmux("send-keys -t sw q");
        EXPECT_TRUE(has(d->wait_for({"EXITED"}), "EXITED 0"));
    }
}

TEST(ServeAttach, ALostServerIsUnknownWithinOneRefreshAndTheDashboardRecoversByItself) {
    SimWorld w("healthy", "lost");
    ASSERT_FALSE(w.sim->base().empty()) << "shipwatch sim did not start: " << w.sim->err();
    auto serve = std::make_unique<ServeProcess>(std::vector<std::string>{"--config", w.config, "--listen", "127.0.0.1:0"}, w.dir);
    ASSERT_FALSE(serve->url().empty()) << serve->err();
    const std::string url = serve->url();
    const int port = serve->port();
    Tmux t("--server " + url, 160, 40);
    ASSERT_TRUE(has(t.wait_for({"is live"}, 30000), "is live")) << t.screen();

    auto gone = std::chrono::steady_clock::now();
    serve->stop();
    std::string screen = t.wait_for({"unreachable", "✖"}, 15000);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - gone).count();
    std::printf("the dashboard showed the lost server %lld ms after it stopped (one refresh: 10 s)\n", ms);
    ::testing::Test::RecordProperty("unknown_after_ms", static_cast<int>(ms));
    ASSERT_TRUE(has(screen, "unreachable")) << screen;
    EXPECT_LE(ms, 10000);
    EXPECT_FALSE(has(screen, "is live")) << "a lost server's last picture stayed green:\n" << screen;
    EXPECT_TRUE(has(screen, "? push")) << screen;

    // Back on the same port: the dashboard reconnects by itself (no key pressed).
    serve = std::make_unique<ServeProcess>(std::vector<std::string>{"--config", w.config, "--listen",
                                                                    "127.0.0.1:" + std::to_string(port)},
                                           w.dir, "serve-again");
    ASSERT_EQ(serve->url(), url) << serve->err();
    auto back = std::chrono::steady_clock::now();
    screen = t.wait_for({"is live"}, 40000);
    auto recovered = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - back).count();
    std::printf("the dashboard recovered %lld ms after the server was back\n", recovered);
    EXPECT_TRUE(has(screen, "is live")) << screen;
    EXPECT_FALSE(has(screen, "unreachable")) << screen;
    t.tmux("send-keys -t sw q");
    EXPECT_TRUE(has(t.wait_for({"EXITED"}), "EXITED 0"));
}

}  // namespace

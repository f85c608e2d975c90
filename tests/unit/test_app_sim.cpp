// `sim` in-process: it binds a free port, announces it, answers HTTP on loopback, and stops when
// the injected serve function returns (instead of waiting for a signal).
#include <gtest/gtest.h>

#include <httplib.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "app_fixture.hpp"
#include "sim/sim_server.hpp"

namespace shipwatch {
namespace {

app::Options sim_options(const std::string& scenario) {
    app::Options o;
    o.command = app::Command::sim;
    o.sim_scenario = scenario;
    return o;
}

TEST(SimInProcess, ServesOneRequestOnAFreePortAndStopsOnRequest) {
    test::CapturedIo io;
    int port = 0;
    int status = 0;
    std::string body;
    std::string announced;
    io.io.serve = [&](int bound) {
        port = bound;
        announced = io.out.str();  // printed before serving starts
        httplib::Client client("127.0.0.1", bound);
        client.set_connection_timeout(5);
        client.set_read_timeout(5);
        if (auto r = client.Get("/_sim/faults")) {
            status = r->status;
            body = r->body;
        }
    };
    auto o = sim_options("healthy");
    o.faults = {"ecs=throttle,first=2"};
    EXPECT_EQ(app::run_sim(o, io.io), 0);
    ASSERT_GT(port, 0);
    EXPECT_EQ(announced, "listening on http://127.0.0.1:" + std::to_string(port) + "\n");
    EXPECT_EQ(io.out.str(), announced);
    EXPECT_EQ(status, 200);
    EXPECT_EQ(body, "ecs=throttle,first=2\n");
    const std::string err = io.err.str();
    EXPECT_EQ(err.rfind("scenario healthy (Everything on the newest commit), simulated time from ", 0), 0u) << err;
    EXPECT_NE(err.find("  AWS_ENDPOINT_URL=http://127.0.0.1:" + std::to_string(port) + " "), std::string::npos) << err;
    EXPECT_NE(err.find("  fault ecs=throttle,first=2\n"), std::string::npos) << err;

    // Stopped means stopped: nothing answers on that port any more.
    httplib::Client after("127.0.0.1", port);
    after.set_connection_timeout(1);
    EXPECT_FALSE(after.Get("/_sim/faults"));
}

TEST(SimInProcess, UsageErrors) {
    struct Case {
        app::Options options;
        std::string message;
    };
    auto bad_port = sim_options("healthy");
    bad_port.sim_port = 70000;
    auto bad_throttle = sim_options("healthy");
    bad_throttle.throttle_first = -1;
    auto bad_fault = sim_options("healthy");
    bad_fault.faults = {"ecs=boom"};
    auto bad_at = sim_options("healthy");
    bad_at.at = "soon";
    const Case cases[] = {
        {sim_options(""),
         "sim needs --scenario: one of blue-green, cache-trap, ec2-never-updated, healthy, merged-after-deploy, phantom-ecs, rollout, "
         "stuck-rollouts, or fleet-N[-week]"},
        {bad_port, "--port must be between 0 and 65535"},
        {bad_throttle, "--throttle-first must be 0 or more"},
        {bad_fault, "--fault 'ecs=boom': unknown kind 'boom': one of throttle, 500, 503, refuse, slow, truncate, malformed, "
                    "bad-enum, missing-fields, expired-credentials, rate-limit, endless-pages, missing-tasks"},
        {bad_at, "--at: 'soon' is not a duration like 90s, 10m or 1h30m"},
    };
    for (const auto& c : cases) {
        test::CapturedIo io;
        bool served = false;
        io.io.serve = [&](int) { served = true; };
        EXPECT_EQ(app::run_sim(c.options, io.io), 2) << c.message;
        EXPECT_EQ(io.err.str(), "shipwatch: " + c.message + " (see 'shipwatch --help')\n");
        EXPECT_EQ(io.out.str(), "");
        EXPECT_FALSE(served);
    }
}

TEST(SimInProcess, AnUnknownScenarioIsADataError) {
    test::CapturedIo io;
    io.io.serve = [](int) { FAIL() << "must not serve"; };
    EXPECT_EQ(app::run_sim(sim_options("no-such"), io.io), 2);
    EXPECT_EQ(io.err.str().rfind("shipwatch: no built-in scenario named 'no-such'", 0), 0u) << io.err.str();
    EXPECT_EQ(io.err.str().find("--help"), std::string::npos) << io.err.str();
}

// --record DIR, for the botocore shape check (tests/e2e/botocore_shapes.py).
class SimRecord : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("shipwatch-record-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::vector<std::string> files() const {
        std::vector<std::string> names;
        if (std::filesystem::exists(dir_))
            for (const auto& e : std::filesystem::directory_iterator(dir_)) names.push_back(e.path().filename());
        std::sort(names.begin(), names.end());
        return names;
    }
    nlohmann::json read(const std::string& name) const {
        std::ifstream in(dir_ / name);
        return nlohmann::json::parse(in);
    }
    std::filesystem::path dir_;
};

TEST_F(SimRecord, EachExchangeIsAFileWithoutCredentialsAndAtServesFromTheOffset) {
    test::CapturedIo io;
    io.io.serve = [&](int port) {
        httplib::Client client("127.0.0.1", port);
        client.set_connection_timeout(5);
        client.set_read_timeout(5);
        client.Get("/_sim/faults");  // control calls are not exchanges of the world
        client.Get("/repos/acme-pay/payments-api/commits?per_page=1",
                   {{"Authorization", "Bearer gh-token-must-not-be-recorded"},
                    {"X-Amz-Security-Token", "session-token-must-not-be-recorded"}});
    };
    auto o = sim_options("healthy");
    o.sim_record = dir_.string();
    o.at = "1h";
    ASSERT_EQ(app::run_sim(o, io.io), 0) << io.err.str();
    EXPECT_NE(io.err.str().find("simulated time from 2025-06-12T16:00:00Z"), std::string::npos) << io.err.str();
    EXPECT_NE(io.err.str().find("  recording every exchange to " + dir_.string() + " (at most 10000 files)\n"),
              std::string::npos)
        << io.err.str();

    ASSERT_EQ(files(), (std::vector<std::string>{"000001-github-GET__repos_acme-pay_payments-api_commits.json",
                                                 "scenario.json"}));
    const nlohmann::json scenario = read("scenario.json");
    EXPECT_EQ(scenario["name"], "healthy");
    EXPECT_EQ(scenario["served_from"], "2025-06-12T16:00:00Z");
    EXPECT_EQ(scenario["pipelines"][0]["cluster"], "payments-prod");
    const nlohmann::json record = read(files()[0]);
    EXPECT_EQ(record["protocol"], "github");
    EXPECT_EQ(record["request"]["target"], "/repos/acme-pay/payments-api/commits?per_page=1");
    EXPECT_EQ(record["response"]["status"], 200);
    EXPECT_EQ(record["response"]["body"].get<std::string>().rfind("[{", 0), 0u);
    const std::string text = record.dump();
    EXPECT_EQ(text.find("must-not-be-recorded"), std::string::npos) << text;
    EXPECT_EQ(text.find("REMOTE_ADDR"), std::string::npos) << text;
}

TEST_F(SimRecord, StopsAtItsLimitAndSaysSoOnce) {
    std::vector<std::string> notices;
    sim::SimServerOptions options;
    options.record_dir = dir_.string();
    options.record_limit = 2;
    options.notice = [&](const std::string& line) { notices.push_back(line); };
    auto server = sim::SimServer::create("healthy", options);
    ASSERT_TRUE(server) << server.error().message;
    std::thread serving([&] { server.value()->run(); });
    while (!server.value()->running()) std::this_thread::yield();
    httplib::Client client("127.0.0.1", server.value()->port());
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(client.Get("/repos/acme-pay/payments-api/commits"));
    server.value()->stop();
    serving.join();
    EXPECT_EQ(files().size(), 3u);  // two exchanges and scenario.json
    EXPECT_EQ(notices, (std::vector<std::string>{"--record: stopped after 2 files in " + dir_.string()}));
}

TEST_F(SimRecord, ADirectoryThatCannotBeMadeIsAnError) {
    test::CapturedIo io;
    io.io.serve = [](int) { FAIL() << "must not serve"; };
    auto o = sim_options("healthy");
    o.sim_record = "/proc/shipwatch-cannot-record-here";
    EXPECT_EQ(app::run_sim(o, io.io), 2);
    const std::string want = "shipwatch: --record: cannot create the directory /proc/shipwatch-cannot-record-here";
    EXPECT_EQ(io.err.str().rfind(want, 0), 0u) << io.err.str();
}

}  // namespace
}  // namespace shipwatch

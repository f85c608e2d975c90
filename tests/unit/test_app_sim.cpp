// `sim` in-process: it binds a free port, announces it, answers HTTP on loopback, and stops when
// the injected serve function returns (instead of waiting for a signal).
#include <gtest/gtest.h>

#include <httplib.h>

#include "app_fixture.hpp"

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
    const Case cases[] = {
        {sim_options(""),
         "sim needs --scenario: one of blue-green, cache-trap, ec2-never-updated, healthy, merged-after-deploy, phantom-ecs, rollout, "
         "stuck-rollouts, or fleet-N[-week]"},
        {bad_port, "--port must be between 0 and 65535"},
        {bad_throttle, "--throttle-first must be 0 or more"},
        {bad_fault, "--fault 'ecs=boom': unknown kind 'boom': one of throttle, 500, 503, refuse, slow, truncate, malformed, "
                    "bad-enum, missing-fields, expired-credentials, rate-limit"},
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

}  // namespace
}  // namespace shipwatch

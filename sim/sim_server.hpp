// The simulator over real HTTP on loopback (`shipwatch sim`, app/sim.cpp): the same World and SimTransport
// the demo uses, behind cpp-httplib, with SigV4 verified against the scenario's keys. Faults are
// injected with --fault and changed while serving through a control endpoint:
//   GET /_sim/faults             the active rules, one per line
//   PUT /_sim/faults             replace them (body: one rule per line; empty: none)
//   POST /_sim/faults            add the rules in the body;  DELETE /_sim/faults: none
//   GET /_sim/calls              calls answered so far, per operation (JSON)
// With record_dir, every exchange is written there (see Recorder in sim_server.cpp).
// Clients reach it by endpoint overrides, exactly as they would reach LocalStack:
//   AWS_ENDPOINT_URL=http://127.0.0.1:PORT   (any service; routed by the credential scope)
//   GITHUB_API_URL=http://127.0.0.1:PORT     (/repos/...)
//   version_url = http://127.0.0.1:PORT/<host of the scenario's URL><its path>
//                 (or just <its path> when no other entry of the scenario has the same path)
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "sim/simulator.hpp"

namespace shipwatch::sim {

struct SimServerOptions {
    std::string host = "127.0.0.1";
    int port = 0;  // 0: any free port
    double speed = 1.0;  // simulated seconds per real second
    Duration offset{};  // start this far into the scenario
    int throttle_first = 0;  // fault injection: throttle the first K calls of every AWS operation
    std::vector<FaultRule> faults;  // fault injection (faults.hpp); changeable at /_sim/faults
    // Request times are checked against real time: clients sign with the wall clock even when
    // the world is in 2025. Tests may inject another.
    std::function<TimePoint()> wall_clock;
    // A worker serves one connection at a time and holds it while the client keeps it open, as
    // curl does between requests: a dashboard with 200 pipelines keeps dozens open at once, so the
    // pool is large and idle connections are let go after a second (real endpoints are not the
    // bottleneck; the simulator must not be either).
    int threads = 64;
    // --record DIR: one JSON file per exchange (request without credentials, answer), for the
    // botocore shape check (tests/e2e/botocore_shapes.py); empty: nothing is recorded. At most
    // `record_limit` files; `notice` is told once when the limit stops the recording.
    std::string record_dir;
    size_t record_limit = 10000;
    std::function<void(const std::string&)> notice;
};

class SimServer {
public:
    // Loads a built-in scenario and binds; errors name the scenario or the address.
    static Result<std::unique_ptr<SimServer>> create(const std::string& scenario, SimServerOptions options);
    static Result<std::unique_ptr<SimServer>> create(Scenario scenario, SimServerOptions options);
    // One more server on the same world (and clock): e.g. one service's endpoint, which a test can
    // stop (connections refused) and start again on the same port. `other` must outlive it.
    static Result<std::unique_ptr<SimServer>> create_sharing(SimServer& other, SimServerOptions options);
    ~SimServer();
    SimServer(const SimServer&) = delete;
    SimServer& operator=(const SimServer&) = delete;

    int port() const { return port_; }
    std::string base_url() const;  // "http://127.0.0.1:PORT"
    World& world() { return *world_; }
    // The scenario's version URLs and where this server answers them.
    std::vector<std::pair<std::string, std::string>> version_urls() const;
    // Each registry of the world (world.registries) -> the endpoint that serves it here, for
    // a config's [registry."<host>"] endpoint.
    std::vector<std::pair<std::string, std::string>> registry_endpoints() const;

    void run();  // serves until stop(); call from one thread
    bool running() const;  // run() is accepting connections
    void stop();  // from any thread, once running()

    struct Impl;

private:
    SimServer() = default;
    static Result<std::unique_ptr<SimServer>> listen(std::unique_ptr<SimServer> s, const SimServerOptions& options);
    std::unique_ptr<ClockSource> clock_;
    std::shared_ptr<World> world_;
    std::unique_ptr<SimTransport> transport_;
    std::unique_ptr<Impl> impl_;
    int port_ = 0;
};

}  // namespace shipwatch::sim

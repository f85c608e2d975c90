// `shipwatch sim`: a built-in scenario served over loopback HTTP (sim/sim_server.hpp). It prints
// "listening on http://HOST:PORT" on io.out once it accepts connections, how to point shipwatch
// and the AWS CLI at it on io.err, and serves until SIGINT or SIGTERM (or until io.serve returns).

#include <csignal>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/serving.hpp"
#include "demo/simulator.hpp"
#include "model/time.hpp"
#include "sim/faults.hpp"
#include "sim/sim_server.hpp"

namespace shipwatch::demo {

using app::Io;
using app::Options;
namespace {

// The flags as server options; the line to show when one is out of range.
Result<sim::SimServerOptions> server_options(const Options& o) {
    if (o.sim_scenario.empty())
        return app::usage_problem(fmt::format("sim needs --scenario: one of {}, or fleet-N[-week]",
                                         fmt::join(sim::scenario_names(), ", ")));
    if (o.sim_port < 0 || o.sim_port > 65535) return app::usage_problem("--port must be between 0 and 65535");
    sim::SimServerOptions server;
    server.host = o.sim_host;
    server.port = o.sim_port;
    server.speed = o.speed;
    if (o.throttle_first < 0) return app::usage_problem("--throttle-first must be 0 or more");
    server.throttle_first = o.throttle_first;
    if (!o.at.empty()) {
        auto at = parse_duration(o.at);
        if (!at) return app::usage_problem(fmt::format("--at: '{}' is not a duration like 90s, 10m or 1h30m", o.at));
        server.offset = *at;
    }
    server.record_dir = o.sim_record;
    for (const auto& spec : o.faults) {
        auto rule = sim::parse_fault(spec);
        if (!rule) return app::usage_problem(rule.error().message);
        server.faults.push_back(std::move(rule).value());
    }
    return server;
}

void print_banner(sim::SimServer& s, double speed, Io& io) {
    const sim::Scenario& scenario = s.world().scenario();
    io.err << fmt::format("scenario {} ({}), simulated time from {} at {}x\n"
                          "  AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={}\n"
                          "  AWS_ENDPOINT_URL={} GITHUB_API_URL={}\n",
                          scenario.name, scenario.title, format_iso8601(s.world().now()), speed, scenario.access_key_id,
                          scenario.secret_access_key, s.base_url(), s.base_url());
    for (const auto& [original, here] : s.version_urls())
        io.err << fmt::format("  version_url {} -> {}\n", original, here);
    for (const auto& [host, endpoint] : s.registry_endpoints())
        io.err << fmt::format("  registry {} -> {}\n", host, endpoint);
    for (const auto& rule : s.world().faults().rules()) io.err << fmt::format("  fault {}\n", rule.spec);
    io.err << fmt::format("  faults can be changed while serving: PUT/POST/DELETE {}/_sim/faults\n", s.base_url());
    io.err.flush();
}

}  // namespace

int run_sim(const Options& o, Io& io) {
    auto options = server_options(o);
    if (!options) return app::usage_error(io, options.error().message);
    const sigset_t signals = app::block_stop_signals(io);
    // The recorder's one notice (its limit reached) comes from a server thread.
    auto notice_mutex = std::make_shared<std::mutex>();
    options.value().notice = [&io, notice_mutex](const std::string& line) {
        std::lock_guard lock(*notice_mutex);
        io.err << "shipwatch sim: " << line << '\n';
        io.err.flush();
    };
    auto server = sim::SimServer::create(o.sim_scenario, options.value());
    if (!server) return app::data_error(io, server.error().message);
    print_banner(*server.value(), o.speed, io);
    if (!o.sim_record.empty())
        io.err << fmt::format("  recording every exchange to {} (at most {} files)\n", o.sim_record,
                              options.value().record_limit);
    return app::serve_until_stopped(*server.value(), io, signals);
}

}  // namespace shipwatch::demo

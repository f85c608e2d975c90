// `shipwatch serve`: the engine and the configuration of the dashboard, headless, serving its
// pictures over HTTP (server/server.hpp) so that a team's dashboards, CI and Prometheus read one
// watcher instead of each polling AWS and GitHub. It prints "listening on http://HOST:PORT" on
// io.out once it accepts connections and serves until SIGINT or SIGTERM (or Io::serve returns).
#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "app/attach.hpp"
#include "app/commands.hpp"
#include "app/serving.hpp"
#include "app/sources.hpp"
#include "model/shard.hpp"
#include "server/server.hpp"

namespace shipwatch::app {
namespace {

struct Listen {
    std::string host;
    int port = 0;
};

// "127.0.0.1:9464", "[::1]:9464", "0.0.0.0:0" (port 0: a free one).
Result<Listen> parse_listen(const std::string& text) {
    if (text.empty()) return Listen{"127.0.0.1", 9464};
    auto colon = text.rfind(':');
    auto bad = [&] { return usage_problem(fmt::format("--listen '{}' is not HOST:PORT, e.g. 127.0.0.1:9464", text)); };
    if (colon == std::string::npos || colon == 0) return bad();
    Listen l;
    l.host = text.substr(0, colon);
    if (l.host.size() > 2 && l.host.front() == '[' && l.host.back() == ']') l.host = l.host.substr(1, l.host.size() - 2);
    std::string_view port(text.data() + colon + 1, text.size() - colon - 1);
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), l.port);
    if (ec != std::errc() || end != port.data() + port.size() || l.port < 0 || l.port > 65535) return bad();
    return l;
}

Result<server::ServeOptions> serve_options(const Options& o) {
    auto listen = parse_listen(o.listen);
    if (!listen) return listen.error();
    server::ServeOptions so;
    so.host = listen.value().host;
    so.port = listen.value().port;
    if (o.metrics_open && o.token_file.empty())
        return usage_problem("--metrics-open only applies with --token-file (without a token every route is open)");
    if (!o.token_file.empty()) {
        auto token = read_token(o.token_file);
        if (!token) return token.error();
        so.token = std::move(token).value();
    }
    so.metrics_open = o.metrics_open;
    if (auto problem = server::listen_problem(so.host, !so.token.empty())) return usage_problem(*problem);
    if (o.demo) so.world_rate = o.speed;
    return so;
}

// Only the pipelines of this shard; none is an error, not an idle server.
std::optional<std::string> keep_shard(Sources& sources, const Shard& shard) {
    auto& all = sources.collectors;
    size_t before = all.size();
    std::erase_if(all, [&](const auto& c) { return !in_shard(c->spec().name, shard); });
    if (!all.empty()) return std::nullopt;
    return fmt::format("--shard {}/{}: none of the {} pipelines hashes to shard {}; use fewer shards", shard.index,
                       shard.count, before, shard.index);
}

}  // namespace

int run_serve(const Options& o, Io& io) {
    if (!o.servers.empty()) return usage_error(io, "--server does not apply to serve: it watches AWS itself");
    auto options = serve_options(o);
    if (!options) return error_exit(io, options.error());
    std::optional<Shard> shard;
    if (!o.shard.empty() && !(shard = parse_shard(o.shard)))
        return usage_error(io, fmt::format("--shard '{}' is not K/N with 1 <= K <= N (e.g. 1/3)", o.shard));
    const sigset_t signals = block_stop_signals(io);
    auto sources = load_sources(o, io, DemoTime{});
    if (!sources) return error_exit(io, sources.error());
    if (shard)
        if (auto problem = keep_shard(sources.value(), *shard)) return usage_error(io, *problem);
    size_t watched = sources.value().collectors.size();
    if (watched == 0) return usage_error(io, "nothing to serve: the configuration has no pipelines");
    Scheduler scheduler(std::move(sources.value().collectors), scheduler_options(o, sources.value()));
    auto created = server::Server::create(scheduler, options.value());
    if (!created) return error_exit(io, created.error());
    server::Server& server = *created.value();
    scheduler.start();
    int status = serve_until_stopped(server, io, signals, [&] {
        io.err << fmt::format("shipwatch serve: watching {} pipeline{}{} ({})\n", watched, watched == 1 ? "" : "s",
                              shard ? fmt::format(", shard {}/{}", shard->index, shard->count) : "",
                              sources.value().context);
    });
    scheduler.stop();
    return status;
}

}  // namespace shipwatch::app

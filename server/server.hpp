// `shipwatch serve`'s HTTP side: the newest picture of one engine, served to a team (README
// "Running one watcher for a team"):
//   GET /api/v1/pipelines            the `check --json` document (schema 1)
//   GET /api/v1/pipelines/{name}     one pipeline of it
//   GET /api/v1/events               Server-Sent Events: a full frame on connect, then one delta
//                                    per published picture (wire/wire.hpp); Last-Event-ID resumes
//   GET /metrics                     Prometheus text format (server/metrics.hpp)
//   GET /healthz, /readyz            alive; ready once every pipeline has its first picture
// With a token, every route but the probes needs `Authorization: Bearer <token>` (compared in
// constant time, never logged); /metrics may be left open. Without one it must listen on loopback.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "model/picture.hpp"

namespace shipwatch::server {

struct ServeOptions {
    std::string host = "127.0.0.1";
    int port = 9464;  // 0: a free one (Server::port() tells)
    std::string token;  // the bearer token viewers send; empty: none (loopback only)
    bool metrics_open = false;  // /metrics answers without the token (a scraper without one)
    int connections = 64;  // served at once; each attached viewer holds one for its event stream
    double world_rate = 1.0;  // the demo's --speed, for the frames (the clients age data by it)
    Duration keepalive = std::chrono::seconds(10);  // an event-stream comment this often when nothing changes
    Duration coalesce = std::chrono::milliseconds(200);  // pictures closer than this go out as one delta
    size_t replay = 512;  // events kept for a viewer that resumes with Last-Event-ID
};

// Why this address may not be served as asked; nullopt when it may. A non-loopback address needs
// a token: the pipelines, the accounts and the repositories are no one else's business.
std::optional<std::string> listen_problem(const std::string& host, bool has_token);

class Server {
public:
    static Result<std::unique_ptr<Server>> create(PictureSource& pictures, ServeOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    int port() const;
    std::string base_url() const;  // "http://127.0.0.1:9464"
    void run();  // serves until stop(): call on its own thread
    bool running() const;
    void stop();  // ends the event streams, then the server; safe to call twice

private:
    struct Impl;
    explicit Server(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace shipwatch::server

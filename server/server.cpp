#include "server/server.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include "base/clock.hpp"
#include "base/digest.hpp"
#include "base/log.hpp"
#include "model/analysis.hpp"
#include "model/visible.hpp"
#include "report/report.hpp"
#include "server/metrics.hpp"
#include "wire/wire.hpp"

namespace shipwatch::server {
namespace {

using nlohmann::json;

// Invalid UTF-8 from an API becomes U+FFFD instead of an exception; C1 and bidi characters are
// escaped, so `curl` on a terminal shows them (model/visible.hpp).
std::string json_text(const json& document) { return json_visible(wire::to_text(document)); }

void answer_json(httplib::Response& res, int status, const json& document) {
    res.status = status;
    res.set_content(json_text(document) + "\n", "application/json");
}

void answer_error(httplib::Response& res, int status, std::string_view code, std::string message) {
    answer_json(res, status, {{"error", code}, {"message", std::move(message)}});
}

std::string instance_id() {
    std::random_device random;
    return fmt::format("{:08x}", random());
}

// One event of the stream: a picture's changes since the one before (or all of it).
struct Event {
    uint64_t sequence = 0;
    std::string text;  // "id: ...\nevent: ...\ndata: ...\n\n"
};

// Which pipelines of `next` changed since `before`: another analysis, or another refreshing flag.
std::shared_ptr<Picture> changed_since(const Picture* before, const Picture& next) {
    auto delta = std::make_shared<Picture>();
    delta->sources = next.sources;
    delta->context = next.context;
    delta->generation = next.generation;
    for (size_t i = 0; i < next.pipelines.size(); ++i) {
        const auto& now = next.pipelines[i];
        bool same = before && i < before->pipelines.size() && before->pipelines[i].name == now.name &&
                    before->pipelines[i].analysis == now.analysis && before->pipelines[i].refreshing == now.refreshing;
        if (!same) delta->pipelines.push_back(now);
    }
    return delta;
}

bool all_ready(const Picture& p) {
    for (const auto& e : p.pipelines)
        if (!e.ready()) return false;
    return true;
}

}  // namespace

std::optional<std::string> listen_problem(const std::string& host, bool has_token) {
    if (has_token) return std::nullopt;
    bool loopback = host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
    if (loopback) return std::nullopt;
    return fmt::format("--listen {} is not a loopback address: give --token-file FILE (viewers then send it as a "
                       "bearer token), or listen on 127.0.0.1",
                       host);
}

struct Server::Impl {
    PictureSource& pictures;
    ServeOptions options;
    httplib::Server http;
    int port = 0;
    std::string instance = instance_id();
    std::string token_digest;  // SHA-256 of the token: compared in constant time, kept instead of it
    LeadTimes lead_times;

    std::mutex mutex;  // guards what follows
    std::condition_variable changed;
    bool stopping = false;
    std::deque<Event> events;
    uint64_t sequence = 0;  // of the newest event; the picture `shown` is the state after it
    std::shared_ptr<const Picture> shown;
    std::atomic<bool> ready = false;
    uint64_t document_generation = UINT64_MAX;
    std::string document;  // the /api/v1/pipelines answer for document_generation
    std::thread follower;
    int stop_fd = eventfd(0, EFD_CLOEXEC);  // readable once stop() is called

    Impl(PictureSource& p, ServeOptions o) : pictures(p), options(std::move(o)) {}
    ~Impl() {
        if (stop_fd >= 0) close(stop_fd);
    }

    std::string event_text(std::string_view kind, uint64_t sequence_number, const Picture& picture) const {
        json frame = wire::encode_frame(picture, SystemClock().now(), options.world_rate);
        frame["kind"] = kind;
        return fmt::format("id: {}-{}\nevent: {}\ndata: {}\n\n", instance, sequence_number, kind, json_text(frame));
    }

    // The engine's pictures, turned into events as they come (close ones coalesced).
    void follow() {
        for (;;) {
            std::shared_ptr<const Picture> next = pictures.latest();  // the one there already, first
            {
                std::unique_lock lock(mutex);
                if (stopping) return;
                if (next && (!shown || next->generation != shown->generation)) take(std::move(next));
                if (changed.wait_for(lock, options.coalesce, [this] { return stopping; })) return;
            }
            // A new picture or stop(): nothing else wakes it.
            pollfd fds[2] = {{pictures.notify_fd(), POLLIN, 0}, {stop_fd, POLLIN, 0}};
            int waited = fds[0].fd < 0 ? ::poll(&fds[1], 1, -1) : ::poll(fds, 2, -1);
            if (waited > 0 && fds[0].fd >= 0 && (fds[0].revents & POLLIN)) pictures.drain_notifications();
        }
    }

    void take(std::shared_ptr<const Picture> next) {  // with the mutex
        auto delta = changed_since(shown.get(), *next);
        lead_times.observe(*next);
        ready = all_ready(*next);
        ++sequence;
        events.push_back({sequence, event_text("delta", sequence, *delta)});
        while (events.size() > options.replay) events.pop_front();
        shown = std::move(next);
        changed.notify_all();
    }

    bool authorized(const httplib::Request& req) const {
        if (options.token.empty()) return true;
        std::string presented = req.get_header_value("Authorization");
        const std::string scheme = "Bearer ";
        if (presented.rfind(scheme, 0) != 0) return false;
        std::string digest = sha256_hex(std::string_view(presented).substr(scheme.size()));
        return CRYPTO_memcmp(digest.data(), token_digest.data(), digest.size()) == 0;
    }

    // Routes behind the token; the refusal is logged without what was presented.
    template <typename Handler>
    auto guarded(bool open, Handler handler) {
        return [this, open, handler](const httplib::Request& req, httplib::Response& res) {
            if (!open && !authorized(req)) {
                logging::logger().info("serve: refused {} {} from {}: no or wrong bearer token", req.method, req.path,
                                       req.remote_addr);
                res.set_header("WWW-Authenticate", "Bearer realm=\"shipwatch\"");
                answer_error(res, 401, "unauthorized",
                             "this server needs Authorization: Bearer <token>, the token of its --token-file");
                return;
            }
            handler(req, res);
        };
    }

    void pipelines_document(httplib::Response& res) {
        auto picture = pictures.latest();
        if (!picture) return answer_error(res, 503, "not_ready", "the engine has no picture yet");
        std::lock_guard lock(mutex);
        if (document_generation != picture->generation) {
            std::vector<PipelineAnalysis> ready;
            json pending = json::array();
            for (const auto& e : picture->pipelines) {
                if (e.ready()) ready.push_back(*e.analysis);
                else pending.push_back(e.name);
            }
            json doc = tui::to_json(ready);
            // Not yet judged: said, and the document cannot pass as all live meanwhile.
            doc["pending"] = pending;
            if (!pending.empty() && doc["exit_code"] == 0) doc["exit_code"] = 2;
            document = json_text(doc) + "\n";
            document_generation = picture->generation;
        }
        res.set_content(document, "application/json");
    }

    void one_pipeline(const httplib::Request& req, httplib::Response& res) {
        std::string name = req.matches[1];
        auto picture = pictures.latest();
        for (const auto& e : picture ? picture->pipelines : std::vector<Picture::Entry>{}) {
            if (e.name != name) continue;
            if (!e.ready()) return answer_error(res, 503, "not_ready", fmt::format("pipeline '{}' has no picture yet", name));
            return answer_json(res, 200, tui::to_json(*e.analysis));
        }
        answer_error(res, 404, "no_such_pipeline", fmt::format("this server watches no pipeline named '{}'", name));
    }

    void metrics(httplib::Response& res) {
        auto picture = pictures.latest();
        auto families = picture_families(picture ? *picture : Picture{}, request_counts().counts());
        for (auto& f : lead_times.collect()) families.push_back(std::move(f));
        res.set_content(serialize(families), "text/plain; version=0.0.4; charset=utf-8");
    }

    // Where a viewer's stream starts: after the event it names, when that is still kept; else
    // with a full frame of the newest picture.
    void event_stream(const httplib::Request& req, httplib::Response& res) {
        std::string resume = req.get_header_value("Last-Event-ID");
        res.set_header("Cache-Control", "no-cache");
        res.set_header("X-Accel-Buffering", "no");  // a reverse proxy must not hold events back
        auto next = std::make_shared<uint64_t>(0);  // the sequence number of the next event to send
        auto full = std::make_shared<bool>(true);  // a full frame first (sent once a picture exists)
        {
            std::lock_guard lock(mutex);
            std::optional<uint64_t> after;
            if (resume.rfind(instance + "-", 0) == 0) {
                try {
                    after = std::stoull(resume.substr(instance.size() + 1));
                } catch (const std::exception&) {
                }
            }
            uint64_t oldest = events.empty() ? sequence + 1 : events.front().sequence;
            if (after && *after <= sequence && *after + 1 >= oldest) {
                *next = *after + 1;
                *full = false;
            }
        }
        res.set_chunked_content_provider("text/event-stream", [this, next, full](size_t, httplib::DataSink& sink) {
            std::string batch;
            {
                std::unique_lock lock(mutex);
                auto something = [&] { return stopping || (*full ? shown != nullptr : sequence >= *next); };
                changed.wait_for(lock, options.keepalive, something);
                if (stopping) return false;
                // A full frame on connect, and again when a slow reader fell behind the kept events.
                bool behind = !events.empty() && *next <= sequence && events.front().sequence > *next;
                if (shown && (*full || behind)) {
                    batch = event_text("full", sequence, *shown);
                    *full = false;
                } else if (!*full) {
                    for (const Event& e : events)
                        if (e.sequence >= *next) batch += e.text;
                }
                if (!*full) *next = sequence + 1;
            }
            if (batch.empty()) batch = ": keepalive\n\n";
            return sink.write(batch.data(), batch.size());
        });
    }

    void routes() {
        http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
        http.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
            if (ready) return res.set_content("ready\n", "text/plain");
            res.status = 503;
            res.set_content("not ready: waiting for every pipeline's first picture\n", "text/plain");
        });
        http.Get("/metrics", guarded(options.metrics_open, [this](const httplib::Request&, httplib::Response& res) { metrics(res); }));
        http.Get("/api/v1/pipelines",
                 guarded(false, [this](const httplib::Request&, httplib::Response& res) { pipelines_document(res); }));
        http.Get(R"(/api/v1/pipelines/([^/]+))",
                 guarded(false, [this](const httplib::Request& req, httplib::Response& res) { one_pipeline(req, res); }));
        http.Get("/api/v1/events",
                 guarded(false, [this](const httplib::Request& req, httplib::Response& res) { event_stream(req, res); }));
        http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
            if (res.status == 404 && res.body.empty())
                answer_error(res, 404, "not_found",
                             fmt::format("no route {}: try /api/v1/pipelines, /api/v1/events, /metrics", req.path));
        });
        http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
            answer_error(res, 500, "internal", "the server failed to answer this request (see its log)");
        });
    }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Server>> Server::create(PictureSource& pictures, ServeOptions options) {
    if (auto problem = listen_problem(options.host, !options.token.empty()))
        return error_of(ErrorKind::usage, "usage", *problem);
    auto impl = std::make_unique<Impl>(pictures, std::move(options));
    Impl& s = *impl;
    if (!s.options.token.empty()) s.token_digest = sha256_hex(s.options.token);
    int connections = std::max(2, s.options.connections);
    s.http.new_task_queue = [connections] { return new httplib::ThreadPool(static_cast<size_t>(connections)); };
    s.routes();
    // Without SO_REUSEPORT (httplib's default sets it): a second server on a busy port is an error.
    s.http.set_socket_options([](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
    });
    const ServeOptions& o = s.options;
    s.port = o.port == 0 ? s.http.bind_to_any_port(o.host) : (s.http.bind_to_port(o.host, o.port) ? o.port : -1);
    if (s.port <= 0)
        return error_of(ErrorKind::usage, "usage",
                        fmt::format("cannot listen on {}:{}: {}", o.host, o.port,
                                    o.port == 0 ? "no free port" : "the address is in use or not this machine's"));
    // Pictures become events from now on, whether or not run() is ever called: stop() joins it.
    s.follower = std::thread([&s] { s.follow(); });
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::~Server() { stop(); }

int Server::port() const { return impl_->port; }

std::string Server::base_url() const {
    const std::string& host = impl_->options.host;
    return fmt::format("http://{}:{}", host.find(':') != std::string::npos ? "[" + host + "]" : host, impl_->port);
}

void Server::run() { impl_->http.listen_after_bind(); }

bool Server::running() const { return impl_->http.is_running(); }

void Server::stop() {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->stopping) return;
        impl_->stopping = true;
        impl_->changed.notify_all();
    }
    uint64_t one = 1;
    [[maybe_unused]] auto n = write(impl_->stop_fd, &one, sizeof one);
    impl_->http.stop();
    if (impl_->follower.joinable()) impl_->follower.join();
}

}  // namespace shipwatch::server

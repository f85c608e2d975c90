// `shipwatch serve`'s HTTP side against a fixed picture: the JSON API is check's document, the
// token guards every route but the probes and is never logged, /metrics says each pipeline's
// verdict, and a RemotePictures attached through the event stream judges what the server judged,
// follows its changes, shows a lost server as unknown and recovers by itself.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "base/log.hpp"
#include "engine/remote_pictures.hpp"
#include "http/event_stream.hpp"
#include "report/report.hpp"
#include "server/server.hpp"
#include "unit/tui_fixtures.hpp"

namespace shipwatch {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// A picture source the test sets by hand.
class FixedPictures final : public PictureSource {
public:
    FixedPictures() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
    ~FixedPictures() override { close(fd_); }
    void set(Picture p) {
        {
            std::lock_guard lock(mutex_);
            p.generation = ++generation_;
            picture_ = std::make_shared<const Picture>(std::move(p));
        }
        uint64_t one = 1;
        [[maybe_unused]] auto n = write(fd_, &one, sizeof one);
    }
    std::shared_ptr<const Picture> latest() const override {
        std::lock_guard lock(mutex_);
        return picture_;
    }
    int notify_fd() const override { return fd_; }
    void drain_notifications() override {
        uint64_t v;
        [[maybe_unused]] auto n = read(fd_, &v, sizeof v);
    }
    void refresh_now() override {}

private:
    int fd_;
    mutable std::mutex mutex_;
    std::shared_ptr<const Picture> picture_;
    uint64_t generation_ = 0;
};

std::vector<PipelineAnalysis> analyses(const Picture& p) {
    std::vector<PipelineAnalysis> out;
    for (const auto& e : p.pipelines) out.push_back(*e.analysis);
    return out;
}

struct Running {
    std::unique_ptr<server::Server> server;
    std::thread thread;
    explicit Running(std::unique_ptr<server::Server> s) : server(std::move(s)) {
        thread = std::thread([this] { server->run(); });
        while (!server->running()) std::this_thread::yield();
    }
    ~Running() {
        server->stop();
        thread.join();
    }
    httplib::Client client() const { return httplib::Client("127.0.0.1", server->port()); }
};

std::unique_ptr<Running> serve(FixedPictures& pictures, server::ServeOptions o) {
    auto s = server::Server::create(pictures, o);
    if (!s) throw std::runtime_error(s.error().message);
    return std::make_unique<Running>(std::move(s).value());
}

server::ServeOptions on_free_port() {
    server::ServeOptions o;
    o.port = 0;
    o.keepalive = 200ms;
    o.coalesce = 10ms;
    return o;
}

TEST(Serve, OffLoopbackNeedsAToken) {
    EXPECT_FALSE(server::listen_problem("127.0.0.1", false));
    EXPECT_FALSE(server::listen_problem("::1", false));
    EXPECT_FALSE(server::listen_problem("0.0.0.0", true));
    auto problem = server::listen_problem("0.0.0.0", false);
    ASSERT_TRUE(problem);
    EXPECT_NE(problem->find("--token-file"), std::string::npos) << *problem;
    FixedPictures pictures;
    server::ServeOptions o = on_free_port();
    o.host = "0.0.0.0";
    auto refused = server::Server::create(pictures, o);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, ErrorKind::usage);
}

TEST(Serve, ThePipelinesDocumentIsChecksAndReadyWaitsForEveryPipeline) {
    FixedPictures pictures;
    Picture p = fixtures::demo_picture({"phantom-ecs", "healthy"});
    Picture partial = p;
    partial.pipelines.back().analysis = nullptr;
    pictures.set(partial);
    auto running = serve(pictures, on_free_port());
    Running& r = *running;
    auto c = r.client();
    EXPECT_EQ(c.Get("/healthz")->status, 200);
    // Not ready until each pipeline has its first picture; the document says who is pending.
    for (int i = 0; i < 100 && c.Get("/readyz")->status == 200; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(c.Get("/readyz")->status, 503);
    auto pending = json::parse(c.Get("/api/v1/pipelines")->body);
    EXPECT_EQ(pending["pending"].size(), 1u);
    EXPECT_NE(pending["exit_code"], 0);

    pictures.set(p);
    int ready = 0;
    for (int i = 0; i < 200 && (ready = c.Get("/readyz")->status) != 200; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(ready, 200);
    auto res = c.Get("/api/v1/pipelines");
    ASSERT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    json doc = json::parse(res->body);
    json expected = tui::to_json(analyses(p));
    expected["pending"] = json::array();
    EXPECT_EQ(doc, expected);

    std::string name = p.pipelines.front().name;
    auto one = c.Get(("/api/v1/pipelines/" + name).c_str());
    ASSERT_EQ(one->status, 200);
    EXPECT_EQ(json::parse(one->body), tui::to_json(*p.pipelines.front().analysis));
    auto missing = c.Get("/api/v1/pipelines/nope");
    EXPECT_EQ(missing->status, 404);
    EXPECT_NE(missing->body.find("no pipeline named 'nope'"), std::string::npos);
    EXPECT_EQ(c.Get("/nowhere")->status, 404);
}

TEST(Serve, TheTokenGuardsEveryRouteButTheProbesAndIsNeverLogged) {
    auto log = std::filesystem::temp_directory_path() / ("serve-token-" + std::to_string(getpid()) + ".log");
    std::filesystem::remove(log);
    ASSERT_FALSE(logging::start({log.string(), true, false}));
    FixedPictures pictures;
    pictures.set(fixtures::demo_picture({"healthy"}));
    server::ServeOptions o = on_free_port();
    const std::string token = "s3cret-token-0123456789";
    o.token = token;
    auto running = serve(pictures, o);
    Running& r = *running;
    auto c = r.client();
    EXPECT_EQ(c.Get("/healthz")->status, 200);
    auto bare = c.Get("/api/v1/pipelines");
    EXPECT_EQ(bare->status, 401);
    EXPECT_EQ(bare->get_header_value("WWW-Authenticate"), "Bearer realm=\"shipwatch\"");
    EXPECT_EQ(c.Get("/api/v1/pipelines", {{"Authorization", "Bearer wrong-" + token}})->status, 401);
    EXPECT_EQ(c.Get("/api/v1/pipelines", {{"Authorization", "Bearer " + token.substr(0, 10)}})->status, 401);
    EXPECT_EQ(c.Get("/metrics")->status, 401);
    EXPECT_EQ(c.Get("/api/v1/pipelines", {{"Authorization", "Bearer " + token}})->status, 200);
    EXPECT_EQ(c.Get("/metrics", {{"Authorization", "Bearer " + token}})->status, 200);
    logging::logger().flush();
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("no or wrong bearer token"), std::string::npos) << text.str();
    EXPECT_EQ(text.str().find("s3cret"), std::string::npos) << text.str();
    std::filesystem::remove(log);
}

TEST(Serve, MetricsMayBeLeftOpen) {
    FixedPictures pictures;
    pictures.set(fixtures::demo_picture({"healthy"}));
    server::ServeOptions o = on_free_port();
    o.token = "t0ken";
    o.metrics_open = true;
    auto running = serve(pictures, o);
    Running& r = *running;
    auto c = r.client();
    EXPECT_EQ(c.Get("/metrics")->status, 200);
    EXPECT_EQ(c.Get("/api/v1/pipelines")->status, 401);
}

TEST(Serve, MetricsSayEachPipelinesVerdictAndStages) {
    FixedPictures pictures;
    Picture p = fixtures::demo_picture({"phantom-ecs", "healthy"});
    pictures.set(p);
    auto running = serve(pictures, on_free_port());
    Running& r = *running;
    auto res = r.client().Get("/metrics");
    ASSERT_EQ(res->status, 200);
    EXPECT_NE(res->get_header_value("Content-Type").find("version=0.0.4"), std::string::npos);
    const std::string& text = res->body;
    for (const auto& e : p.pipelines) {
        std::string code(to_string(e.analysis->diagnosis.verdict.code));
        std::string series = fmt::format("shipwatch_pipeline_verdict{{code=\"{}\",pipeline=\"{}\"}} 1", code, e.name);
        EXPECT_NE(text.find(series), std::string::npos) << series << "\n" << text;
        for (const auto& st : e.analysis->diagnosis.stages) {
            std::string stage = fmt::format("shipwatch_stage_health{{health=\"{}\",pipeline=\"{}\",stage=\"{}\"}} 1",
                                            to_string(st.health), e.name, to_string(st.id));
            EXPECT_NE(text.find(stage), std::string::npos) << stage;
        }
    }
    EXPECT_NE(text.find("# TYPE shipwatch_commit_to_live_seconds histogram"), std::string::npos);
    EXPECT_NE(text.find("# TYPE shipwatch_api_requests_total counter"), std::string::npos);
}

// The raw stream: a full frame on connect; a resume with Last-Event-ID gets only what came after.
TEST(Serve, TheEventStreamStartsFullAndResumesWithDeltas) {
    FixedPictures pictures;
    Picture p = fixtures::demo_picture({"phantom-ecs", "healthy"});
    pictures.set(p);
    auto running = serve(pictures, on_free_port());
    Running& r = *running;
    std::string url = fmt::format("http://127.0.0.1:{}/api/v1/events", r.server->port());
    auto first = [&](Headers headers) {
        std::stop_source stop;
        std::vector<StreamEvent> got;
        EventStreamOptions o;
        o.url = url;
        o.headers = std::move(headers);
        o.stop = stop.get_token();
        auto why = read_event_stream(o, [&](StreamEvent&& e) {
            got.push_back(std::move(e));
            stop.request_stop();
        });
        EXPECT_FALSE(why) << *why;
        return got;
    };
    // Wait until the server has turned the picture into its first event.
    std::vector<StreamEvent> events;
    for (int i = 0; i < 100; ++i) {
        events = first({});
        if (!json::parse(events.at(0).data)["pipelines"].empty()) break;
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].event, "full");
    json full = json::parse(events[0].data);
    EXPECT_EQ(full["wire"], 1);
    EXPECT_EQ(full["pipelines"].size(), 2u);

    Picture changed = p;
    changed.pipelines[1].refreshing = true;  // one pipeline changes
    // Nothing new yet: the resume sends no full frame, only the next delta when it comes.
    std::thread publish([&] {
        std::this_thread::sleep_for(100ms);
        pictures.set(changed);
    });
    std::stop_source stop;
    std::vector<StreamEvent> after;
    EventStreamOptions o;
    o.url = url;
    o.headers = {{"Last-Event-ID", events[0].id}};
    o.stop = stop.get_token();
    read_event_stream(o, [&](StreamEvent&& e) {
        after.push_back(std::move(e));
        stop.request_stop();
    });
    publish.join();
    ASSERT_EQ(after.size(), 1u);
    EXPECT_EQ(after[0].event, "delta");
    json delta = json::parse(after[0].data);
    ASSERT_EQ(delta["pipelines"].size(), 1u);
    EXPECT_EQ(delta["pipelines"][0]["name"], p.pipelines[1].name);
    EXPECT_EQ(delta["pipelines"][0]["refreshing"], true);
    // An id of another server instance (a restart) gets a full frame.
    auto other = first({{"Last-Event-ID", "ffffffff-1"}});
    EXPECT_EQ(other.at(0).event, "full");
}

bool eventually(const std::function<bool()>& done, Duration within = 10s) {
    auto until = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < until) {
        if (done()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return done();
}

const SourceState* server_state(const Picture& p) {
    for (const auto& s : p.sources)
        if (s.name.rfind("server ", 0) == 0) return &s;
    return nullptr;
}

TEST(Serve, AnAttachedViewerJudgesWhatTheServerJudgedLosesItVisiblyAndRecovers) {
    FixedPictures pictures;
    Picture p = fixtures::demo_picture(fixtures::scenario_list());
    pictures.set(p);
    auto o = on_free_port();
    auto first = serve(pictures, o);
    int port = first->server->port();
    RemoteOptions ro;
    ro.url = fmt::format("http://127.0.0.1:{}", port);
    ro.backoff_min = 50ms;
    ro.backoff_max = 200ms;
    RemotePictures remote(ro);
    remote.start();
    ASSERT_FALSE(remote.wait_whole(std::chrono::steady_clock::now() + 10s));
    auto seen = remote.latest();
    ASSERT_EQ(seen->pipelines.size(), p.pipelines.size());
    for (size_t i = 0; i < p.pipelines.size(); ++i) {
        // The same report, judged at this side's clock (the demo picture is frozen at its own time).
        json mine = tui::to_json(*seen->pipelines[i].analysis);
        json theirs = tui::to_json(*p.pipelines[i].analysis);
        mine.erase("now");
        theirs.erase("now");
        EXPECT_EQ(mine, theirs) << p.pipelines[i].name;
    }
    ASSERT_TRUE(server_state(*seen));
    EXPECT_EQ(server_state(*seen)->state, SourceState::State::ok);

    // The server goes away: every stage is unknown at once, the server failing with why.
    first.reset();
    ASSERT_TRUE(eventually([&] { return server_state(*remote.latest())->state == SourceState::State::failing; }));
    auto gone = remote.latest();
    for (const auto& e : gone->pipelines) {
        ASSERT_TRUE(e.ready());
        EXPECT_EQ(e.analysis->diagnosis.verdict.code, VerdictCode::unknown) << e.name;
        for (const auto& st : e.analysis->diagnosis.stages) EXPECT_EQ(st.health, Health::unknown) << e.name;
    }
    EXPECT_TRUE(server_state(*gone)->failing_since);
    EXPECT_TRUE(server_state(*gone)->last_success);

    // It comes back on the same port: the viewer reconnects by itself and judges as before.
    o.port = port;
    auto again = serve(pictures, o);
    ASSERT_TRUE(eventually([&] { return server_state(*remote.latest())->state == SourceState::State::ok; }));
    ASSERT_TRUE(eventually([&] {
        auto now = remote.latest();
        return !now->pipelines.empty() && now->pipelines.front().ready() && now->pipelines.front().analysis->diagnosis.verdict.code == p.pipelines.front().analysis->diagnosis.verdict.code;
    }));
    remote.stop();
}

TEST(Serve, AViewerWithTheWrongTokenIsToldWhyAtOnce) {
    FixedPictures pictures;
    pictures.set(fixtures::demo_picture({"healthy"}));
    auto o = on_free_port();
    o.token = "right";
    auto running = serve(pictures, o);
    Running& r = *running;
    RemoteOptions ro;
    ro.url = fmt::format("http://127.0.0.1:{}", r.server->port());
    ro.token = "wrong";
    RemotePictures remote(ro);
    remote.start();
    auto why = remote.wait_whole(std::chrono::steady_clock::now() + 10s);
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("HTTP 401"), std::string::npos) << *why;
    EXPECT_EQ(why->find("right"), std::string::npos) << *why;
}

// Two shards, one overview: every pipeline of both, in the order the servers were given, and
// each server in the status bar; one server lost leaves the other's pipelines as they were.
TEST(Serve, AViewerOfTwoShardsMergesThemAndLosesOnlyTheOneThatWentAway) {
    FixedPictures first_pictures, second_pictures;
    Picture a = fixtures::demo_picture({"phantom-ecs"});
    Picture b = fixtures::demo_picture({"healthy", "rollout"});
    first_pictures.set(a);
    second_pictures.set(b);
    auto first = serve(first_pictures, on_free_port());
    auto second = serve(second_pictures, on_free_port());
    std::vector<RemoteOptions> servers(2);
    servers[0].url = first->server->base_url();
    servers[1].url = second->server->base_url();
    for (auto& s : servers) s.backoff_min = s.backoff_max = 50ms;
    MergedPictures merged(servers);
    merged.start();
    ASSERT_FALSE(merged.wait_whole(std::chrono::steady_clock::now() + 10s));
    auto picture = merged.latest();
    std::vector<std::string> names, expected;
    for (const auto& e : picture->pipelines) names.push_back(e.name);
    for (const Picture* p : {&a, &b})
        for (const auto& e : p->pipelines) expected.push_back(e.name);
    EXPECT_EQ(names, expected);
    int servers_shown = 0;
    for (const auto& s : picture->sources) servers_shown += s.name.rfind("server ", 0) == 0;
    EXPECT_EQ(servers_shown, 2);
    EXPECT_NE(picture->context.find(" | "), std::string::npos) << picture->context;

    second.reset();  // one shard goes away
    ASSERT_TRUE(eventually([&] {
        auto p = merged.latest();
        return p->pipelines.back().ready() && p->pipelines.back().analysis->diagnosis.verdict.code == VerdictCode::unknown;
    }));
    auto now = merged.latest();
    for (size_t i = 0; i < a.pipelines.size(); ++i)
        EXPECT_EQ(now->pipelines[i].analysis->diagnosis.verdict.code, a.pipelines[i].analysis->diagnosis.verdict.code)
            << now->pipelines[i].name << " was lost with the other shard";
    for (size_t i = a.pipelines.size(); i < now->pipelines.size(); ++i)
        EXPECT_EQ(now->pipelines[i].analysis->diagnosis.verdict.code, VerdictCode::unknown) << now->pipelines[i].name;
    merged.stop();
}

TEST(EventStream, ParsesLinesDataAndIdsAsTheStandardSays) {
    std::vector<StreamEvent> got;
    EventStreamParser parser(1 << 20);
    auto on = [&](StreamEvent&& e) { got.push_back(std::move(e)); };
    ASSERT_TRUE(parser.feed(": comment\r\nid: 7\r\nevent: full\r\ndata: a\r\ndata:b\r\n\r\n", on));
    ASSERT_TRUE(parser.feed("data: c\n", on));
    EXPECT_EQ(got.size(), 1u);
    ASSERT_TRUE(parser.feed("\r", on));
    ASSERT_TRUE(parser.feed("\n\n", on));  // "\r\n" ends one line; the next "\n" is an empty line: nothing to send
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].id, "7");
    EXPECT_EQ(got[0].event, "full");
    EXPECT_EQ(got[0].data, "a\nb");
    EXPECT_EQ(got[1].id, "7");  // the last id carries over
    EXPECT_EQ(got[1].event, "message");
    EXPECT_EQ(got[1].data, "c");
    EventStreamParser small(16);
    EXPECT_FALSE(small.feed("data: " + std::string(64, 'x') + "\n\n", on));
}

}  // namespace
}  // namespace shipwatch

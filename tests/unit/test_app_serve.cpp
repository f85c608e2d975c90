// `serve` in-process: what it refuses (one line each), how --shard splits a fleet, and check and
// wait attached to it with --server giving the verdicts and exit codes of watching directly.
#include <gtest/gtest.h>

#include <httplib.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "app_fixture.hpp"
#include "model/shard.hpp"

namespace shipwatch {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

app::Options serve_options(std::vector<std::string> scenarios = {}) {
    app::Options o = test::demo_options(app::Command::serve, std::move(scenarios));
    o.listen = "127.0.0.1:0";
    return o;
}

// The one line `serve` printed when it refused to start (it must not start serving).
std::string refusal(app::Options o) {
    test::CapturedIo io;
    bool served = false;
    io.io.serve = [&](int) { served = true; };
    EXPECT_EQ(app::run_serve(o, io.io), 2);
    EXPECT_FALSE(served);
    std::string err = io.err.str();
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    return err;
}

std::string temp_file(const std::string& name, const std::string& text) {
    auto path = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()));
    std::ofstream(path) << text;
    return path.string();
}

TEST(ServeFlags, EachMistakeIsOneLineThatSaysWhatToFix) {
    app::Options open = serve_options();
    open.listen = "0.0.0.0:9464";
    EXPECT_NE(refusal(open).find("--listen 0.0.0.0 is not a loopback address: give --token-file FILE"), std::string::npos);
    app::Options metrics = serve_options();
    metrics.metrics_open = true;
    EXPECT_NE(refusal(metrics).find("--metrics-open only applies with --token-file"), std::string::npos);
    app::Options listen = serve_options();
    listen.listen = "9464";
    EXPECT_NE(refusal(listen).find("--listen '9464' is not HOST:PORT"), std::string::npos);
    app::Options shard = serve_options();
    shard.shard = "3/2";
    EXPECT_NE(refusal(shard).find("--shard '3/2' is not K/N"), std::string::npos);
    app::Options token = serve_options();
    token.token_file = temp_file("serve-empty-token", "\n");
    EXPECT_NE(refusal(token).find("the token must be one line of printable ASCII"), std::string::npos);
    std::filesystem::remove(token.token_file);
    app::Options missing = serve_options();
    missing.token_file = "/nonexistent/token";
    EXPECT_NE(refusal(missing).find("--token-file /nonexistent/token: no such file"), std::string::npos);
    app::Options relay = serve_options();
    relay.servers = {"http://127.0.0.1:1"};
    EXPECT_NE(refusal(relay).find("--server does not apply to serve"), std::string::npos);
}

TEST(Shard, TheHashIsFnv1aOfTheNameAndStable) {
    EXPECT_EQ(fnv1a_64(""), 14695981039346656037ull);
    EXPECT_EQ(fnv1a_64("a"), 0xaf63dc4c8601ec8cull);
    EXPECT_EQ(shard_of("orders-api", 1), 1);
    ASSERT_TRUE(parse_shard("2/3"));
    EXPECT_EQ(parse_shard("2/3")->index, 2);
    for (const char* bad : {"0/2", "3/2", "1/0", "1/2/3", "a/b", "1", "", "1/2000"}) EXPECT_FALSE(parse_shard(bad)) << bad;
    // A thousand names spread over four shards, none far from a quarter.
    std::array<int, 4> counts{};
    for (int i = 0; i < 1000; ++i) ++counts[shard_of("pipeline-" + std::to_string(i), 4) - 1];
    for (int c : counts) EXPECT_NEAR(c, 250, 60);
}

// Runs `serve` with `o` on its own thread; `with` gets its URL once it is ready.
void while_serving(app::Options o, const std::function<void(const std::string& url)>& with) {
    test::CapturedIo io;
    std::thread serving;
    io.io.serve = [&](int port) {
        std::string url = "http://127.0.0.1:" + std::to_string(port);
        httplib::Client c("127.0.0.1", port);
        for (int i = 0; i < 300; ++i) {
            auto r = c.Get("/readyz");
            if (r && r->status == 200) break;
            std::this_thread::sleep_for(20ms);
        }
        with(url);
    };
    EXPECT_EQ(app::run_serve(o, io.io), 0) << io.err.str();
}

std::set<std::string> names_served(const std::string& url) {
    auto port = std::stoi(url.substr(url.rfind(':') + 1));
    httplib::Client c("127.0.0.1", port);
    auto doc = json::parse(c.Get("/api/v1/pipelines")->body);
    std::set<std::string> names;
    for (const auto& p : doc["pipelines"]) names.insert(p["name"].get<std::string>());
    return names;
}

TEST(ServeShards, TwoShardsSplitTheFleetByTheHashOfEachName) {
    std::set<std::string> all;
    {
        test::CapturedIo io;
        app::Options o = test::demo_options(app::Command::check, {});
        o.json = true;
        app::run_check(o, io.io);
        json doc = json::parse(io.out.str());
        for (const auto& p : doc["pipelines"]) all.insert(p["name"].get<std::string>());
    }
    ASSERT_GT(all.size(), 2u);
    std::set<std::string> seen;
    for (int k = 1; k <= 2; ++k) {
        app::Options o = serve_options();
        o.shard = std::to_string(k) + "/2";
        while_serving(o, [&](const std::string& url) {
            for (const auto& name : names_served(url)) {
                EXPECT_EQ(shard_of(name, 2), k) << name;
                EXPECT_TRUE(seen.insert(name).second) << name << " in both shards";
            }
        });
    }
    EXPECT_EQ(seen, all);
}

json check_json(app::Options o, int& status) {
    test::CapturedIo io;
    o.json = true;
    status = app::run_check(o, io.io);
    return json::parse(io.out.str(), nullptr, false);
}

std::map<std::string, std::string> verdicts(const json& doc) {
    std::map<std::string, std::string> out;
    for (const auto& p : doc["pipelines"]) out[p["name"]] = p["verdict"]["code"];
    return out;
}

TEST(ServeAttached, CheckAndWaitWithServerGiveTheVerdictsAndExitCodesOfWatchingDirectly) {
    int direct_status = 0;
    json direct = check_json(test::demo_options(app::Command::check, {"stuck-rollouts", "healthy"}), direct_status);
    while_serving(serve_options({"stuck-rollouts", "healthy"}), [&](const std::string& url) {
        app::Options o;
        o.command = app::Command::check;
        o.servers = {url};
        int status = 0;
        json attached = check_json(o, status);
        EXPECT_EQ(status, direct_status);
        EXPECT_EQ(verdicts(attached), verdicts(direct));
        EXPECT_EQ(attached["exit_code"], direct["exit_code"]);

        test::CapturedIo io;
        app::Options w;
        w.command = app::Command::wait;
        w.servers = {url};
        w.pipeline = "payments-api";
        w.timeout = "10s";
        EXPECT_EQ(app::run_wait(w, io.io), 0) << io.err.str();
        w.pipeline = "nope";
        test::CapturedIo unknown;
        EXPECT_EQ(app::run_wait(w, unknown.io), 2);
        EXPECT_NE(unknown.err.str().find("no pipeline 'nope' on the server"), std::string::npos) << unknown.err.str();
    });
}

TEST(ServeAttached, AWrongTokenIsOneLineAndExitTwo) {
    app::Options o = serve_options({"healthy"});
    o.token_file = temp_file("serve-token", "right-token\n");
    while_serving(o, [&](const std::string& url) {
        test::CapturedIo io;
        app::Options c;
        c.command = app::Command::check;
        c.servers = {url};
        c.token_file = temp_file("viewer-token", "wrong-token\n");
        EXPECT_EQ(app::run_check(c, io.io), 2);
        std::string err = io.err.str();
        EXPECT_NE(err.find("HTTP 401"), std::string::npos) << err;
        EXPECT_EQ(err.find("right-token"), std::string::npos) << err;
        EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
        std::filesystem::remove(c.token_file);
        c.token_file = o.token_file;
        test::CapturedIo right;
        EXPECT_NE(app::run_check(c, right.io), 2) << right.err.str();
    });
    std::filesystem::remove(o.token_file);
}

TEST(ServeAttached, FlagsForAwsAreRefusedWithServer) {
    test::CapturedIo io;
    app::Options o = test::demo_options(app::Command::check, {});
    o.servers = {"http://127.0.0.1:1"};
    EXPECT_EQ(app::run_check(o, io.io), 2);
    EXPECT_NE(io.err.str().find("--demo does not apply with --server"), std::string::npos) << io.err.str();
    test::CapturedIo url;
    app::Options bad;
    bad.command = app::Command::check;
    bad.servers = {"127.0.0.1:9464"};
    EXPECT_EQ(app::run_check(bad, url.io), 2);
    EXPECT_NE(url.err.str().find("is not a URL like http://127.0.0.1:9464"), std::string::npos) << url.err.str();
}

}  // namespace
}  // namespace shipwatch

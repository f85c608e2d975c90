// The simulator's test fixture: the tiny scenario (tests/data/sim/tiny.json, start
// 2025-06-12T17:40:00Z, us-east-1) on a ManualClock, with helpers that speak each protocol.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include <pugixml.hpp>

#include "sources/aws/clients.hpp"
#include "sources/github/github_client.hpp"
#include "sim/simulator.hpp"

namespace shipwatch::sim::testing {

using nlohmann::json;
using namespace std::chrono_literals;

inline std::string tiny_text() {
    std::ifstream in(std::string(SHIPWATCH_TEST_DATA) + "/sim/tiny.json");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}
inline json tiny_doc() { return json::parse(tiny_text()); }

inline const TimePoint kStart = parse_iso8601("2025-06-12T17:40:00Z").value();
double epoch(const char* iso) { return to_epoch_seconds(parse_iso8601(iso).value()); }

inline const char* kEcs = "AmazonEC2ContainerServiceV20141113";
inline const char* kEcr = "AmazonEC2ContainerRegistry_V20150921";
inline const char* kCodeBuild = "CodeBuild_20161006";
inline const char* kLogs = "Logs_20140328";
inline const char* kSecrets = "secretsmanager";
inline const std::string kTg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tiny-tg/0123456789abcdef";
inline const std::string kLb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/tiny-alb/fedcba9876543210";

class Sim : public ::testing::Test {
protected:
    void SetUp() override { load(tiny_doc()); }
    void load(const json& doc) {
        auto parsed = parse_scenario(doc.dump());
        ASSERT_TRUE(parsed) << parsed.error().message;
        world = std::make_shared<World>(std::move(parsed).value(), clock);
        sim = std::make_unique<SimTransport>(world);
    }
    void at(Duration since_start) { clock.set(kStart + since_start); }

    HttpResponse post_json(const std::string& host_prefix, const std::string& target, const json& body,
                           const std::string& region = "us-east-1") {
        HttpRequest r;
        r.method = "POST";
        r.url = "https://" + host_prefix + "." + region + ".amazonaws.com/";
        r.headers["Content-Type"] = "application/x-amz-json-1.1";
        r.headers["X-Amz-Target"] = target;
        r.body = body.dump();
        return sim->send(r);
    }
    // A JSON 1.1 answer's body; the status must be `status`.
    json call(const std::string& host_prefix, const std::string& prefix, const std::string& op, const json& body,
              int status = 200) {
        HttpResponse r = post_json(host_prefix, prefix + "." + op, body);
        EXPECT_EQ(r.status, status) << op << ": " << r.body;
        EXPECT_EQ(r.headers["Content-Type"], "application/x-amz-json-1.1");
        return json::parse(r.body);
    }
    json ecs(const std::string& op, const json& body, int status = 200) { return call("ecs", kEcs, op, body, status); }

    HttpResponse post_query(const std::string& host_prefix, const std::string& form) {
        HttpRequest r;
        r.method = "POST";
        r.url = "https://" + host_prefix + ".us-east-1.amazonaws.com/";
        r.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8";
        r.body = form;
        return sim->send(r);
    }
    // Parses an XML answer into `doc`, checking the status.
    void query(const std::string& host_prefix, const std::string& form, pugi::xml_document& doc, int status = 200) {
        HttpResponse r = post_query(host_prefix, form);
        EXPECT_EQ(r.status, status) << r.body;
        ASSERT_TRUE(doc.load_string(r.body.c_str())) << r.body;
    }
    static std::string text(const pugi::xml_document& doc, const char* xpath) {
        return doc.select_node(xpath).node().text().as_string();
    }

    HttpResponse get(const std::string& url, Headers headers = {}) {
        HttpRequest r;
        r.url = url;
        r.headers = std::move(headers);
        return sim->send(r);
    }
    json github(const std::string& path_and_query, int status = 200) {
        HttpResponse r = get("https://api.github.com" + path_and_query);
        EXPECT_EQ(r.status, status) << r.body;
        return json::parse(r.body);
    }

    json service_events() {
        return ecs("DescribeServices", {{"cluster", "tiny-cluster"}, {"services", {"tiny-api"}}})["services"][0]["events"];
    }
    std::vector<std::string> task_ids(const std::string& desired) {
        json page = ecs("ListTasks", {{"cluster", "tiny-cluster"}, {"serviceName", "tiny-api"}, {"desiredStatus", desired}});
        std::vector<std::string> ids;
        for (const auto& arn : page["taskArns"]) ids.push_back(arn.get<std::string>().substr(arn.get<std::string>().rfind('/') + 1));
        return ids;
    }

    ManualClock clock{kStart};
    std::shared_ptr<World> world;
    std::unique_ptr<SimTransport> sim;
};

}  // namespace shipwatch::sim::testing

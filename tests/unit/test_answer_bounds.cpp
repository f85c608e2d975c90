// Issue 13 item 2: an answer's bytes are bounded by what it is (a version body: 64 KiB; an AWS or
// GitHub answer: 4 MiB), and the answers being received at once by one budget together. Real
// HTTP over loopback through CurlTransport.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "http/answer_bounds.hpp"
#include "http/curl_transport.hpp"
#include "sources/aws/credential_sources.hpp"
#include "sources/aws/credentials.hpp"
#include "sources/aws/json_protocol.hpp"
#include "sources/bounded_json.hpp"
#include "sources/oci/registry_client.hpp"
#include "sources/version/version_client.hpp"
#include "unit/loopback_server.hpp"
#include "unit/scripted_transport.hpp"

namespace shipwatch {
namespace {

using testing::LoopbackServer;
using namespace std::chrono_literals;

// A body that never ends, 16 KiB at a time.
void serve_endless(httplib::Server& server, const std::string& path) {
    server.Get(path, [](const httplib::Request&, httplib::Response& res) {
        res.set_chunked_content_provider("application/octet-stream", [](size_t, httplib::DataSink& sink) {
            static const std::string chunk(16 << 10, '7');
            return sink.write(chunk.data(), chunk.size());
        });
    });
}

TEST(AnswerBounds, SizesReadAsPeopleReadThem) {
    EXPECT_EQ(byte_size_text(kMaxVersionAnswerBytes), "64 KiB");
    EXPECT_EQ(byte_size_text(kMaxApiAnswerBytes), "4 MiB");
    EXPECT_EQ(byte_size_text(kMaxBytesInFlight), "64 MiB");
    EXPECT_EQ(byte_size_text(1000), "1000 bytes");
}

TEST(AnswerBounds, AnEndlessVersionBodyStopsAt64KiB) {
    LoopbackServer loop;
    serve_endless(loop.server, "/version");
    loop.start();
    CurlTransport transport;
    VersionObservation obs = fetch_version(transport, loop.url("/version"), "", TimePoint{});
    EXPECT_EQ(obs.error, "answer larger than 64 KiB");
    EXPECT_TRUE(obs.reported.empty());
    EXPECT_EQ(BytesInFlight::process().held(), 0u);
}

TEST(AnswerBounds, AnAwsAnswerPastItsBoundFailsTheCallAndNamesIt) {
    LoopbackServer loop;
    const std::string big = R"({"services":[")" + std::string(kMaxApiAnswerBytes, 'x') + R"("]})";
    const std::string fits = R"({"services":[")" + std::string(kMaxApiAnswerBytes - 100, 'x') + R"("]})";
    bool send_big = true;
    loop.server.Post("/", [&](const httplib::Request&, httplib::Response& res) {
        res.set_content(send_big ? big : fits, "application/x-amz-json-1.1");
    });
    loop.start();
    CurlTransport transport({}, aws::make_static_provider({"AKIDEXAMPLE", "secret", "", std::nullopt, "test"}));
    aws::AwsContext ctx;
    ctx.transport = &transport;
    ctx.region = "eu-west-1";
    ctx.endpoints = aws::Endpoints("eu-west-1");
    ctx.endpoints.set_all(loop.url(""));
    auto answer = aws::call_json(ctx, aws::ServiceId::ecs, "AmazonEC2ContainerServiceV20141113.DescribeServices",
                                 nlohmann::json::object());
    ASSERT_FALSE(answer.ok());
    EXPECT_EQ(answer.error().message, "answer larger than 4 MiB");
    EXPECT_NE(describe(answer.error()).find("ecs:DescribeServices"), std::string::npos) << describe(answer.error());

    send_big = false;
    auto within = aws::call_json(ctx, aws::ServiceId::ecs, "AmazonEC2ContainerServiceV20141113.DescribeServices",
                                 nlohmann::json::object());
    EXPECT_TRUE(within.ok()) << describe(within.error());
}

// Each client names the bound of its kind of answer on the request it sends.
TEST(AnswerBounds, EveryClientAsksWithItsKindsBound) {
    testing::ScriptedTransport t;
    t.push(200, "4f35409");
    fetch_version(t, "http://app.example.com/version", "", TimePoint{});

    t.push(200, "", {{"Docker-Content-Digest", "sha256:" + std::string(64, 'b')}});
    oci::RegistryTarget hub;
    hub.registry = classify_registry("docker.io");
    hub.base_url = oci::default_base_url(hub.registry);
    (void)oci::RegistryClient(t, hub).image_of("library/nginx", "1.27");

    aws::CredentialOptions options;
    options.env = aws::fixed_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds"}});
    t.push(404, "");
    (void)aws::container_credentials(options, t);
    options.env = aws::fixed_environment({});
    options.imds_endpoint = "http://127.0.0.1:9";
    t.push(200, "session");
    t.push(404, "");
    (void)aws::imds_credentials(options, t);

    aws::AwsContext ctx;
    ctx.transport = &t;
    ctx.region = "eu-west-1";
    ctx.endpoints = aws::Endpoints("eu-west-1");
    t.push(200, "{}");
    (void)aws::call_json(ctx, aws::ServiceId::ecs, "AmazonEC2ContainerServiceV20141113.ListTasks", {});

    std::vector<size_t> asked;
    for (const auto& r : t.requests) asked.push_back(r.max_answer_bytes);
    EXPECT_EQ(asked, (std::vector<size_t>{kMaxVersionAnswerBytes, kMaxRegistryAnswerBytes, kMaxCredentialAnswerBytes,
                                          kMaxCredentialAnswerBytes, kMaxCredentialAnswerBytes, kMaxApiAnswerBytes}));
}

// /hold sends 600 KiB and then waits until released; /more sends 600 KiB at once.
struct HoldingServer {
    LoopbackServer loop;
    std::mutex mutex;
    std::condition_variable cv;
    bool released = false;
    std::string part = std::string(600 << 10, 'h');

    HoldingServer() {
        loop.server.Get("/hold", [this](const httplib::Request&, httplib::Response& res) {
            // Not a text type: cpp-httplib would gzip it, and hold the first part in its compressor.
            res.set_chunked_content_provider("application/octet-stream", [this](size_t offset, httplib::DataSink& out) {
                if (offset == 0) return out.write(part.data(), part.size());
                std::unique_lock lock(mutex);
                cv.wait(lock, [this] { return released; });
                out.done();
                return true;
            });
        });
        loop.server.Get("/more", [this](const httplib::Request&, httplib::Response& res) {
            res.set_content(part, "application/octet-stream");
        });
        loop.start();
    }
    ~HoldingServer() { release(); }
    void release() {
        std::lock_guard lock(mutex);
        released = true;
        cv.notify_all();
    }
};

HttpRequest get(const std::string& url) {
    HttpRequest request;
    request.url = url;
    return request;
}

TEST(AnswerBounds, AnswersBeingReceivedTogetherStayWithinTheBudget) {
    HoldingServer server;
    BytesInFlight budget(1 << 20);
    CurlOptions options;
    options.in_flight = &budget;
    CurlTransport transport(options);

    auto held = std::async(std::launch::async, [&] { return transport.send(get(server.loop.url("/hold"))); });
    // The first answer is 600 KiB in and waiting (a bounded wait for the other thread, not a timing).
    for (int i = 0; i < 10000 && budget.held() < (600u << 10); ++i) std::this_thread::sleep_for(1ms);
    ASSERT_EQ(budget.held(), 600u << 10);

    HttpResponse refused = transport.send(get(server.loop.url("/more")));
    EXPECT_EQ(refused.status, 0);
    EXPECT_EQ(refused.local_failure, LocalFailure::too_many_bytes_in_flight);
    EXPECT_EQ(refused.error, "answers being received passed 1 MiB together");
    EXPECT_EQ(budget.held(), 600u << 10) << "the refused transfer gave its bytes back";

    server.release();
    HttpResponse first = held.get();
    EXPECT_EQ(first.status, 200) << first.error;
    EXPECT_EQ(first.body.size(), 600u << 10);
    EXPECT_EQ(budget.held(), 0u) << "an ended transfer holds nothing";

    HttpResponse again = transport.send(get(server.loop.url("/more")));
    EXPECT_EQ(again.status, 200) << again.error;
    EXPECT_EQ(budget.held(), 0u);
}

TEST(AnswerBounds, TheBudgetRefusesWhatWouldPassItAndTakesNothingThen) {
    BytesInFlight budget(100);
    EXPECT_TRUE(budget.take(60));
    EXPECT_FALSE(budget.take(41));
    EXPECT_EQ(budget.held(), 60u);
    EXPECT_TRUE(budget.take(40));
    EXPECT_FALSE(budget.take(1));
    budget.give_back(100);
    EXPECT_FALSE(budget.take(101));
    EXPECT_EQ(budget.held(), 0u);
}

// "[0,0,...]" with n elements.
std::string zeros(size_t n) {
    std::string out = "[";
    for (size_t i = 0; i < n; ++i) out += i ? ",0" : "0";
    return out + "]";
}

TEST(BoundedJson, AnArrayPastItsBoundIsRefusedOneWithinIsRead) {
    BoundedJson within = parse_bounded_json(zeros(kMaxJsonArrayElements));
    EXPECT_TRUE(within.problem.empty()) << within.problem;
    EXPECT_EQ(within.value.size(), kMaxJsonArrayElements);
    BoundedJson past = parse_bounded_json(R"({"events":)" + zeros(kMaxJsonArrayElements + 1) + "}");
    EXPECT_EQ(past.problem, "an array of more than 10000 elements");
    EXPECT_TRUE(past.value.is_discarded());
}

TEST(BoundedJson, ElementsAreCountedPerArrayMembersAndNestedElementsAreNot) {
    // Three arrays of 3 in an array of 3, an object of 4 members: within a bound of 3 elements.
    BoundedJson nested = parse_bounded_json(R"([[1,2,3],{"a":1,"b":[1,2,3],"c":{},"d":[]},[[],[],[]]])", 3, 100);
    EXPECT_TRUE(nested.problem.empty()) << nested.problem;
    EXPECT_EQ(nested.value.dump(), R"([[1,2,3],{"a":1,"b":[1,2,3],"c":{},"d":[]},[[],[],[]]])");
    EXPECT_EQ(parse_bounded_json("[[1,2,3,4]]", 3, 100).problem, "an array of more than 3 elements");
}

TEST(BoundedJson, ValuesAreCountedAcrossTheWholeAnswer) {
    // 200 arrays of 5,000 zeros: every array within its bound, a million values in all.
    std::string body = "[";
    for (int i = 0; i < 200; ++i) body += (i ? "," : "") + zeros(5000);
    body += "]";
    BoundedJson past = parse_bounded_json(body);
    EXPECT_EQ(past.problem, "more than 250000 JSON values");
    // The outer array, 1, [2], 2, {...}, 3: six values.
    EXPECT_TRUE(parse_bounded_json("[1,[2],{\"a\":3}]", 10, 6).problem.empty());
    EXPECT_EQ(parse_bounded_json("[1,[2],{\"a\":3}]", 10, 5).problem, "more than 5 JSON values");
    EXPECT_TRUE(parse_bounded_json("not json").value.is_discarded());
    EXPECT_TRUE(parse_bounded_json("not json").problem.empty());
}

TEST(BoundedJson, AnAwsAnswerPastTheArrayBoundFailsItsCall) {
    testing::ScriptedTransport transport;
    transport.push(200, R"({"taskArns":)" + zeros(kMaxJsonArrayElements + 1) + "}");
    aws::AwsContext ctx;
    ctx.transport = &transport;
    ctx.region = "eu-west-1";
    ctx.endpoints = aws::Endpoints("eu-west-1");
    auto answer = aws::call_json(ctx, aws::ServiceId::ecs, "AmazonEC2ContainerServiceV20141113.ListTasks",
                                 nlohmann::json::object());
    ASSERT_FALSE(answer.ok());
    EXPECT_EQ(answer.error().kind, ErrorKind::parse);
    EXPECT_EQ(answer.error().message,
              "answer to AmazonEC2ContainerServiceV20141113.ListTasks has an array of more than 10000 elements");
    EXPECT_EQ(answer.error().context.call, "ecs:ListTasks");
}

}  // namespace
}  // namespace shipwatch

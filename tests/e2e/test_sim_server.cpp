// `shipwatch sim` end to end: the real binary serves a scenario on loopback; requests signed
// here (with the simulator's own SigV4 code) and by shipwatch's libcurl transport are verified
// and answered; a wrong secret is refused with AWS's exact error. The child is always killed.
//
// Needs the sim library (signing, and through it CurlTransport): tests/CMakeLists.txt links it for this
// target. Without it the tests compile and skip.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <string>
#include <thread>

#if __has_include("sim/sigv4_verify.hpp")
#define SHIPWATCH_E2E_HAS_FETCHERS 1
#include "sources/aws/credentials.hpp"
#include "http/curl_transport.hpp"
#include "sim/sigv4_verify.hpp"
#else
#define SHIPWATCH_E2E_HAS_FETCHERS 0
#endif

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// The healthy scenario (sim/scenarios/healthy.json).
constexpr const char* kKey = "AKIDSHIPWATCHSIM6";
constexpr const char* kSecret = "shipwatch-sim-secret-healthy";
constexpr const char* kRegion = "us-west-2";
constexpr const char* kCluster = "payments-prod";
constexpr const char* kService = "payments-api";
constexpr const char* kDescribeServices = "AmazonEC2ContainerServiceV20141113.DescribeServices";
constexpr const char* kBadSignature =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key "
    "and signing method. Consult the service documentation for details.";

// A `shipwatch sim` child: started in the constructor, SIGTERM (then SIGKILL) in the destructor.
class SimChild {
public:
    explicit SimChild(const std::string& scenario) {
        int out[2];
        if (pipe(out) != 0) return;
        pid_ = fork();
        if (pid_ == 0) {
            dup2(out[1], STDOUT_FILENO);
            int devnull = open("/dev/null", O_RDWR);
            dup2(devnull, STDIN_FILENO);
            dup2(devnull, STDERR_FILENO);
            close(out[0]);
            close(out[1]);
            execl(SHIPWATCH_BINARY, SHIPWATCH_BINARY, "sim", "--scenario", scenario.c_str(), "--port", "0",
                  static_cast<char*>(nullptr));
            _exit(127);
        }
        close(out[1]);
        stdout_ = out[0];
        read_port(std::chrono::steady_clock::now() + 10s);
    }
    ~SimChild() { stop(); }

    int port() const { return port_; }
    const std::string& first_line() const { return line_; }

    // SIGTERM, reap within 5 s, else SIGKILL. Returns the exit status (-1 when killed).
    int stop() {
        if (pid_ <= 0) return status_;
        kill(pid_, SIGTERM);
        auto deadline = std::chrono::steady_clock::now() + 5s;
        int status = 0;
        for (;;) {
            pid_t r = waitpid(pid_, &status, WNOHANG);
            if (r == pid_) break;
            if (std::chrono::steady_clock::now() > deadline) {
                kill(pid_, SIGKILL);
                waitpid(pid_, &status, 0);
                status = -1;
                break;
            }
            std::this_thread::sleep_for(10ms);
        }
        status_ = status == -1 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        last_pid_ = pid_;
        pid_ = -1;
        if (stdout_ >= 0) close(stdout_);
        stdout_ = -1;
        return status_;
    }
    pid_t last_pid() const { return last_pid_; }

private:
    void read_port(std::chrono::steady_clock::time_point deadline) {
        while (line_.find('\n') == std::string::npos) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return;
            pollfd p{stdout_, POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return;
            char buf[256];
            ssize_t n = read(stdout_, buf, sizeof buf);
            if (n <= 0) return;
            line_.append(buf, static_cast<size_t>(n));
        }
        line_ = line_.substr(0, line_.find('\n'));
        const std::string prefix = "listening on http://127.0.0.1:";
        if (line_.rfind(prefix, 0) == 0) port_ = std::atoi(line_.c_str() + prefix.size());
    }

    pid_t pid_ = -1;
    pid_t last_pid_ = -1;
    int stdout_ = -1;
    int port_ = 0;
    int status_ = -1;
    std::string line_;
};

struct Reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
};

// One HTTP/1.1 exchange over a fresh loopback connection (Connection: close), 10 s at most.
Reply exchange(int port, const std::string& method, const std::string& target,
               const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body) {
    Reply reply;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        close(fd);
        return reply;
    }
    std::string request = method + " " + target + " HTTP/1.1\r\n";
    for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
    request += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    for (size_t sent = 0; sent < request.size();) {
        ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
    }
    std::string raw;
    char buf[8192];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<size_t>(n));
    close(fd);
    size_t end = raw.find("\r\n\r\n");
    if (end == std::string::npos) return reply;
    reply.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
    size_t line = raw.find("\r\n") + 2;
    while (line < end) {
        size_t next = raw.find("\r\n", line);
        std::string h = raw.substr(line, next - line);
        size_t colon = h.find(':');
        std::string name = h.substr(0, colon);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        reply.headers[name] = h.substr(h.find_first_not_of(' ', colon + 1));
        line = next + 2;
    }
    reply.body = raw.substr(end + 4);
    return reply;
}

class SimServerE2E : public ::testing::Test {
protected:
    void SetUp() override {
        child = std::make_unique<SimChild>("healthy");
        ASSERT_GT(child->port(), 0) << "no 'listening on' line from shipwatch sim; got: " << child->first_line();
    }
    void TearDown() override {
        if (!child) return;
        child->stop();
        // No leftovers: the child is reaped and gone.
        if (child->last_pid() > 0) {
            EXPECT_EQ(kill(child->last_pid(), 0), -1);
        }
    }

#if SHIPWATCH_E2E_HAS_FETCHERS
    // A DescribeServices call signed with the simulator's SigV4 code, sent over the socket.
    Reply describe_services(const std::string& key, const std::string& secret,
                            std::chrono::system_clock::duration clock_offset = {}) {
        shipwatch::sim::SignedRequest r;
        r.method = "POST";
        r.path = "/";
        r.headers = {{"Host", "127.0.0.1:" + std::to_string(child->port())},
                     {"Content-Type", "application/x-amz-json-1.1"},
                     {"X-Amz-Target", kDescribeServices}};
        r.body = json{{"cluster", kCluster}, {"services", {kService}}}.dump();
        auto now = std::chrono::time_point_cast<shipwatch::Duration>(std::chrono::system_clock::now() + clock_offset);
        shipwatch::sim::sign_sigv4(r, {key, secret, ""}, kRegion, "ecs", now);
        return exchange(child->port(), "POST", "/", r.headers, r.body);
    }
#endif

    std::unique_ptr<SimChild> child;
};

TEST_F(SimServerE2E, PrintsOneListeningLineWithTheChosenPort) {
    EXPECT_EQ(child->first_line(), "listening on http://127.0.0.1:" + std::to_string(child->port()));
}

#if SHIPWATCH_E2E_HAS_FETCHERS

TEST_F(SimServerE2E, ASignedDescribeServicesIsAnswered) {
    Reply r = describe_services(kKey, kSecret);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/x-amz-json-1.1");
    EXPECT_FALSE(r.headers["x-amzn-requestid"].empty());
    json doc = json::parse(r.body);
    ASSERT_EQ(doc["services"].size(), 1u) << r.body;
    EXPECT_EQ(doc["services"][0]["serviceName"], kService);
    EXPECT_EQ(doc["failures"], json::array());
}

TEST_F(SimServerE2E, AWrongSecretIsRefusedWithAwsExactError) {
    Reply r = describe_services(kKey, "not-the-secret");
    EXPECT_EQ(r.status, 400);
    json doc = json::parse(r.body);
    EXPECT_EQ(doc["__type"], "InvalidSignatureException");
    EXPECT_EQ(doc["message"], kBadSignature);
}

TEST_F(SimServerE2E, AnUnknownKeyIsUnrecognized) {
    Reply r = describe_services("AKIDNOTTHESIMKEY", kSecret);
    EXPECT_EQ(r.status, 400);
    json doc = json::parse(r.body);
    EXPECT_EQ(doc["__type"], "UnrecognizedClientException");
    EXPECT_EQ(doc["message"], "The security token included in the request is invalid.");
}

TEST_F(SimServerE2E, ARequestSignedTwentyMinutesAgoHasExpired) {
    Reply r = describe_services(kKey, kSecret, -20min);
    EXPECT_EQ(r.status, 400);
    json doc = json::parse(r.body);
    EXPECT_EQ(doc["__type"], "InvalidSignatureException");
    EXPECT_EQ(doc["message"].get<std::string>().rfind("Signature expired: ", 0), 0u) << doc["message"];
}

TEST_F(SimServerE2E, AnUnsignedAwsCallIsMissingItsToken) {
    Reply r = exchange(child->port(), "POST", "/",
                       {{"Host", "127.0.0.1"}, {"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", kDescribeServices}},
                       "{}");
    EXPECT_EQ(json::parse(r.body)["__type"], "MissingAuthenticationTokenException") << r.body;
    Reply q = exchange(child->port(), "POST", "/",
                       {{"Host", "127.0.0.1"}, {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
                       "Action=DescribeTargetGroups&Version=2015-12-01");
    EXPECT_EQ(q.status, 403);
    EXPECT_NE(q.body.find("<Code>MissingAuthenticationToken</Code>"), std::string::npos) << q.body;
}

// shipwatch's own libcurl path (CURLOPT_AWS_SIGV4) signs what the simulator accepts.
TEST_F(SimServerE2E, ShipwatchsLibcurlSigningVerifies) {
    shipwatch::aws::AwsCredentials creds{kKey, kSecret, "", std::nullopt, "test"};
    shipwatch::CurlTransport curl({}, shipwatch::aws::make_static_provider(creds));
    shipwatch::HttpRequest request;
    request.method = "POST";
    request.url = "http://127.0.0.1:" + std::to_string(child->port()) + "/";
    request.headers["Content-Type"] = "application/x-amz-json-1.1";
    request.headers["X-Amz-Target"] = kDescribeServices;
    request.body = json{{"cluster", kCluster}, {"services", {kService}}}.dump();
    request.aws_region = kRegion;
    request.aws_service = "ecs";
    shipwatch::HttpResponse ok = curl.send(request);
    ASSERT_EQ(ok.status, 200) << ok.error << ok.body;
    EXPECT_EQ(json::parse(ok.body)["services"][0]["serviceName"], kService);

    shipwatch::aws::AwsCredentials wrong{kKey, "not-the-secret", "", std::nullopt, "test"};
    shipwatch::CurlTransport bad({}, shipwatch::aws::make_static_provider(wrong));
    shipwatch::HttpResponse refused = bad.send(request);
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(json::parse(refused.body)["message"], kBadSignature);
}

#else

TEST_F(SimServerE2E, SignedRequests) {
    GTEST_SKIP() << "the signed-request tests need this target linked with the sim library (tests/CMakeLists.txt)";
}

#endif  // SHIPWATCH_E2E_HAS_FETCHERS

TEST_F(SimServerE2E, GithubAndVersionEndpointsAreAnsweredUnsigned) {
    Reply commits = exchange(child->port(), "GET", "/repos/acme-pay/payments-api/commits?per_page=1",
                             {{"Host", "127.0.0.1"}, {"Accept", "application/vnd.github+json"}}, "");
    ASSERT_EQ(commits.status, 200) << commits.body;
    EXPECT_EQ(json::parse(commits.body).size(), 1u);
    // Paging links lead back to this server, not to api.github.com.
    EXPECT_NE(commits.headers["link"].find("<http://127.0.0.1:" + std::to_string(child->port()) + "/repos/"), std::string::npos)
        << commits.headers["link"];
    Reply again = exchange(child->port(), "GET", "/repos/acme-pay/payments-api/commits?per_page=1",
                           {{"Host", "127.0.0.1"}, {"If-None-Match", commits.headers["etag"]}}, "");
    EXPECT_EQ(again.status, 304);

    // version_url https://payments.acme-pay.example/version: by host and path, or by path alone.
    Reply by_host = exchange(child->port(), "GET", "/payments.acme-pay.example/version", {{"Host", "127.0.0.1"}}, "");
    ASSERT_EQ(by_host.status, 200);
    EXPECT_EQ(json::parse(by_host.body)["commit"], "2f6b9e09413e6332e972af312a6145c904f2e164");
    Reply by_path = exchange(child->port(), "GET", "/version", {{"Host", "127.0.0.1"}}, "");
    EXPECT_EQ(by_path.body, by_host.body);
    EXPECT_EQ(exchange(child->port(), "GET", "/nothing-here", {{"Host", "127.0.0.1"}}, "").status, 404);
}

TEST_F(SimServerE2E, SigtermStopsTheServerCleanly) {
    int port = child->port();
    EXPECT_EQ(child->stop(), 0);
    EXPECT_EQ(exchange(port, "GET", "/version", {{"Host", "127.0.0.1"}}, "").status, 0) << "still answering";
}

TEST(SimCommand, AnUnknownScenarioIsAUsageError) {
    std::string cmd = std::string(SHIPWATCH_BINARY) + " sim --scenario no-such-scenario --port 0 2>&1 </dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[512];
    for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    int status = pclose(p);
    EXPECT_EQ(WEXITSTATUS(status), 2) << out;
    EXPECT_NE(out.find("no-such-scenario"), std::string::npos) << out;
}

}  // namespace

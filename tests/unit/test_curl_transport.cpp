// The libcurl transport against loopback cpp-httplib servers: SigV4 signatures recomputed
// independently (OpenSSL HMAC-SHA256, following the SigV4 spec), gzip, headers, failures,
// time-outs, connection reuse, threads, proxies from the environment, and a stop request ending a
// transfer in each phase it can wait in.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <set>
#include <sstream>
#include <stop_token>
#include <thread>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "http/curl_transport.hpp"
#include "sources/aws/credentials.hpp"
#include "unit/loopback_server.hpp"

namespace shipwatch {
namespace {

using testing::LoopbackServer;

// ---- an independent SigV4 checker (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html)

std::string hex(const unsigned char* data, size_t n) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 15];
    }
    return out;
}

std::string sha256_hex(const std::string& data) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
    return hex(digest, sizeof digest);
}

std::string hmac(const std::string& key, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), out, &n);
    return std::string(reinterpret_cast<char*>(out), n);
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Trim, and collapse runs of spaces, as the canonical header value requires.
std::string canonical_value(const std::string& v) {
    std::string out;
    bool space = false;
    for (char c : v) {
        if (c == ' ' || c == '\t') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> parts;
    std::stringstream in(s);
    std::string part;
    while (std::getline(in, part, sep)) parts.push_back(part);
    return parts;
}

struct Captured {
    std::string method, path, query, body;
    std::multimap<std::string, std::string> headers;  // lower-case names
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

struct Verdict {
    bool ok = false;
    std::string why;
    std::string scope;
    std::vector<std::string> signed_headers;
};

Verdict verify_sigv4(const Captured& req, const std::string& secret) {
    Verdict v;
    std::string auth = req.header("authorization");
    const std::string algorithm = "AWS4-HMAC-SHA256 ";
    if (!auth.starts_with(algorithm)) return {false, "no AWS4-HMAC-SHA256 Authorization: " + auth};
    std::map<std::string, std::string> fields;
    for (std::string part : split(auth.substr(algorithm.size()), ',')) {
        part = canonical_value(part);
        auto eq = part.find('=');
        if (eq != std::string::npos) fields[part.substr(0, eq)] = part.substr(eq + 1);
    }
    std::string credential = fields["Credential"];
    auto slash = credential.find('/');
    if (slash == std::string::npos) return {false, "bad Credential"};
    v.scope = credential.substr(slash + 1);  // date/region/service/aws4_request
    auto scope_parts = split(v.scope, '/');
    if (scope_parts.size() != 4 || scope_parts[3] != "aws4_request") return {false, "bad scope " + v.scope};
    std::string amz_date = req.header("x-amz-date");
    if (amz_date.substr(0, 8) != scope_parts[0]) return {false, "X-Amz-Date does not match the scope date"};
    v.signed_headers = split(fields["SignedHeaders"], ';');

    std::string canonical = req.method + "\n" + (req.path.empty() ? "/" : req.path) + "\n" + req.query + "\n";
    for (const auto& name : v.signed_headers) {
        auto [b, e] = req.headers.equal_range(name);
        std::vector<std::string> values;
        for (auto it = b; it != e; ++it) values.push_back(canonical_value(it->second));
        std::string joined;
        for (size_t i = 0; i < values.size(); ++i) joined += (i ? "," : "") + values[i];
        canonical += name + ":" + joined + "\n";
    }
    canonical += "\n" + fields["SignedHeaders"] + "\n" + sha256_hex(req.body);

    std::string to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + v.scope + "\n" + sha256_hex(canonical);
    std::string key = hmac("AWS4" + secret, scope_parts[0]);
    key = hmac(key, scope_parts[1]);
    key = hmac(key, scope_parts[2]);
    key = hmac(key, "aws4_request");
    std::string signature = hmac(key, to_sign);
    std::string expected = hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size());
    if (expected != fields["Signature"])
        return {false, "signature mismatch; canonical request was:\n" + canonical, v.scope, v.signed_headers};
    v.ok = true;
    return v;
}

// A server that records the last request and answers `{}`.
struct CapturingServer {
    LoopbackServer loop;
    std::mutex mutex;
    Captured last;

    CapturingServer() {
        auto capture = [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(mutex);
            last = Captured{req.method, req.path, {}, req.body, {}};
            for (const auto& [name, value] : req.headers) last.headers.emplace(lower(name), value);
            res.set_content("{}", "application/x-amz-json-1.1");
        };
        loop.server.Post(".*", capture);
        loop.server.Get(".*", capture);
        loop.start();
    }
};

aws::AwsCredentials keys(std::string token = "") {
    return {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", std::move(token), std::nullopt, "test"};
}

HttpRequest json_request(const std::string& url) {
    HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.headers["Content-Type"] = "application/x-amz-json-1.1";
    request.headers["X-Amz-Target"] = "AmazonEC2ContainerServiceV20141113.DescribeServices";
    request.body = R"({"cluster":"prod","services":["web"],"include":["TAGS"]})";
    request.aws_region = "eu-west-1";
    request.aws_service = "ecs";
    return request;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

TEST(CurlSigV4, Json11RequestVerifiesIndependently) {
    CapturingServer server;
    CurlTransport transport({}, aws::make_static_provider(keys()));
    HttpResponse response = transport.send(json_request(server.loop.url("/")));
    ASSERT_EQ(response.status, 200) << response.error;

    std::lock_guard lock(server.mutex);
    const Captured& req = server.last;
    EXPECT_EQ(req.method, "POST");
    EXPECT_EQ(req.body, R"({"cluster":"prod","services":["web"],"include":["TAGS"]})");
    Verdict verdict = verify_sigv4(req, keys().secret_access_key);
    ASSERT_TRUE(verdict.ok) << verdict.why;
    EXPECT_TRUE(verdict.scope.ends_with("/eu-west-1/ecs/aws4_request")) << verdict.scope;
    for (const char* h : {"content-type", "host", "x-amz-date", "x-amz-target"})
        EXPECT_TRUE(contains(verdict.signed_headers, h)) << h << " is not signed";
    EXPECT_FALSE(contains(verdict.signed_headers, "x-amz-security-token"));
    // Only headers that were really sent: not libcurl's header-removal entries ("Expect:").
    for (const auto& name : verdict.signed_headers)
        EXPECT_EQ(req.headers.count(name), 1u) << name << " is signed but was not sent";
    EXPECT_TRUE(req.header("authorization").find("Credential=AKIDEXAMPLE/") != std::string::npos);
    if (std::string hash = req.header("x-amz-content-sha256"); !hash.empty()) EXPECT_EQ(hash, sha256_hex(req.body));
    // The checker itself rejects a wrong secret.
    EXPECT_FALSE(verify_sigv4(req, "not-the-secret").ok);
}

TEST(CurlSigV4, SessionTokenIsSentAndSigned) {
    CapturingServer server;
    CurlTransport transport({}, aws::make_static_provider(keys("IQoJb3JpZ2luX2VjEXAMPLETOKEN//+=")));
    HttpRequest request = json_request(server.loop.url("/"));
    request.aws_service = "ecr";  // api.ecr.<region> signs as "ecr"
    request.headers["X-Amz-Target"] = "AmazonEC2ContainerRegistry_V20150921.DescribeImages";
    HttpResponse response = transport.send(request);
    ASSERT_EQ(response.status, 200) << response.error;

    std::lock_guard lock(server.mutex);
    const Captured& req = server.last;
    EXPECT_EQ(req.header("x-amz-security-token"), "IQoJb3JpZ2luX2VjEXAMPLETOKEN//+=");
    Verdict verdict = verify_sigv4(req, keys().secret_access_key);
    ASSERT_TRUE(verdict.ok) << verdict.why;
    EXPECT_TRUE(verdict.scope.ends_with("/eu-west-1/ecr/aws4_request")) << verdict.scope;
    EXPECT_TRUE(contains(verdict.signed_headers, "x-amz-security-token"));
}

TEST(CurlSigV4, QueryProtocolFormBody) {
    CapturingServer server;
    CurlTransport transport({}, aws::make_static_provider(keys()));
    HttpRequest request;
    request.method = "POST";
    request.url = server.loop.url("/");
    request.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8";
    request.body = "Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn=arn%3Aaws%3Aelasticloadbalancing%3Ax";
    request.aws_region = "us-east-1";
    request.aws_service = "elasticloadbalancing";
    ASSERT_EQ(transport.send(request).status, 200);
    std::lock_guard lock(server.mutex);
    Verdict verdict = verify_sigv4(server.last, keys().secret_access_key);
    EXPECT_TRUE(verdict.ok) << verdict.why;
}

TEST(CurlSigV4, LargeBodyVerifies) {
    CapturingServer server;
    CurlTransport transport({}, aws::make_static_provider(keys()));
    HttpRequest request = json_request(server.loop.url("/"));
    request.body = R"({"filterPattern":")" + std::string(100'000, 'x') + R"("})";
    HttpResponse response = transport.send(request);
    ASSERT_EQ(response.status, 200) << response.error;
    std::lock_guard lock(server.mutex);
    EXPECT_EQ(server.last.body.size(), request.body.size());
    Verdict verdict = verify_sigv4(server.last, keys().secret_access_key);
    EXPECT_TRUE(verdict.ok) << verdict.why;
}

TEST(CurlSigV4, CredentialFailureIsALocalNonRetryableFailure) {
    CapturingServer server;
    struct Failing : aws::CredentialsProvider {
        Result<aws::AwsCredentials> credentials() override {
            return aws::credentials_error("no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID");
        }
    };
    CurlTransport transport({}, std::make_shared<Failing>());
    HttpResponse response = transport.send(json_request(server.loop.url("/")));
    EXPECT_EQ(response.status, 0);
    EXPECT_EQ(response.error, "no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID");
    EXPECT_EQ(response.local_failure, LocalFailure::no_credentials);

    CurlTransport without_provider;
    EXPECT_EQ(without_provider.send(json_request(server.loop.url("/"))).status, 0);
}

// ---- plain HTTP behaviour

uint32_t crc32(const std::string& data) {
    uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char c : data) {
        crc ^= c;
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

// A gzip member holding one stored (uncompressed) deflate block: no zlib needed to build it.
std::string gzip_stored(const std::string& data) {
    std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
    auto le16 = [&](uint16_t v) { out += static_cast<char>(v & 0xff), out += static_cast<char>(v >> 8); };
    auto le32 = [&](uint32_t v) {
        for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
    };
    out += '\x01';
    le16(static_cast<uint16_t>(data.size()));
    le16(static_cast<uint16_t>(~data.size()));
    out += data;
    le32(crc32(data));
    le32(static_cast<uint32_t>(data.size()));
    return out;
}

TEST(CurlTransport, GzipUserAgentAndCaseInsensitiveHeaders) {
    LoopbackServer server;
    std::string accept_encoding, user_agent;
    server.server.Get("/commits", [&](const httplib::Request& req, httplib::Response& res) {
        accept_encoding = req.get_header_value("Accept-Encoding");
        user_agent = req.get_header_value("User-Agent");
        res.set_header("X-RateLimit-Remaining", "4999");
        res.set_header("Content-Encoding", "gzip");
        res.set_header("ETag", "\"abc\"");
        res.set_content(gzip_stored(R"([{"sha":"0123abc"}])"), "application/json");
    });
    server.start();
    CurlTransport transport;
    HttpRequest request;
    request.url = server.url("/commits");
    HttpResponse response = transport.send(request);
    ASSERT_EQ(response.status, 200) << response.error;
    EXPECT_EQ(response.body, R"([{"sha":"0123abc"}])");
    EXPECT_NE(accept_encoding.find("gzip"), std::string::npos) << accept_encoding;
    EXPECT_EQ(user_agent, default_user_agent());
    EXPECT_TRUE(user_agent.starts_with("shipwatch/"));
    EXPECT_EQ(response.headers["x-ratelimit-remaining"], "4999");
    EXPECT_EQ(response.headers["etag"], "\"abc\"");
}

TEST(CurlTransport, SendsHeadersAndFollowsRedirectsForUnsignedRequests) {
    LoopbackServer server;
    std::string auth, none_match;
    server.server.Get("/old", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/new", 301); });
    server.server.Get("/new", [&](const httplib::Request& req, httplib::Response& res) {
        auth = req.get_header_value("Authorization");
        none_match = req.get_header_value("If-None-Match");
        res.status = 304;
    });
    server.start();
    CurlTransport transport;
    HttpRequest request;
    request.url = server.url("/old");
    request.headers["Authorization"] = "Bearer gho_x";
    request.headers["If-None-Match"] = "\"abc\"";
    HttpResponse response = transport.send(request);
    EXPECT_EQ(response.status, 304) << response.error;
    EXPECT_EQ(auth, "Bearer gho_x");  // same host: kept
    EXPECT_EQ(none_match, "\"abc\"");
}

TEST(CurlTransport, PutWithoutBodyAndErrorStatusesComeBackAsAnswers) {
    LoopbackServer server;
    std::string content_type = "unset";
    server.server.Put("/latest/api/token", [&](const httplib::Request& req, httplib::Response& res) {
        content_type = req.get_header_value("Content-Type");
        res.set_content(req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds"), "text/plain");
    });
    server.server.Get("/missing", [](const httplib::Request&, httplib::Response& res) {
        res.status = 404;
        res.set_content(R"({"message":"Not Found"})", "application/json");
    });
    server.start();
    CurlTransport transport;
    HttpRequest put;
    put.method = "PUT";
    put.url = server.url("/latest/api/token");
    put.headers["X-aws-ec2-metadata-token-ttl-seconds"] = "21600";
    HttpResponse token = transport.send(put);
    EXPECT_EQ(token.status, 200) << token.error;
    EXPECT_EQ(token.body, "21600");
    EXPECT_EQ(content_type, "");  // libcurl's form type is not invented
    HttpRequest get;
    get.url = server.url("/missing");
    HttpResponse missing = transport.send(get);
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.body, R"({"message":"Not Found"})");
    EXPECT_FALSE(missing.transport_failed());
}

TEST(CurlTransport, ConnectionRefusedIsStatusZeroWithCurlMessage) {
    int port;
    {
        LoopbackServer closed;  // bind a port, then let it go
        closed.start();
        port = closed.port();
    }
    CurlTransport transport;
    HttpRequest request;
    request.url = "http://127.0.0.1:" + std::to_string(port) + "/";
    HttpResponse response = transport.send(request);
    EXPECT_EQ(response.status, 0);
    EXPECT_TRUE(response.transport_failed());
    EXPECT_FALSE(response.error.empty());

    request.url = "not a url";
    EXPECT_EQ(transport.send(request).status, 0);
}

TEST(CurlTransport, TotalTimeout) {
    LoopbackServer server;
    server.server.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        res.set_content("late", "text/plain");
    });
    server.start();
    CurlOptions options;
    options.total_timeout = std::chrono::milliseconds(200);
    CurlTransport transport(options);
    HttpRequest request;
    request.url = server.url("/slow");
    auto start = std::chrono::steady_clock::now();
    HttpResponse response = transport.send(request);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(response.status, 0);
    EXPECT_NE(response.error.find("timed out"), std::string::npos) << response.error;
    EXPECT_LT(took, std::chrono::milliseconds(1200));
}

TEST(CurlTransport, ReusesConnections) {
    LoopbackServer server;
    std::mutex mutex;
    std::set<int> client_ports;
    server.server.Get("/ping", [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(mutex);
        client_ports.insert(req.remote_port);
        res.set_content("pong", "text/plain");
    });
    server.server.set_keep_alive_max_count(100);  // cpp-httplib closes after 5 by default
    server.start();
    CurlTransport transport;
    HttpRequest request;
    request.url = server.url("/ping");
    for (int i = 0; i < 10; ++i) ASSERT_EQ(transport.send(request).status, 200);
    EXPECT_EQ(client_ports.size(), 1u) << "each request opened a new connection";
}

TEST(CurlTransport, ManyThreadsAtOnce) {
    LoopbackServer server;
    std::atomic<int> served{0};
    server.server.Post("/echo", [&](const httplib::Request& req, httplib::Response& res) {
        ++served;
        res.set_content(req.body, "text/plain");
    });
    server.start();
    CurlTransport transport({}, nullptr);
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) {
                HttpRequest request;
                request.method = "POST";
                request.url = server.url("/echo");
                request.body = "thread " + std::to_string(t) + " call " + std::to_string(i);
                HttpResponse response = transport.send(request);
                if (response.status == 200 && response.body == request.body) ++good;
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(good.load(), 200);
    EXPECT_EQ(served.load(), 200);
}

// Eight threads, 25 requests each: every pooled handle keeps its connection, so the server sees
// at most one connection per thread that ever ran a transfer at the same time.
TEST(CurlTransport, ThreadsReuseThePooledConnections) {
    LoopbackServer server;
    std::mutex mutex;
    std::set<int> client_ports;
    server.server.Get("/ping", [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(mutex);
        client_ports.insert(req.remote_port);
        res.set_content("pong", "text/plain");
    });
    server.server.set_keep_alive_max_count(1000);
    server.start();
    CurlTransport transport;
    HttpRequest request;
    request.url = server.url("/ping");
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) good += transport.send(request).status == 200;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(good.load(), 200);
    std::printf("200 requests from 8 threads used %zu connections\n", client_ports.size());
    EXPECT_LE(client_ports.size(), 8u);
}

// Sets an environment variable for one test.
struct ScopedEnv {
    std::string name;
    std::optional<std::string> old;
    ScopedEnv(std::string n, const std::string& value) : name(std::move(n)) {
        if (const char* v = std::getenv(name.c_str())) old = v;
        ::setenv(name.c_str(), value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (old) ::setenv(name.c_str(), old->c_str(), 1);
        else ::unsetenv(name.c_str());
    }
};

TEST(CurlTransport, ProxyFromTheEnvironment) {
    LoopbackServer proxy;
    std::string seen_target, seen_host;
    proxy.server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
        seen_target = req.path;  // a proxy gets the absolute URL
        seen_host = req.get_header_value("Host");
        res.set_content("via proxy", "text/plain");
    });
    proxy.start();
    ScopedEnv http_proxy("http_proxy", proxy.url());
    ScopedEnv no_proxy("no_proxy", "");
    CurlTransport transport;
    HttpRequest request;
    request.url = "http://version.shipwatch.invalid/version";
    HttpResponse response = transport.send(request);
    EXPECT_EQ(response.status, 200) << response.error;
    EXPECT_EQ(response.body, "via proxy");
    EXPECT_EQ(seen_host, "version.shipwatch.invalid");

    // The metadata transports never use one.
    CurlOptions direct;
    direct.proxy_from_environment = false;
    direct.connect_timeout = direct.total_timeout = std::chrono::milliseconds(1000);
    CurlTransport no_proxy_transport(direct);
    EXPECT_EQ(no_proxy_transport.send(request).status, 0);
}

// ---- cancellation: a stop request ends a transfer in whatever phase it waits

// A loopback TCP server that never answers. `hold`: it accepts and keeps every connection open
// (after writing `prefix`, if any), so a client waits for a TLS handshake, a first byte or the
// rest of a body. `full_backlog`: it never accepts and its one-slot queue is taken, so the
// kernel drops a client's SYNs and its connect waits.
class SilentServer {
public:
    enum class Mode { hold, full_backlog };

    explicit SilentServer(Mode mode, std::string prefix = "") : prefix_(std::move(prefix)) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
            ::listen(listener_, mode == Mode::hold ? 16 : 0) != 0 ||
            ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
            throw std::runtime_error("SilentServer: cannot listen");
        port_ = ntohs(address.sin_port);
        if (mode == Mode::full_backlog) {
            fill_backlog(address);
            return;
        }
        thread_ = std::jthread([this](std::stop_token stop) { accept_until(stop); });
    }
    ~SilentServer() {
        thread_ = {};  // joins: the accept loop notices the stop within its poll interval
        for (int fd : held_) ::close(fd);
        ::close(listener_);
    }
    std::string url(const std::string& scheme = "http") const {
        return scheme + "://127.0.0.1:" + std::to_string(port_) + "/";
    }

private:
    void fill_backlog(const sockaddr_in& address) {
        for (int i = 0; i < 4; ++i) {  // more than the queue holds: the rest sit in SYN_SENT
            int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
            held_.push_back(fd);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the handshakes that can finish do
    }
    void accept_until(const std::stop_token& stop) {
        while (!stop.stop_requested()) {
            pollfd p{listener_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            if (!prefix_.empty()) (void)!::send(fd, prefix_.data(), prefix_.size(), MSG_NOSIGNAL);
            held_.push_back(fd);  // only this thread touches it until the destructor has joined
        }
    }

    std::string prefix_;
    int listener_ = -1;
    int port_ = 0;
    std::vector<int> held_;
    std::jthread thread_;
};

struct Cancelled {
    HttpResponse response;
    long long total_ms = 0;  // from send to its answer
    long long after_stop_ms = 0;  // from the stop request to the answer
};

// Sends `url` and requests stop `after` in. libcurl calls its progress callback often in a
// transfer's first ~200 ms and then about once a second, so a stop 300 ms in is where an abort
// that waits for that callback shows (~1.2 s in all); one through curl_multi_wakeup does not.
Cancelled send_and_stop(const std::string& url, std::chrono::milliseconds after = std::chrono::milliseconds(300)) {
    std::stop_source stop;
    CurlOptions options;
    options.stop = stop.get_token();
    options.connect_timeout = std::chrono::seconds(20);  // neither time-out may end the wait first
    options.total_timeout = std::chrono::seconds(30);
    CurlTransport transport(options);
    HttpRequest request;
    request.url = url;
    std::atomic<std::chrono::steady_clock::time_point> stopped_at{};
    std::jthread quitter([&] {
        std::this_thread::sleep_for(after);
        stopped_at = std::chrono::steady_clock::now();
        stop.request_stop();
    });
    auto started = std::chrono::steady_clock::now();
    Cancelled result;
    result.response = transport.send(request);
    auto ended = std::chrono::steady_clock::now();
    quitter.join();
    auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
    result.total_ms = ms(ended - started);
    result.after_stop_ms = ms(ended - stopped_at.load());
    EXPECT_TRUE(transport.send(request).cancelled()) << "once stopped, nothing more is sent";
    return result;
}

void expect_cancelled_at_once(const char* phase, const Cancelled& c) {
    std::printf("stop while %s: send answered %lld ms after the stop request (%lld ms in all)\n", phase,
                c.after_stop_ms, c.total_ms);
    EXPECT_TRUE(c.response.cancelled()) << phase << ": " << c.response.status << " " << c.response.error;
    EXPECT_TRUE(c.response.transport_failed());
    // Generous, so a loaded machine passes; an abort that waits for the once-a-second progress
    // callback (the easy interface) usually takes ~900 ms here.
    EXPECT_LT(c.total_ms, 1000) << phase << ": the abort waited for curl's progress callback";
}

TEST(CurlCancel, StopEndsAWaitForTheFirstByteAtOnce) {
    SilentServer server(SilentServer::Mode::hold);
    expect_cancelled_at_once("waiting for the first byte", send_and_stop(server.url()));
}

TEST(CurlCancel, StopRequested100MsInEndsTheWait) {
    SilentServer server(SilentServer::Mode::hold);
    expect_cancelled_at_once("waiting for the first byte (100 ms in)",
                             send_and_stop(server.url(), std::chrono::milliseconds(100)));
}

TEST(CurlCancel, StopEndsAConnectAtOnce) {
    SilentServer server(SilentServer::Mode::full_backlog);
    expect_cancelled_at_once("connecting", send_and_stop(server.url()));
}

TEST(CurlCancel, StopEndsATlsHandshakeAtOnce) {
    SilentServer server(SilentServer::Mode::hold);
    expect_cancelled_at_once("in the TLS handshake", send_and_stop(server.url("https")));
}

TEST(CurlCancel, StopEndsATransferMidBodyAtOnce) {
    SilentServer server(SilentServer::Mode::hold, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n{\"partial\":");
    expect_cancelled_at_once("mid-body", send_and_stop(server.url()));
}

}  // namespace
}  // namespace shipwatch

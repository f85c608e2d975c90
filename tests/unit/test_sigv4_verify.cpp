// The simulator's SigV4 verifier against the public AWS SigV4 test vectors (header signing) in
// tests/data/sigv4-test-suite (a copy of ../shared/sigv4-test-suite, so a clone is
// self-contained): every post-* case and every get-vanilla* case must verify, give the suite's
// canonical request, string to sign and signature, and fail when tampered with.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sim/sigv4_verify.hpp"

namespace shipwatch::sim {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kSuite = fs::path(SHIPWATCH_TEST_DATA) / "sigv4-test-suite";
const TimePoint kSuiteTime = parse_iso8601("2015-08-30T12:36:00Z").value();

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// "METHOD target HTTP/1.1", "Name:value" lines (a line starting with whitespace continues the
// previous value), a blank line, the body.
SignedRequest parse_http(const std::string& text) {
    SignedRequest r;
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    auto sp1 = line.find(' ');
    auto sp2 = line.rfind(' ');
    r.method = line.substr(0, sp1);
    std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    while (std::getline(in, line) && !line.empty()) {
        if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
            r.headers.back().second += "\n" + line;
            continue;
        }
        auto colon = line.find(':');
        r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
    }
    std::ostringstream body;
    body << in.rdbuf();
    r.body = body.str();
    return r;
}

struct Case {
    std::string name;
    SignedRequest request;
    std::string creq, sts, signature;
    nlohmann::json context;
};

Case load(const std::string& name) {
    fs::path dir = kSuite / name;
    return {name,
            parse_http(read(dir / "header-signed-request.txt")),
            read(dir / "header-canonical-request.txt"),
            read(dir / "header-string-to-sign.txt"),
            read(dir / "header-signature.txt"),
            nlohmann::json::parse(read(dir / "context.json"))};
}

std::vector<std::string> cases(const std::function<bool(const std::string&, const nlohmann::json&)>& wanted) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(kSuite)) {
        if (!entry.is_directory()) continue;
        std::string name = entry.path().filename().string();
        if (wanted(name, nlohmann::json::parse(read(entry.path() / "context.json")))) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> required_cases() {
    return cases([](const std::string& n, const nlohmann::json&) {
        return n.rfind("post-", 0) == 0 || n.rfind("get-vanilla", 0) == 0;
    });
}

SecretLookup suite_keys() {
    return [](const std::string& id) -> std::optional<std::string> {
        if (id == "AKIDEXAMPLE") return std::string("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        return std::nullopt;
    };
}

VerifyOptions at_suite_time(const Case& c) {
    VerifyOptions o;
    o.now = kSuiteTime;
    // post-sts-header-after: the token was added after signing (the vector's omit_session_token);
    // such a request verifies only when unsigned tokens are tolerated.
    o.require_signed_session_token = c.name != "post-sts-header-after";
    return o;
}

void expect_case_verifies(const Case& c) {
    SCOPED_TRACE(c.name);
    Verification v = verify_sigv4(c.request, suite_keys(), at_suite_time(c));
    EXPECT_TRUE(v.ok()) << v.detail;
    EXPECT_EQ(v.canonical_request, c.creq);
    EXPECT_EQ(v.string_to_sign, c.sts);
    EXPECT_EQ(v.scope.region, "us-east-1");
    EXPECT_EQ(v.scope.service, "service");
    EXPECT_EQ(hmac_sha256_hex(signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", v.scope), v.string_to_sign),
              c.signature);
}

TEST(SigV4Vectors, TheRequiredSetIsThere) {
    auto names = required_cases();
    EXPECT_GE(names.size(), 17u) << "expected every post-* and get-vanilla* case of " << kSuite;
    EXPECT_NE(std::find(names.begin(), names.end(), "post-x-www-form-urlencoded-parameters"), names.end());
    EXPECT_NE(std::find(names.begin(), names.end(), "get-vanilla-with-session-token"), names.end());
}

TEST(SigV4Vectors, EveryPostAndGetVanillaCaseVerifies) {
    for (const auto& name : required_cases()) expect_case_verifies(load(name));
}

TEST(SigV4Vectors, AOneCharacterChangeToTheSignatureFails) {
    for (const auto& name : required_cases()) {
        Case c = load(name);
        SCOPED_TRACE(name);
        for (auto& [header, value] : c.request.headers) {
            if (header != "Authorization") continue;
            char& last = value.back();
            last = last == '0' ? '1' : '0';
        }
        Verification v = verify_sigv4(c.request, suite_keys(), at_suite_time(c));
        ASSERT_FALSE(v.ok());
        EXPECT_EQ(*v.failure, SigV4Failure::bad_signature);
    }
}

TEST(SigV4Vectors, AOneCharacterChangeToTheBodyFails) {
    for (const auto& name : required_cases()) {
        Case c = load(name);
        SCOPED_TRACE(name);
        if (c.request.body.empty()) c.request.body = "x";
        else c.request.body.back() = c.request.body.back() == '1' ? '2' : '1';
        Verification v = verify_sigv4(c.request, suite_keys(), at_suite_time(c));
        ASSERT_FALSE(v.ok());
        EXPECT_EQ(*v.failure, SigV4Failure::bad_signature);
    }
}

// Beyond the required set: the header-signing cases for services that normalise paths
// (get-header-*, get-relative-*, get-slash*, get-space, get-utf8, ...). The "-unnormalized"
// variants are S3's rules, which no service shipwatch calls uses.
TEST(SigV4Vectors, TheOtherNormalisedCasesVerifyToo) {
    auto names = cases([](const std::string& n, const nlohmann::json& context) {
        return n.rfind("get-", 0) == 0 && n.rfind("get-vanilla", 0) != 0 && context.value("normalize", true);
    });
    EXPECT_GE(names.size(), 10u);
    for (const auto& name : names) expect_case_verifies(load(name));
}

TEST(SigV4Verify, AnUnsignedSessionTokenIsRefused) {
    Case c = load("post-sts-header-after");
    VerifyOptions o = at_suite_time(c);
    o.require_signed_session_token = true;
    Verification v = verify_sigv4(c.request, suite_keys(), o);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(*v.failure, SigV4Failure::unsigned_token);
    EXPECT_EQ(auth_error(v, AuthErrorShape::json, kSuiteTime).code, "IncompleteSignatureException");
}

TEST(SigV4Verify, AnUnknownKeyIsUnrecognized) {
    Case c = load("post-vanilla");
    Verification v = verify_sigv4(c.request, [](const std::string&) { return std::nullopt; }, at_suite_time(c));
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(*v.failure, SigV4Failure::unknown_key);
    AuthError json = auth_error(v, AuthErrorShape::json, kSuiteTime);
    EXPECT_EQ(json.code, "UnrecognizedClientException");
    EXPECT_EQ(json.message, "The security token included in the request is invalid.");
    EXPECT_EQ(json.status, 400);
    AuthError query = auth_error(v, AuthErrorShape::query, kSuiteTime);
    EXPECT_EQ(query.code, "InvalidClientTokenId");
    EXPECT_EQ(query.status, 403);
    EXPECT_EQ(auth_error(v, AuthErrorShape::ec2, kSuiteTime).code, "AuthFailure");
}

TEST(SigV4Verify, AWrongSecretIsABadSignatureInEachShape) {
    Case c = load("post-vanilla");
    auto wrong = [](const std::string&) -> std::optional<std::string> { return std::string("not-the-secret"); };
    Verification v = verify_sigv4(c.request, wrong, at_suite_time(c));
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(*v.failure, SigV4Failure::bad_signature);
    AuthError json = auth_error(v, AuthErrorShape::json, kSuiteTime);
    EXPECT_EQ(json.code, "InvalidSignatureException");
    EXPECT_EQ(json.message.rfind("The request signature we calculated does not match the signature you provided. "
                                 "Check your AWS Secret Access Key and signing method.",
                                 0),
              0u);
    EXPECT_EQ(auth_error(v, AuthErrorShape::query, kSuiteTime).code, "SignatureDoesNotMatch");
    EXPECT_EQ(auth_error(v, AuthErrorShape::query, kSuiteTime).status, 403);
}

TEST(SigV4Verify, MissingAuthorizationIsMissingAuthenticationToken) {
    Case c = load("get-vanilla");
    std::erase_if(c.request.headers, [](const auto& h) { return h.first == "Authorization"; });
    Verification v = verify_sigv4(c.request, suite_keys(), at_suite_time(c));
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(*v.failure, SigV4Failure::missing);
    EXPECT_EQ(auth_error(v, AuthErrorShape::json, kSuiteTime).code, "MissingAuthenticationTokenException");
    EXPECT_EQ(auth_error(v, AuthErrorShape::query, kSuiteTime).code, "MissingAuthenticationToken");
}

TEST(SigV4Verify, ARequestMoreThanFifteenMinutesAwayHasExpired) {
    Case c = load("get-vanilla");
    VerifyOptions o = at_suite_time(c);
    o.now = kSuiteTime + 14min;
    EXPECT_TRUE(verify_sigv4(c.request, suite_keys(), o).ok());
    o.now = kSuiteTime + 16min;
    Verification late = verify_sigv4(c.request, suite_keys(), o);
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(*late.failure, SigV4Failure::expired);
    AuthError e = auth_error(late, AuthErrorShape::json, o.now);
    EXPECT_EQ(e.code, "InvalidSignatureException");
    EXPECT_EQ(e.message, "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T125200Z - 15 min.)");
    o.now = kSuiteTime - 16min;
    Verification early = verify_sigv4(c.request, suite_keys(), o);
    ASSERT_FALSE(early.ok());
    EXPECT_EQ(*early.failure, SigV4Failure::expired);
    EXPECT_EQ(auth_error(early, AuthErrorShape::ec2, o.now).code, "RequestExpired");
}

TEST(SigV4Verify, ABrokenAuthorizationHeaderIsIncomplete) {
    Case c = load("get-vanilla");
    for (auto& [name, value] : c.request.headers)
        if (name == "Authorization") value = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
    Verification v = verify_sigv4(c.request, suite_keys(), at_suite_time(c));
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(*v.failure, SigV4Failure::incomplete);
    EXPECT_NE(v.detail.find("'Signature'"), std::string::npos) << v.detail;
}

// What the server and the e2e test rely on: sign_sigv4 produces what verify_sigv4 accepts, over
// a JSON 1.1 call with a session token, on a loopback host with a port.
TEST(SigV4Sign, SignedRequestsVerifyAndTamperingIsCaught) {
    SignedRequest r;
    r.method = "POST";
    r.path = "/";
    r.headers = {{"Host", "127.0.0.1:8123"},
                 {"Content-Type", "application/x-amz-json-1.1"},
                 {"X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DescribeServices"}};
    r.body = R"({"cluster":"c","services":["s"]})";
    SigningCredentials creds{"AKIDSHIPWATCHSIM6", "shipwatch-sim-secret-healthy", "session-token-1"};
    TimePoint t = parse_iso8601("2025-06-12T17:40:00Z").value();
    sign_sigv4(r, creds, "us-west-2", "ecs", t);
    auto keys = [](const std::string& id) -> std::optional<std::string> {
        if (id == "AKIDSHIPWATCHSIM6") return std::string("shipwatch-sim-secret-healthy");
        return std::nullopt;
    };
    VerifyOptions o;
    o.now = t + 30s;
    Verification v = verify_sigv4(r, keys, o);
    ASSERT_TRUE(v.ok()) << v.detail << "\n" << v.canonical_request;
    EXPECT_EQ(v.scope.region, "us-west-2");
    EXPECT_EQ(v.scope.service, "ecs");
    EXPECT_NE(v.canonical_request.find("x-amz-security-token:session-token-1\n"), std::string::npos);

    SignedRequest other_target = r;
    for (auto& [name, value] : other_target.headers)
        if (name == "X-Amz-Target") value = "AmazonEC2ContainerServiceV20141113.ListTasks";
    EXPECT_FALSE(verify_sigv4(other_target, keys, o).ok());
}

}  // namespace
}  // namespace shipwatch::sim

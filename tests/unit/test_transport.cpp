// Transport helpers (URL pieces, form encoding, header maps), endpoints, digests and the
// version endpoint reader.
#include <gtest/gtest.h>

#include "sources/aws/endpoints.hpp"
#include "base/digest.hpp"
#include "http/transport.hpp"
#include "sources/version/version_client.hpp"
#include "unit/scripted_transport.hpp"

namespace shipwatch {
namespace {

using testing::ScriptedTransport;

TEST(Headers, LookupIgnoresCase) {
    Headers headers;
    headers["ETag"] = "\"abc\"";
    headers["x-ratelimit-remaining"] = "0";
    EXPECT_EQ(headers.count("etag"), 1u);
    EXPECT_EQ(headers["X-RateLimit-Remaining"], "0");
    headers["ETAG"] = "\"def\"";
    EXPECT_EQ(headers.size(), 2u);  // same header, replaced
    EXPECT_EQ(headers["etag"], "\"def\"");
}

TEST(SplitUrl, PiecesOfAnAbsoluteUrl) {
    UrlParts parts = split_url("http://127.0.0.1:4566/repos/a/b/commits?sha=main&per_page=30");
    EXPECT_EQ(parts.scheme, "http");
    EXPECT_EQ(parts.host, "127.0.0.1");
    EXPECT_EQ(parts.port, 4566);
    EXPECT_EQ(parts.path, "/repos/a/b/commits");
    EXPECT_EQ(parts.query, "sha=main&per_page=30");
}

TEST(SplitUrl, DefaultPortAndRootPath) {
    UrlParts parts = split_url("https://ecs.eu-west-1.amazonaws.com");
    EXPECT_EQ(parts.scheme, "https");
    EXPECT_EQ(parts.host, "ecs.eu-west-1.amazonaws.com");
    EXPECT_EQ(parts.port, 443);
    EXPECT_EQ(parts.path, "/");
    EXPECT_EQ(parts.query, "");
}

TEST(SplitUrl, GarbageGivesEmptyParts) {
    UrlParts parts = split_url("not a url");
    EXPECT_EQ(parts.host, "");
    EXPECT_EQ(parts.scheme, "");
}

TEST(UrlEncode, KeepsUnreservedEscapesTheRest) {
    EXPECT_EQ(url_encode("AZaz09-._~"), "AZaz09-._~");
    EXPECT_EQ(url_encode("a b/c:d=e&f+g"), "a%20b%2Fc%3Ad%3De%26f%2Bg");
    EXPECT_EQ(url_encode(""), "");
}

TEST(UrlDecode, PlusIsSpaceButEncodedPlusIsPlus) {
    EXPECT_EQ(url_decode("a+b%20c%2Bd"), "a b c+d");
    EXPECT_EQ(url_decode(url_encode("arn:aws:ecs:eu-west-1:1:service/prod/x y")), "arn:aws:ecs:eu-west-1:1:service/prod/x y");
}

TEST(ParseForm, QueryProtocolBody) {
    auto form = parse_form("Action=DescribeTargetGroups&Version=2015-12-01&Names.member.1=p2p-tg&Empty=&Flag");
    EXPECT_EQ(form["Action"], "DescribeTargetGroups");
    EXPECT_EQ(form["Version"], "2015-12-01");
    EXPECT_EQ(form["Names.member.1"], "p2p-tg");
    EXPECT_EQ(form.count("Empty"), 1u);
    EXPECT_EQ(form["Flag"], "");
    EXPECT_EQ(parse_form("a=x%20y&b=1+2")["a"], "x y");
    EXPECT_EQ(parse_form("a=x%20y&b=1+2")["b"], "1 2");
}

TEST(Endpoints, DefaultHostsPerService) {
    aws::Endpoints endpoints("eu-west-1");
    EXPECT_EQ(endpoints.base_url(aws::ServiceId::ecs), "https://ecs.eu-west-1.amazonaws.com");
    EXPECT_EQ(endpoints.base_url(aws::ServiceId::ecr), "https://api.ecr.eu-west-1.amazonaws.com");
    EXPECT_EQ(endpoints.base_url(aws::ServiceId::elbv2), "https://elasticloadbalancing.eu-west-1.amazonaws.com");
    EXPECT_EQ(endpoints.base_url(aws::ServiceId::logs), "https://logs.eu-west-1.amazonaws.com");
    EXPECT_STREQ(aws::info(aws::ServiceId::ecr).signing_name, "ecr");
    EXPECT_STREQ(aws::info(aws::ServiceId::elbv2).env_suffix, "ELASTIC_LOAD_BALANCING_V2");
    EXPECT_STREQ(aws::info(aws::ServiceId::logs).env_suffix, "CLOUDWATCH_LOGS");
    EXPECT_STREQ(aws::info(aws::ServiceId::secretsmanager).env_suffix, "SECRETS_MANAGER");
}

TEST(Endpoints, OverrideBeatsAllBeatsDefault) {
    aws::Endpoints endpoints("us-east-1");
    endpoints.set_all("http://127.0.0.1:4566/");
    endpoints.set_override(aws::ServiceId::ecr, "http://127.0.0.1:5000");
    EXPECT_EQ(endpoints.base_url(aws::ServiceId::ecr), "http://127.0.0.1:5000");
    EXPECT_EQ(endpoints.base_url(aws::ServiceId::ecs), "http://127.0.0.1:4566");  // trailing '/' dropped
}

TEST(Digest, Sha256OfKnownInput) {
    EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, Base64PaddingAndWhitespace) {
    EXPECT_EQ(base64_decode("TWFu").value(), "Man");
    EXPECT_EQ(base64_decode("TWE=").value(), "Ma");
    EXPECT_EQ(base64_decode("TQ==").value(), "M");
    EXPECT_EQ(base64_decode("TQ").value(), "M");  // padding left off
    EXPECT_EQ(base64_decode("IyEvYmluL2Jh\nc2gK").value(), "#!/bin/bash\n");
    EXPECT_EQ(base64_decode("").value(), "");
    EXPECT_FALSE(base64_decode("not*base64!").has_value());
}

// ---- version endpoint ---------------------------------------------------------------------------

const TimePoint kNow = from_epoch_seconds(1749746400);

TEST(VersionClient, JsonPointerPicksTheMember) {
    ScriptedTransport transport;
    transport.push(200, R"({"status":"ok","build":{"sha":"194af44e2b1c","number":42}})");
    auto obs = fetch_version(transport, "https://p2p.example.com/version", "/build/sha", kNow);
    EXPECT_EQ(obs.reported, "194af44e2b1c");
    EXPECT_EQ(obs.error, "");
    EXPECT_EQ(obs.http_status, 200);
    EXPECT_EQ(obs.time, kNow);
    EXPECT_EQ(obs.url, "https://p2p.example.com/version");
    ASSERT_EQ(transport.requests.size(), 1u);
    EXPECT_EQ(transport.requests[0].method, "GET");
    EXPECT_EQ(transport.requests[0].url, "https://p2p.example.com/version");
}

TEST(VersionClient, JsonPointerToANumberIsDumped) {
    ScriptedTransport transport;
    transport.push(200, R"({"build":{"number":42}})");
    EXPECT_EQ(fetch_version(transport, "http://x/v", "/build/number", kNow).reported, "42");
}

TEST(VersionClient, MissingMemberIsAnError) {
    ScriptedTransport transport;
    transport.push(200, R"({"build":{}})");
    auto obs = fetch_version(transport, "http://x/v", "/build/sha", kNow);
    EXPECT_EQ(obs.reported, "");
    EXPECT_NE(obs.error, "");
}

TEST(VersionClient, MalformedPointerIsAnErrorNotAThrow) {
    ScriptedTransport transport;
    transport.push(200, R"({"a":1})");
    auto obs = fetch_version(transport, "http://x/v", "no-leading-slash", kNow);
    EXPECT_NE(obs.error, "");
}

TEST(VersionClient, WithoutPointerFindsTheHexRun) {
    ScriptedTransport transport;
    transport.push(200, "streamr-p2p version 1.4.2 (commit 194af44e, built 2025-06-12)\n");
    EXPECT_EQ(fetch_version(transport, "http://x/v", "", kNow).reported, "194af44e");
}

TEST(VersionClient, ShortBodyIsTheVersion) {
    ScriptedTransport transport;
    transport.push(200, "  v1.4.2\n");
    auto obs = fetch_version(transport, "http://x/v", "", kNow);
    EXPECT_EQ(obs.reported, "v1.4.2");
    EXPECT_EQ(obs.error, "");
}

TEST(VersionClient, LongBodyWithoutHexIsAnError) {
    ScriptedTransport transport;
    transport.push(200, "<html><body>Welcome to the service, nothing to see here at all really</body></html>");
    auto obs = fetch_version(transport, "http://x/v", "", kNow);
    EXPECT_EQ(obs.reported, "");
    EXPECT_NE(obs.error, "");
}

TEST(VersionClient, HttpAndTransportFailures) {
    ScriptedTransport transport;
    transport.push(503, "Service Unavailable");
    auto obs = fetch_version(transport, "http://x/v", "", kNow);
    EXPECT_EQ(obs.http_status, 503);
    EXPECT_EQ(obs.error, "HTTP 503");
    EXPECT_EQ(obs.reported, "");

    HttpResponse refused;
    refused.error = "connection refused";
    transport.push(refused);
    obs = fetch_version(transport, "http://x/v", "", kNow);
    EXPECT_EQ(obs.http_status, 0);
    EXPECT_EQ(obs.error, "connection refused");
}

}  // namespace
}  // namespace shipwatch

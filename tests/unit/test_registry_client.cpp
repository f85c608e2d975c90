// The OCI distribution client: the manifest HEAD, the bearer-token flow, Docker config
// credentials and where they may go, redirects, and errors that name their registry.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "scripted_transport.hpp"
#include "sources/aws/clients.hpp"
#include "sources/oci/registry_client.hpp"

using namespace shipwatch;
using namespace shipwatch::testing;

namespace {

const std::string kDigest = "sha256:" + std::string(64, 'b');
const std::string kChallenge =
    R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull")";

oci::RegistryTarget hub(std::string basic = "") {
    oci::RegistryTarget t;
    t.registry = classify_registry("docker.io");
    t.base_url = oci::default_base_url(t.registry);
    t.credential.basic = std::move(basic);
    return t;
}

std::string header(const HttpRequest& r, const char* name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? "" : it->second;
}

}  // namespace

TEST(RegistryClient, HeadsTheManifestForEveryManifestType) {
    ScriptedTransport t;
    t.push(200, "", {{"Docker-Content-Digest", kDigest}});
    auto images = oci::RegistryClient(t, hub()).image_of("library/nginx", "1.27");
    ASSERT_TRUE(images) << images.error().message;
    ASSERT_EQ(images->size(), 1u);
    const Image& img = images->front();
    EXPECT_EQ(img.digest, kDigest);
    EXPECT_EQ(img.tags, std::vector<std::string>{"1.27"});
    EXPECT_FALSE(img.push_time_known);  // the distribution API tells no push time
    ASSERT_EQ(t.requests.size(), 1u);
    EXPECT_EQ(t.requests[0].method, "HEAD");
    EXPECT_EQ(t.requests[0].url, "https://registry-1.docker.io/v2/library/nginx/manifests/1.27");
    for (const char* type : {"application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
                             "application/vnd.docker.distribution.manifest.list.v2+json",
                             "application/vnd.docker.distribution.manifest.v2+json"})
        EXPECT_NE(header(t.requests[0], "Accept").find(type), std::string::npos) << type;
    EXPECT_EQ(header(t.requests[0], "Authorization"), "");
}

TEST(RegistryClient, FollowsTheBearerChallengeForAnAnonymousToken) {
    ScriptedTransport t;
    t.push(401, R"({"errors":[{"code":"UNAUTHORIZED"}]})", {{"WWW-Authenticate", kChallenge}});
    t.push(200, R"({"token":"anon-token-1"})");
    t.push(200, "", {{"Docker-Content-Digest", kDigest}});
    auto images = oci::RegistryClient(t, hub()).image_of("library/nginx", "1.27");
    ASSERT_TRUE(images) << images.error().message;
    EXPECT_EQ(images->front().digest, kDigest);
    ASSERT_EQ(t.requests.size(), 3u);
    EXPECT_EQ(t.requests[1].method, "GET");
    EXPECT_EQ(t.requests[1].url,
              "https://auth.docker.io/token?scope=repository%3Alibrary%2Fnginx%3Apull&service=registry.docker.io");
    EXPECT_EQ(header(t.requests[1], "Authorization"), "");  // anonymous: nothing to send
    EXPECT_EQ(header(t.requests[2], "Authorization"), "Bearer anon-token-1");
}

TEST(RegistryClient, AcceptsAccessTokenAndBuildsTheScopeWhenTheChallengeHasNone) {
    ScriptedTransport t;
    t.push(401, "", {{"WWW-Authenticate", R"(Bearer realm="https://ghcr.io/token",service="ghcr.io")"}});
    t.push(200, R"({"access_token":"tok"})");
    t.push(200, "", {{"Docker-Content-Digest", kDigest}});
    oci::RegistryTarget target{classify_registry("ghcr.io"), "https://ghcr.io", {}};
    auto images = oci::RegistryClient(t, target).image_of("acme/api", "v1");
    ASSERT_TRUE(images) << images.error().message;
    EXPECT_NE(t.requests[1].url.find("scope=repository%3Aacme%2Fapi%3Apull"), std::string::npos);
}

TEST(RegistryClient, A401WithTheTokenIsRefusedOnceNotLooped) {
    ScriptedTransport t;
    t.push(401, "", {{"WWW-Authenticate", kChallenge}});
    t.push(200, R"({"token":"anon"})");
    t.push(401, "", {{"WWW-Authenticate", kChallenge}});
    auto images = oci::RegistryClient(t, hub()).image_of("library/private", "1");
    ASSERT_FALSE(images);
    EXPECT_EQ(t.requests.size(), 3u);
    EXPECT_NE(images.error().message.find("cannot read registry docker.io: access to library/private refused"),
              std::string::npos)
        << images.error().message;
    EXPECT_EQ(images.error().message.find("anon"), std::string::npos);  // never the token
}

TEST(RegistryClient, CredentialsGoToTheTokenRealmOnlyOverTls) {
    ScriptedTransport t;
    t.push(401, "", {{"WWW-Authenticate", kChallenge}});
    t.push(200, R"({"token":"user-token"})");
    t.push(200, "", {{"Docker-Content-Digest", kDigest}});
    auto images = oci::RegistryClient(t, hub("dXNlcjpwYXNz")).image_of("library/nginx", "1");
    ASSERT_TRUE(images) << images.error().message;
    EXPECT_EQ(header(t.requests[0], "Authorization"), "");  // never on the first, anonymous try
    EXPECT_EQ(header(t.requests[1], "Authorization"), "Basic dXNlcjpwYXNz");
    EXPECT_EQ(header(t.requests[2], "Authorization"), "Bearer user-token");

    ScriptedTransport plain;
    plain.push(401, "", {{"WWW-Authenticate", R"(Bearer realm="http://auth.example.com/token")"}});
    plain.push(200, R"({"token":"t"})");
    plain.push(200, "", {{"Docker-Content-Digest", kDigest}});
    oci::RegistryTarget target{classify_registry("registry.example.com"), "https://registry.example.com", {"dXNlcjpwYXNz", ""}};
    ASSERT_TRUE(oci::RegistryClient(plain, target).image_of("app", "1"));
    EXPECT_EQ(header(plain.requests[1], "Authorization"), "");  // not in clear text to another host
}

TEST(RegistryClient, ARedirectToAnotherHostDropsTheAuthorization) {
    ScriptedTransport t;
    t.push(401, "", {{"WWW-Authenticate", kChallenge}});
    t.push(200, R"({"token":"tok"})");
    t.push(307, "", {{"Location", "https://cdn.example.net/v2/library/nginx/manifests/1"}});
    t.push(200, "", {{"Docker-Content-Digest", kDigest}});
    auto images = oci::RegistryClient(t, hub()).image_of("library/nginx", "1");
    ASSERT_TRUE(images) << images.error().message;
    ASSERT_EQ(t.requests.size(), 4u);
    EXPECT_EQ(t.requests[3].url, "https://cdn.example.net/v2/library/nginx/manifests/1");
    EXPECT_EQ(header(t.requests[3], "Authorization"), "");
}

TEST(RegistryClient, WithoutTheDigestHeaderTheManifestBytesAreHashed) {
    ScriptedTransport t;
    t.push(200, "");
    t.push(200, "{}");
    auto images = oci::RegistryClient(t, hub()).image_of("library/nginx", "1");
    ASSERT_TRUE(images) << images.error().message;
    // sha256("{}")
    EXPECT_EQ(images->front().digest, "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    EXPECT_EQ(t.requests[1].method, "GET");

    ScriptedTransport nothing;
    nothing.push(200, "");
    nothing.push(500, "");
    auto failed = oci::RegistryClient(nothing, hub()).image_of("library/nginx", "1");
    ASSERT_FALSE(failed);
    EXPECT_NE(failed.error().message.find("no Docker-Content-Digest header"), std::string::npos);
}

TEST(RegistryClient, ErrorsNameTheirRegistryAndNoOther) {
    ScriptedTransport t;
    t.push(401, "");  // no challenge
    auto no_challenge = oci::RegistryClient(t, hub()).image_of("library/nginx", "1");
    ASSERT_FALSE(no_challenge);
    EXPECT_EQ(no_challenge.error().message, "cannot read registry docker.io: HTTP 401 without a WWW-Authenticate challenge");

    ScriptedTransport down;
    down.push(503, R"({"errors":[{"code":"UNAVAILABLE","message":"try later"}]})");
    auto unavailable = oci::RegistryClient(down, hub()).image_of("library/nginx", "1");
    ASSERT_FALSE(unavailable);
    EXPECT_EQ(unavailable.error().message.rfind("cannot read registry docker.io: HTTP 503", 0), 0u)
        << unavailable.error().message;
    EXPECT_TRUE(unavailable.error().retryable);
    EXPECT_EQ(unavailable.error().message.find("ECR"), std::string::npos);

    ScriptedTransport missing;
    missing.push(404, R"({"errors":[{"code":"MANIFEST_UNKNOWN"}]})");
    auto none = oci::RegistryClient(missing, hub()).image_of("library/nginx", "nope");
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());  // no such tag: an absent image, not an error
}

TEST(RegistryClient, ACredentialHelperIsNamedNotRun) {
    ScriptedTransport t;
    oci::RegistryTarget target = hub();
    target.credential.helper = "desktop";
    auto images = oci::RegistryClient(t, target).image_of("library/nginx", "1");
    ASSERT_FALSE(images);
    EXPECT_EQ(images.error().message,
              "cannot read registry docker.io: needs credential helper docker-credential-desktop (not supported)");
    EXPECT_TRUE(t.requests.empty());
}

TEST(DockerConfig, FindsAuthsByHostAndHelpers) {
    auto config = oci::DockerConfig::parse(R"({
        "auths": {"https://index.docker.io/v1/": {"auth": "aHViOnB3"}, "ghcr.io": {"auth": "Z2g6cHc="}},
        "credHelpers": {"123456789012.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login"},
        "credsStore": "desktop"})", "config.json");
    ASSERT_TRUE(config);
    EXPECT_EQ(config->for_host("docker.io").basic, "aHViOnB3");
    EXPECT_EQ(config->for_host("ghcr.io").basic, "Z2g6cHc=");
    EXPECT_EQ(config->for_host("123456789012.dkr.ecr.eu-west-1.amazonaws.com").helper, "ecr-login");
    EXPECT_EQ(config->for_host("quay.io").helper, "desktop");
    EXPECT_EQ(config->for_host("quay.io").basic, "");
    auto bad = oci::DockerConfig::parse("[", "/home/u/.docker/config.json");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("/home/u/.docker/config.json"), std::string::npos);
}

TEST(EcrAnotherAccount, SendsRegistryIdToTheHostsRegionAndNamesAllThreeInErrors) {
    ScriptedTransport t;
    t.push(200, R"({"imageDetails":[{"registryId":"210987654321","repositoryName":"shared/app",
        "imageDigest":"sha256:1111111111111111111111111111111111111111111111111111111111111111",
        "imagePushedAt":1718200000,"imageTags":["v1"]}]})");
    aws::AwsContext pipeline{&t, "us-west-2", aws::Endpoints("us-west-2")};
    aws::AwsContext there = pipeline.in_region("eu-west-1");
    auto images = aws::EcrClient(there).recent_images("shared/app", 200, "210987654321");
    ASSERT_TRUE(images) << images.error().message;
    EXPECT_EQ(images->front().registry, "210987654321.dkr.ecr.eu-west-1.amazonaws.com");
    ASSERT_EQ(t.requests.size(), 1u);
    EXPECT_EQ(t.requests[0].url, "https://api.ecr.eu-west-1.amazonaws.com/");
    EXPECT_EQ(t.requests[0].aws_region, "eu-west-1");
    auto body = nlohmann::json::parse(t.requests[0].body);
    EXPECT_EQ(body["registryId"], "210987654321");

    // A FIPS registry host is asked at the FIPS API host; an override (a simulator) still wins.
    EXPECT_EQ(pipeline.in_region("us-gov-west-1", true).endpoints.base_url(aws::ServiceId::ecr),
              "https://ecr-fips.us-gov-west-1.amazonaws.com");
    EXPECT_EQ(pipeline.in_region("us-gov-west-1", true).endpoints.base_url(aws::ServiceId::ecs),
              "https://ecs.us-gov-west-1.amazonaws.com");
    aws::Endpoints sim("us-west-2");
    sim.set_all("http://127.0.0.1:4566");
    EXPECT_EQ(sim.with_region("eu-west-1", true).base_url(aws::ServiceId::ecr), "http://127.0.0.1:4566");

    ScriptedTransport refused;
    refused.push(400, R"({"__type":"RepositoryNotFoundException","message":"The repository with name 'shared/app' does not exist"})",
                 {{"Content-Type", "application/x-amz-json-1.1"}});
    auto failed = aws::EcrClient(aws::AwsContext{&refused, "eu-west-1", aws::Endpoints("eu-west-1")})
                      .recent_images("shared/app", 200, "210987654321");
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().context.resource, "registry 210987654321, repository shared/app") << failed.error().context.resource;
    EXPECT_EQ(failed.error().context.region, "eu-west-1");
    EXPECT_EQ(failed.error().context.call, "ecr:DescribeImages");
}

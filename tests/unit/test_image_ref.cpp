// Image references as the distribution grammar reads them, and the registry each one names.
#include <gtest/gtest.h>

#include "model/image_ref.hpp"

using namespace shipwatch;

namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

struct Valid {
    std::string text;
    std::string domain;
    std::string path;
    std::string tag;
    std::string digest;
    RegistryKind kind;
};

const Valid kValid[] = {
    {"nginx", "docker.io", "library/nginx", "latest", "", RegistryKind::docker_hub},
    {"nginx:1.27-alpine", "docker.io", "library/nginx", "1.27-alpine", "", RegistryKind::docker_hub},
    {"bitnami/redis:7.2", "docker.io", "bitnami/redis", "7.2", "", RegistryKind::docker_hub},
    {"docker.io/library/nginx:1.27", "docker.io", "library/nginx", "1.27", "", RegistryKind::docker_hub},
    {"docker.io/nginx", "docker.io", "library/nginx", "latest", "", RegistryKind::docker_hub},
    {"index.docker.io/grafana/grafana:11.0.0", "docker.io", "grafana/grafana", "11.0.0", "", RegistryKind::docker_hub},
    {"ghcr.io/acme/api:sha-4f35409", "ghcr.io", "acme/api", "sha-4f35409", "", RegistryKind::ghcr},
    {"ghcr.io/acme/team/api/worker:v1", "ghcr.io", "acme/team/api/worker", "v1", "", RegistryKind::ghcr},
    {"public.ecr.aws/nginx/nginx:stable", "public.ecr.aws", "nginx/nginx", "stable", "", RegistryKind::ecr_public},
    {"public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0", "public.ecr.aws",
     "aws-observability/aws-otel-collector", "v0.40.0", "", RegistryKind::ecr_public},
    {"123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:4f35409", "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
     "team/app", "4f35409", "", RegistryKind::ecr},
    {"localhost:5000/app", "localhost:5000", "app", "latest", "", RegistryKind::oci},
    {"localhost/app:dev", "localhost", "app", "dev", "", RegistryKind::oci},
    {"registry.example.com:8443/ops/app_worker__v2:rc-1", "registry.example.com:8443", "ops/app_worker__v2", "rc-1", "",
     RegistryKind::oci},
    {"quay.io/prometheus/node-exporter:v1.8.1", "quay.io", "prometheus/node-exporter", "v1.8.1", "", RegistryKind::oci},
    {"10.0.0.5:5000/a---b/c.d:_x", "10.0.0.5:5000", "a---b/c.d", "_x", "", RegistryKind::oci},
    {"[::1]:5000/app:1", "[::1]:5000", "app", "1", "", RegistryKind::oci},
    {"nginx@" + kDigest, "docker.io", "library/nginx", "", kDigest, RegistryKind::docker_hub},
    {"ghcr.io/acme/api:v1@" + kDigest, "ghcr.io", "acme/api", "v1", kDigest, RegistryKind::ghcr},
    {"Registry.Example.com/app", "Registry.Example.com", "app", "latest", "", RegistryKind::oci},
};

}  // namespace

TEST(ImageRefGrammar, ReadsRealWorldForms) {
    for (const auto& v : kValid) {
        SCOPED_TRACE(v.text);
        ImageRef r = parse_image_ref(v.text);
        EXPECT_TRUE(r.valid()) << r.error;
        EXPECT_EQ(r.domain, v.domain);
        EXPECT_EQ(r.path, v.path);
        EXPECT_EQ(r.tag, v.tag);
        EXPECT_EQ(r.digest, v.digest);
        EXPECT_EQ(r.where().kind, v.kind);
    }
}

TEST(ImageRefGrammar, KeepsThePiecesAsWritten) {
    ImageRef hub = parse_image_ref("nginx:1.27");
    EXPECT_EQ(hub.registry, "");  // implicit: callers compare the repository as the task definition writes it
    EXPECT_EQ(hub.repository, "nginx");
    EXPECT_TRUE(hub.tag_written);
    ImageRef bare = parse_image_ref("nginx");
    EXPECT_FALSE(bare.tag_written);
    EXPECT_EQ(bare.tag, "latest");
}

TEST(ImageRefGrammar, RefusesInvalidReferencesWithAReason) {
    struct Invalid {
        std::string text;
        std::string why;
    };
    const Invalid kInvalid[] = {
        {"", "empty"},
        {"Nginx", "must be lowercase"},
        {"acme/App:1", "must be lowercase"},
        {"nginx:", "empty tag"},
        {"nginx:-dev", "must start with"},
        {"nginx:" + std::string(129, 'a'), "longer than 128"},
        {"nginx@sha256:abc", "64 lower-case hex"},
        {"nginx@sha256:" + std::string(64, 'A'), "64 lower-case hex"},
        {"nginx@", "algorithm:hex"},
        {"nginx@@" + kDigest, "more than one '@'"},
        {"ghcr.io//app", "empty path component"},
        {"/app", "empty path component"},
        {"app/", "empty path component"},
        {"a..b", "invalid separator"},
        {"-app", "start and end"},
        {"ex_ample.com/app", "not a valid host name"},
        {"example.com:port/app", "not a number"},
        {"ghcr.io/", "no repository name"},
        {"ngi nx", "space"},
        {"nginx\x1b[31m", "control character"},
        {std::string(250, 'a') + "/" + std::string(10, 'b'), "longer than 255"},
    };
    for (const auto& c : kInvalid) {
        SCOPED_TRACE(c.text);
        ImageRef r = parse_image_ref(c.text);
        EXPECT_FALSE(r.valid());
        EXPECT_NE(r.error.find("cannot parse image reference"), std::string::npos) << r.error;
        EXPECT_NE(r.error.find(c.why), std::string::npos) << r.error;
    }
}

TEST(RegistryClassification, ReadsAccountRegionAndPartitionOfPrivateEcr) {
    struct Case {
        std::string host;
        std::string account;
        std::string region;
        bool fips;
    };
    const Case kEcr[] = {
        {"123456789012.dkr.ecr.eu-west-1.amazonaws.com", "123456789012", "eu-west-1", false},
        {"210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn", "210987654321", "cn-north-1", false},
        {"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "123456789012", "us-gov-west-1", true},
        {"123456789012.dkr-ecr.ap-south-2.on.aws", "123456789012", "ap-south-2", false},
        {"123456789012.DKR.ECR.us-east-1.AMAZONAWS.COM", "123456789012", "us-east-1", false},
    };
    for (const auto& c : kEcr) {
        SCOPED_TRACE(c.host);
        Registry r = classify_registry(c.host);
        EXPECT_EQ(r.kind, RegistryKind::ecr);
        EXPECT_EQ(r.account, c.account);
        EXPECT_EQ(r.region, c.region);
        EXPECT_EQ(r.fips, c.fips);
    }
    // Look-alikes are other registries, never an ECR account.
    for (const char* other : {"12345678901.dkr.ecr.eu-west-1.amazonaws.com", "123456789012.dkr.ecr.eu-west-1.example.com",
                              "123456789012.dkr.ecr.amazonaws.com", "ecr.eu-west-1.amazonaws.com"}) {
        SCOPED_TRACE(other);
        EXPECT_EQ(classify_registry(other).kind, RegistryKind::oci);
    }
}

TEST(RegistryClassification, DockerHubIsAskedAtItsApiHost) {
    EXPECT_EQ(classify_registry("docker.io").api_host(), "registry-1.docker.io");
    EXPECT_EQ(classify_registry("index.docker.io").host, "docker.io");
    EXPECT_EQ(classify_registry("ghcr.io").api_host(), "ghcr.io");
    EXPECT_EQ(to_string(RegistryKind::ecr_public), "ecr-public");
}

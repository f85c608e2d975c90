// Container image references and the registry they live in. The grammar is the distribution
// project's (github.com/distribution/reference, reference.go): [domain/]path[:tag][@digest],
// with Docker Hub's implicit `docker.io` and `library/`.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "model/enum_table.hpp"

namespace shipwatch {

// Which API can tell the digest of a tag, and how it is addressed.
enum class RegistryKind { ecr, ecr_public, docker_hub, ghcr, oci };

struct RegistryKindInfo {
    RegistryKind kind;
    std::string_view id;  // in JSON and logs: "ecr-public"
    std::string_view label;  // in sentences: "ECR Public"
};

inline constexpr std::array<RegistryKindInfo, 5> kRegistryKinds{{
    {RegistryKind::ecr, "ecr", "Amazon ECR"},
    {RegistryKind::ecr_public, "ecr-public", "ECR Public"},
    {RegistryKind::docker_hub, "docker-hub", "Docker Hub"},
    {RegistryKind::ghcr, "ghcr", "GitHub Container Registry"},
    {RegistryKind::oci, "oci", "OCI registry"},
}};
static_assert(rows_in_enum_order(kRegistryKinds, [](const RegistryKindInfo& r) { return r.kind; }));
static_assert(kRegistryKinds.size() == static_cast<size_t>(RegistryKind::oci) + 1, "a RegistryKind without a row");

std::string_view to_string(RegistryKind kind);

// A registry host, classified. Private ECR hosts carry their account and region:
// <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn], and the dual-stack
// <account>.dkr-ecr[-fips].<region>.on.aws.
struct Registry {
    RegistryKind kind = RegistryKind::oci;
    std::string host;  // canonical: "docker.io", "ghcr.io", "localhost:5000"
    std::string account;  // ECR: the 12-digit registry id
    std::string region;  // ECR: "eu-west-1"
    bool fips = false;  // ECR: a FIPS endpoint
    // The host the distribution API answers on (Docker Hub's is not docker.io).
    std::string api_host() const;
};
Registry classify_registry(std::string_view host);

// A parsed container image reference. `registry` and `repository` are as written (`registry`
// empty when implicit); `domain` and `path` are canonical ("docker.io", "library/nginx").
struct ImageRef {
    std::string registry;
    std::string repository;
    std::string tag;  // "latest" when neither a tag nor a digest is written
    std::string digest;  // "sha256:<64 hex>"
    std::string text;  // as written
    std::string domain;
    std::string path;
    bool tag_written = false;
    // Not empty when the text is not a valid reference: "cannot parse image reference \"X\": why".
    // The members above are then filled leniently, so callers that only compare still work.
    std::string error;
    bool valid() const { return error.empty(); }
    Registry where() const { return classify_registry(domain); }
};
ImageRef parse_image_ref(const std::string& text);

}  // namespace shipwatch

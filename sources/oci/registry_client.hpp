// Any OCI / Docker registry through the distribution API (distribution-spec, "Pulling
// manifests"): Docker Hub, GHCR, ECR Public, quay.io, a registry of one's own. One HEAD of the
// tag's manifest tells its digest (`Docker-Content-Digest`); the registry tells no push time.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "http/transport.hpp"
#include "model/types.hpp"

namespace shipwatch::oci {

// What ~/.docker/config.json says for one registry host. Only `auths.<host>.auth` is used;
// a credential helper is named, never run.
struct DockerCredential {
    std::string basic;  // base64 "user:password", sent only to that registry and its token realm
    std::string helper;  // "ecr-login" from credHelpers/credsStore: needs docker-credential-<helper>
};

// The `auths`, `credHelpers` and `credsStore` of a Docker config file, by registry host.
class DockerConfig {
public:
    // $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json. A missing file is no
    // credentials; an unreadable one is an error naming the file.
    static Result<DockerConfig> load(const std::optional<std::string>& docker_config_dir,
                                     const std::optional<std::string>& home);
    static Result<DockerConfig> parse(const std::string& text, const std::string& file);
    // The entry for a registry host ("docker.io" also finds Docker's "https://index.docker.io/v1/").
    DockerCredential for_host(const std::string& host) const;

private:
    std::map<std::string, std::string> auths_;  // host -> base64 user:password
    std::map<std::string, std::string> helpers_;  // host -> helper
    std::string store_;  // credsStore: the helper for every host without its own
};

// The reading of a registry's error answer: a 401 with a challenge is the first step of the
// token flow (the source works), 404 a missing tag, 429 and 5xx retryable, 403 broken.
AnswerReading read_registry_answer(const HttpResponse& response);

struct RegistryTarget {
    Registry registry;  // host and kind, as the image reference names them
    std::string base_url;  // "https://ghcr.io", or the configured endpoint (a mirror, the simulator)
    DockerCredential credential;
};
// https://<api host>, unless the config names an endpoint for the registry.
std::string default_base_url(const Registry& registry);

// What a process knows about reaching registries: endpoint overrides from the config and the
// Docker config's credentials (its load error, when the file is unreadable, stands for every
// registry that would need it).
struct RegistryAccess {
    std::map<std::string, std::string> endpoints;  // registry host -> base URL
    DockerConfig docker;
    std::optional<Error> docker_error;
    RegistryTarget target(const Registry& registry) const;
};

class RegistryClient {
public:
    RegistryClient(Transport& transport, RegistryTarget target) : transport_(transport), target_(std::move(target)) {}
    // The image a tag (or a digest) names: one Image, push time unknown; none when the
    // registry has no such manifest. Any failure reads "cannot read registry <host>: <reason>",
    // its context naming the call ("HEAD /v2/<path>/manifests/<tag>").
    Result<std::vector<Image>> image_of(const std::string& path, const std::string& tag_or_digest) const;

private:
    Result<std::vector<Image>> manifest_of(const std::string& path, const std::string& tag_or_digest) const;

    Transport& transport_;
    RegistryTarget target_;
};

}  // namespace shipwatch::oci

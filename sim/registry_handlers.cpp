// Registries outside private ECR as the distribution API answers (distribution-spec
// "Pulling manifests", and Docker's token authentication): the scenario's
// world.registries.<host>.repositories.<path>.tags maps each tag to its digest.
//   HEAD/GET /v2/<path>/manifests/<tag or digest>  -> 200 Docker-Content-Digest, 401 + challenge, 404
//   GET      /token?scope=repository:<path>:pull   -> {"token": ...}; for a private repository
//            the token grants the pull only with `Authorization: Basic <world.registries.<host>.auth>`
#include <fmt/format.h>

#include "sim/handlers.hpp"

namespace shipwatch::sim::detail {
namespace {

HttpResponse answer(int status, const json& body = json(), Headers headers = {}) {
    HttpResponse r;
    r.status = status;
    r.headers = std::move(headers);
    if (!body.is_null()) {
        r.headers["Content-Type"] = "application/json";
        r.body = body.dump();
    }
    return r;
}

json oci_errors(std::string_view code, std::string_view message) {
    return {{"errors", json::array({{{"code", code}, {"message", message}}})}};
}

std::string header(const HttpRequest& request, const char* name) {
    auto it = request.headers.find(name);
    return it == request.headers.end() ? std::string() : it->second;
}

// The token a pull of `path` carries: tied to the repository, as real registries scope theirs.
std::string token_for(const std::string& path) { return "sim-pull-token:" + path; }

HttpResponse token(const json& registry, const UrlParts& url, const HttpRequest& request) {
    auto form = parse_form(url.query);
    const std::string scope = form["scope"];  // repository:<path>:pull
    const std::string prefix = "repository:";
    size_t last = scope.rfind(':');
    if (scope.rfind(prefix, 0) != 0 || last == std::string::npos || last <= prefix.size())
        return answer(400, oci_errors("DENIED", "scope must be repository:<name>:pull"));
    const std::string path = scope.substr(prefix.size(), last - prefix.size());
    const json& repo = child(child(registry, "repositories"), path.c_str());
    const std::string auth = registry.value("auth", "");
    bool authenticated = !auth.empty() && header(request, "Authorization") == "Basic " + auth;
    // As Docker Hub does, a token is always given; for a private repository without credentials it
    // grants nothing, and the manifest request is refused with it.
    bool granted = !repo.value("private", false) || authenticated;
    return answer(200, {{"token", granted ? token_for(path) : "sim-anonymous-token"}, {"expires_in", 300}});
}

HttpResponse manifest(const std::string& host, const json& registry, const UrlParts& url, const HttpRequest& request) {
    // /v2/<path>/manifests/<reference>
    const std::string rest = url.path.substr(4);
    size_t at = rest.rfind("/manifests/");
    if (at == std::string::npos) return answer(404, oci_errors("NAME_UNKNOWN", "unknown route"));
    const std::string path = rest.substr(0, at);
    const std::string reference = rest.substr(at + 11);
    if (header(request, "Authorization") != "Bearer " + token_for(path)) {
        std::string origin = url.scheme + "://" + url.host + (url.port ? fmt::format(":{}", url.port) : "");
        return answer(401, request.method == "HEAD" ? json() : oci_errors("UNAUTHORIZED", "authentication required"),
                      {{"WWW-Authenticate", fmt::format(R"(Bearer realm="{}/token",service="{}",scope="repository:{}:pull")",
                                                        origin, host, path)}});
    }
    const json& repos = child(registry, "repositories");
    auto repo = repos.find(path);
    if (repo == repos.end()) return answer(404, request.method == "HEAD" ? json() : oci_errors("NAME_UNKNOWN", "repository name not known to registry"));
    std::string digest;
    for (const auto& [tag, d] : child(*repo, "tags").items())
        if (d.is_string() && (tag == reference || d.get<std::string>() == reference)) digest = d.get<std::string>();
    if (digest.empty())
        return answer(404, request.method == "HEAD" ? json() : oci_errors("MANIFEST_UNKNOWN", "manifest unknown"));
    HttpResponse r;
    r.status = 200;
    r.headers["Content-Type"] = "application/vnd.oci.image.index.v1+json";
    r.headers["Docker-Content-Digest"] = digest;
    if (request.method != "HEAD") r.body = json{{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"}, {"manifests", json::array()}}.dump();
    return r;
}

}  // namespace

const json* registry_for_host(const json& registries, const std::string& host, std::string& name) {
    if (!registries.is_object()) return nullptr;
    for (const auto& [key, registry] : registries.items()) {
        // Docker Hub's images are named docker.io, its API answers at registry-1.docker.io.
        bool hub = key == "docker.io" && host == "registry-1.docker.io";
        if (key == host || hub) {
            name = key;
            return &registry;
        }
    }
    return nullptr;
}

std::optional<HttpResponse> handle_registry(const json& registries, const UrlParts& url, const HttpRequest& request) {
    std::string name;
    const json* registry = registry_for_host(registries, url.host, name);
    if (!registry) return std::nullopt;
    if (url.path == "/token") return token(*registry, url, request);
    if (url.path == "/v2/" || url.path == "/v2") return answer(200, json::object());
    if (url.path.rfind("/v2/", 0) == 0) return manifest(name, *registry, url, request);
    return answer(404, oci_errors("UNSUPPORTED", "not a distribution API route"));
}

}  // namespace shipwatch::sim::detail

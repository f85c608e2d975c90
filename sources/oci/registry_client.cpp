#include "sources/oci/registry_client.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/bounded_read.hpp"
#include "base/digest.hpp"

namespace shipwatch::oci {
namespace {

using nlohmann::json;

// Every manifest form a tag can name: an OCI index or manifest, a Docker manifest list or v2
// manifest. Without them Docker Hub answers with a schema 1 manifest and its digest.
constexpr const char* kManifestTypes =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";
constexpr int kMaxRedirects = 3;

Error registry_error(const std::string& host, const std::string& reason, int status = 0, bool retryable = false) {
    // No code of its own: the message says what failed, the context (image_of) which call.
    return Error{"", fmt::format("cannot read registry {}: {}", host, reason), status, retryable, ErrorKind::http};
}

bool is_loopback(const std::string& host) { return host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]"; }

// key="value" pairs of a WWW-Authenticate challenge; a quoted value may hold commas.
std::map<std::string, std::string> challenge_params(const std::string& header, std::string& scheme) {
    std::map<std::string, std::string> params;
    size_t space = header.find(' ');
    scheme = header.substr(0, space);
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t i = space == std::string::npos ? header.size() : space + 1;
    while (i < header.size()) {
        while (i < header.size() && (header[i] == ' ' || header[i] == ',')) ++i;
        size_t eq = header.find('=', i);
        if (eq == std::string::npos) break;
        std::string key = header.substr(i, eq - i);
        std::string value;
        i = eq + 1;
        if (i < header.size() && header[i] == '"') {
            size_t close = header.find('"', i + 1);
            if (close == std::string::npos) close = header.size();
            value = header.substr(i + 1, close - i - 1);
            i = close + 1;
        } else {
            size_t comma = header.find(',', i);
            if (comma == std::string::npos) comma = header.size();
            value = header.substr(i, comma - i);
            i = comma;
        }
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        params[key] = value;
    }
    return params;
}

std::string header_of(const HttpResponse& response, const char* name) {
    auto it = response.headers.find(name);
    return it == response.headers.end() ? std::string() : it->second;
}

// One request of the flow, following redirects the transport left to us; an Authorization
// header is dropped as soon as the redirect leaves the host it was meant for.
HttpResponse send_following(Transport& transport, HttpRequest request) {
    const std::string host = split_url(request.url).host;
    for (int hop = 0;; ++hop) {
        HttpResponse response = transport.send(request);
        std::string location = header_of(response, "Location");
        if (response.status < 300 || response.status >= 400 || location.empty() || hop == kMaxRedirects) return response;
        if (location.starts_with("/")) {
            UrlParts from = split_url(request.url);
            location = from.scheme + "://" + from.host + (from.port ? ":" + std::to_string(from.port) : "") + location;
        }
        request.url = location;
        if (split_url(location).host != host) request.headers.erase("Authorization");
    }
}

HttpRequest base_request(const std::string& method, const std::string& url, const std::string& host) {
    HttpRequest request;
    request.method = method;
    request.url = url;
    request.headers["User-Agent"] = "shipwatch";
    request.source = "registry " + host;
    request.budget = "registry";
    request.read_answer = &read_registry_answer;
    request.max_answer_bytes = kMaxRegistryAnswerBytes;
    return request;
}

}  // namespace

AnswerReading read_registry_answer(const HttpResponse& response) {
    AnswerReading reading = read_status(response);
    if (response.status == 401 && !header_of(response, "WWW-Authenticate").empty()) reading.source_broken = false;
    if (response.status == 401) reading.description = "HTTP 401: authentication required";
    auto doc = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    // {"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}
    if (doc.is_object() && doc.contains("errors") && doc["errors"].is_array() && !doc["errors"].empty()) {
        const json& first = doc["errors"][0];
        if (first.is_object())
            reading.description += fmt::format(": {} {}", first.value("code", ""), first.value("message", ""));
    }
    return reading;
}

Result<DockerConfig> DockerConfig::parse(const std::string& text, const std::string& file) {
    auto doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object())
        return error_of(ErrorKind::config, "DockerConfig", fmt::format("{}: not a JSON object", file));
    DockerConfig out;
    if (auto auths = doc.find("auths"); auths != doc.end() && auths->is_object())
        for (const auto& [host, entry] : auths->items())
            if (entry.is_object() && entry.contains("auth") && entry["auth"].is_string())
                out.auths_[host] = entry["auth"].get<std::string>();
    if (auto helpers = doc.find("credHelpers"); helpers != doc.end() && helpers->is_object())
        for (const auto& [host, helper] : helpers->items())
            if (helper.is_string()) out.helpers_[host] = helper.get<std::string>();
    if (auto store = doc.find("credsStore"); store != doc.end() && store->is_string()) out.store_ = store->get<std::string>();
    return out;
}

Result<DockerConfig> DockerConfig::load(const std::optional<std::string>& docker_config_dir,
                                        const std::optional<std::string>& home) {
    std::string file;
    if (docker_config_dir && !docker_config_dir->empty()) file = *docker_config_dir + "/config.json";
    else if (home && !home->empty()) file = *home + "/.docker/config.json";
    else return DockerConfig{};
    BoundedRead read = read_bounded(file, 4 << 20, "Docker config");
    if (read.missing) return DockerConfig{};  // no file: no credentials, anonymous access only
    if (!read.problem.empty()) return error_of(ErrorKind::config, "DockerConfig", read.problem);
    return parse(read.text, file);
}

DockerCredential DockerConfig::for_host(const std::string& host) const {
    // Docker writes Docker Hub's entry under its v1 index URL; entries may carry a scheme.
    std::vector<std::string> keys{host, "https://" + host, "http://" + host};
    if (host == "docker.io")
        for (const char* k : {"https://index.docker.io/v1/", "index.docker.io", "registry-1.docker.io"}) keys.push_back(k);
    DockerCredential out;
    for (const auto& key : keys) {
        if (auto it = helpers_.find(key); it != helpers_.end()) return {"", it->second};
        if (auto it = auths_.find(key); it != auths_.end()) return {it->second, ""};
    }
    if (!store_.empty()) out.helper = store_;
    return out;
}

std::string default_base_url(const Registry& registry) { return "https://" + registry.api_host(); }

RegistryTarget RegistryAccess::target(const Registry& registry) const {
    RegistryTarget t{registry, default_base_url(registry), docker.for_host(registry.host)};
    if (auto it = endpoints.find(registry.host); it != endpoints.end()) t.base_url = it->second;
    return t;
}

namespace {

// The anonymous (or, with the registry's credentials, authenticated) bearer token a 401's
// challenge points to. The token is never logged: only its absence is an error.
Result<std::string> fetch_token(Transport& transport, const RegistryTarget& target, const std::string& challenge,
                                const std::string& path) {
    const std::string& host = target.registry.host;
    std::string scheme;
    auto params = challenge_params(challenge, scheme);
    if (scheme != "bearer") return registry_error(host, fmt::format("unsupported authentication scheme \"{}\"", scheme));
    std::string realm = params["realm"];
    if (realm.empty()) return registry_error(host, "the 401 challenge names no token realm");
    std::string scope = params.count("scope") ? params["scope"] : fmt::format("repository:{}:pull", path);
    std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&") + "scope=" + url_encode(scope);
    if (params.count("service")) url += "&service=" + url_encode(params["service"]);
    HttpRequest request = base_request("GET", url, host);
    request.headers["Accept"] = "application/json";
    UrlParts realm_url = split_url(realm);
    // Credentials travel only over TLS (or to a loopback test registry).
    if (!target.credential.basic.empty() && (realm_url.scheme == "https" || is_loopback(realm_url.host)))
        request.headers["Authorization"] = "Basic " + target.credential.basic;
    HttpResponse response = send_following(transport, request);
    if (response.transport_failed())
        return registry_error(host, fmt::format("token service {}: {}", realm_url.host, response.error.empty() ? "no answer" : response.error), 0, true);
    if (response.status != 200)
        return registry_error(host, fmt::format("token service {} answered HTTP {}", realm_url.host, response.status),
                              response.status, response.status >= 500 || response.status == 429);
    auto doc = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    for (const char* key : {"token", "access_token"})
        if (doc.is_object() && doc.contains(key) && doc[key].is_string() && !doc[key].get<std::string>().empty())
            return doc[key].get<std::string>();
    return registry_error(host, fmt::format("token service {} answered without a token", realm_url.host));
}

// A registry that answers without Docker-Content-Digest is read the long way: the digest of a
// manifest is the SHA-256 of its bytes.
Result<std::string> digest_from_body(Transport& transport, HttpRequest request, const std::string& host) {
    request.method = "GET";
    HttpResponse response = send_following(transport, request);
    if (response.status == 200 && !response.body.empty()) return "sha256:" + sha256_hex(response.body);
    return registry_error(host, fmt::format("the manifest answer has no Docker-Content-Digest header (GET: HTTP {})",
                                            response.status), response.status);
}

}  // namespace

Result<std::vector<Image>> RegistryClient::image_of(const std::string& path, const std::string& tag_or_digest) const {
    auto images = manifest_of(path, tag_or_digest);
    if (!images) {
        Error e = images.error();
        e.context.fill_from({fmt::format("HEAD /v2/{}/manifests/{}", path, tag_or_digest), "", "", ""});
        return e;
    }
    return images;
}

Result<std::vector<Image>> RegistryClient::manifest_of(const std::string& path, const std::string& tag_or_digest) const {
    const std::string& host = target_.registry.host;
    if (!target_.credential.helper.empty())
        return registry_error(host, fmt::format("needs credential helper docker-credential-{} (not supported)",
                                                target_.credential.helper));
    HttpRequest request = base_request("HEAD", fmt::format("{}/v2/{}/manifests/{}", target_.base_url, path, tag_or_digest), host);
    request.headers["Accept"] = kManifestTypes;
    HttpResponse response = send_following(transport_, request);
    if (response.status == 401) {
        std::string challenge = header_of(response, "WWW-Authenticate");
        if (challenge.empty()) return registry_error(host, "HTTP 401 without a WWW-Authenticate challenge", 401);
        std::string scheme;
        challenge_params(challenge, scheme);
        if (scheme == "basic") {
            if (target_.credential.basic.empty())
                return registry_error(host, "needs credentials (no auths entry in the Docker config)", 401);
            request.headers["Authorization"] = "Basic " + target_.credential.basic;
        } else {
            auto token = fetch_token(transport_, target_, challenge, path);
            if (!token) return token.error();
            request.headers["Authorization"] = "Bearer " + token.value();
        }
        response = send_following(transport_, request);
        if (response.status == 401)
            return registry_error(host, fmt::format("access to {} refused (HTTP 401 with a token{})", path,
                                                    target_.credential.basic.empty() ? "; private images need credentials" : ""), 401);
    }
    if (response.transport_failed())
        return registry_error(host, response.error.empty() ? "no answer" : response.error, 0, true);
    if (response.status == 404) return std::vector<Image>{};  // no such tag (or repository) in this registry
    if (response.status != 200)
        return registry_error(host, read_registry_answer(response).description, response.status,
                              response.status >= 500 || response.status == 429);
    std::string digest = header_of(response, "Docker-Content-Digest");
    if (digest.empty()) {
        auto computed = digest_from_body(transport_, request, host);
        if (!computed) return computed.error();
        digest = computed.value();
    }
    Image image;
    image.registry = host;
    image.repository = path;
    if (!tag_or_digest.starts_with("sha256:")) image.tags.push_back(tag_or_digest);
    image.digest = digest;
    image.push_time_known = false;
    return std::vector<Image>{std::move(image)};
}

}  // namespace shipwatch::oci

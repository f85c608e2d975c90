// Credentials from the services AWS runs next to the workload: the ECS/EKS container endpoint
// and EC2 instance metadata (IMDSv2).
#include <fstream>
#include <sstream>

#include "base/bounded_read.hpp"
#include "sources/aws/credential_process.hpp"
#include "sources/aws/credential_sources.hpp"

namespace shipwatch::aws {
namespace {

std::string without_trailing_slash(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    size_t b = s.find_first_not_of(" \t\r\n");
    return b == std::string::npos ? std::string() : s.substr(b);
}

// botocore accepts a full URI only over https or to a loopback or the container-agent addresses.
bool allowed_full_uri(const std::string& url) {
    UrlParts parts = split_url(url);
    if (parts.scheme == "https") return true;
    if (parts.scheme != "http") return false;
    const std::string& h = parts.host;
    return h == "localhost" || h.starts_with("127.") || h == "[::1]" || h == "::1" || h == "169.254.170.2" ||
           h == "169.254.170.23" || h == "[fd00:ec2::23]" || h == "fd00:ec2::23";
}

Found failed(std::string message) { return Result<AwsCredentials>(credentials_error(std::move(message))); }

}  // namespace

Found container_credentials(const CredentialOptions& options, Transport& http) {
    const Environment& env = options.env;
    std::string url;
    if (auto relative = env_value(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
        std::string base = options.container_endpoint.empty() ? "http://169.254.170.2" : options.container_endpoint;
        url = without_trailing_slash(base) + *relative;
    } else if (auto full = env_value(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
        if (!allowed_full_uri(*full))
            return failed("AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a loopback address: " + *full);
        url = *full;
    } else {
        return std::nullopt;
    }

    HttpRequest request;
    request.url = url;
    request.max_answer_bytes = kMaxCredentialAnswerBytes;
    request.headers["Accept"] = "application/json";
    // The token file wins over the variable: EKS Pod Identity rotates the file.
    if (auto file = env_value(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
        BoundedRead token = read_bounded(*file, 64 << 10, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
        if (token.missing) return failed("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + *file);
        if (!token.problem.empty()) return failed(token.problem);
        request.headers["Authorization"] = trimmed(token.text);
    } else if (auto token = env_value(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
        request.headers["Authorization"] = *token;
    }

    HttpResponse response = http.send(request);
    if (response.cancelled()) return Result<AwsCredentials>(stopped_error("container credentials endpoint " + url));
    if (response.transport_failed()) return failed("container credentials endpoint " + url + ": " + response.error);
    if (response.status != 200)
        return failed("container credentials endpoint " + url + " answered HTTP " + std::to_string(response.status));
    auto creds = parse_credentials_json(response.body, "container credentials endpoint", false);
    if (creds) creds.value().source = "container role";
    return creds;
}

// IMDSv2: a session token first, then the role name, then the role's credentials.
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-metadata-security-credentials.html
Found imds_credentials(const CredentialOptions& options, Transport& http) {
    const Environment& env = options.env;
    if (env_true(env, "AWS_EC2_METADATA_DISABLED")) return std::nullopt;
    std::string base = options.imds_endpoint;
    if (base.empty()) base = env_value(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("http://169.254.169.254");
    base = without_trailing_slash(base);

    HttpRequest token_request;
    token_request.method = "PUT";
    token_request.url = base + "/latest/api/token";
    token_request.max_answer_bytes = kMaxCredentialAnswerBytes;
    token_request.headers["X-aws-ec2-metadata-token-ttl-seconds"] = "21600";
    HttpResponse token = http.send(token_request);
    if (token.cancelled()) return Result<AwsCredentials>(stopped_error("EC2 instance metadata"));
    if (token.transport_failed()) return std::nullopt;  // not on EC2
    std::string session;
    if (token.status == 200) {
        session = trimmed(token.body);
    } else if (token.status != 403 && token.status != 404 && token.status != 405) {
        // 403/404/405: an IMDS without v2 tokens; botocore then asks without a token.
        return failed("EC2 instance metadata answered HTTP " + std::to_string(token.status) + " to the token request");
    }

    auto get = [&](const std::string& path) {
        HttpRequest request;
        request.url = base + path;
        request.max_answer_bytes = kMaxCredentialAnswerBytes;
        if (!session.empty()) request.headers["X-aws-ec2-metadata-token"] = session;
        return http.send(request);
    };
    const std::string roles_path = "/latest/meta-data/iam/security-credentials/";
    HttpResponse roles = get(roles_path);
    if (roles.transport_failed()) return failed("EC2 instance metadata: " + roles.error);
    if (roles.status == 404) return std::nullopt;  // an instance without an instance profile
    if (roles.status != 200)
        return failed("EC2 instance metadata answered HTTP " + std::to_string(roles.status) + " for the role name");
    std::string role = first_line(roles.body);
    if (role.empty()) return std::nullopt;

    HttpResponse document = get(roles_path + role);
    if (document.transport_failed()) return failed("EC2 instance metadata: " + document.error);
    if (document.status != 200)
        return failed("EC2 instance metadata answered HTTP " + std::to_string(document.status) +
                      " for the credentials of role " + role);
    auto creds = parse_credentials_json(document.body, "EC2 instance metadata", false);
    if (creds) creds.value().source = "instance role " + role;
    return creds;
}

}  // namespace shipwatch::aws

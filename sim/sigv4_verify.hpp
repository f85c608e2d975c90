// SigV4 on the receiving side: the simulator server checks every AWS request the way the AWS
// front ends do (header signing, AWS4-HMAC-SHA256), and tests sign requests with the same code.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/time.hpp"

namespace shipwatch::sim {

// A request as it arrived, before any interpretation.
struct SignedRequest {
    std::string method;
    std::string path = "/";  // as on the wire: percent-encoded (or raw, as the test vectors write it)
    std::string query;  // without '?', as on the wire
    std::vector<std::pair<std::string, std::string>> headers;  // in arrival order, duplicates kept
    std::string body;
};

// The Credential=<key>/<date>/<region>/<service>/aws4_request part of the Authorization header.
struct CredentialScope {
    std::string access_key_id;
    std::string date;  // YYYYMMDD
    std::string region;
    std::string service;
    std::string text() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};

enum class SigV4Failure {
    missing,  // no Authorization header
    incomplete,  // not AWS4-HMAC-SHA256, or Credential/SignedHeaders/Signature/date malformed
    unknown_key,  // the access key id is not one the lookup knows
    bad_signature,  // recomputed signature differs (or the body does not match x-amz-content-sha256)
    expired,  // request time more than the allowed skew away from now
    unsigned_token,  // X-Amz-Security-Token present but not among the signed headers
};

struct Verification {
    std::optional<SigV4Failure> failure;  // none: the signature is good
    std::string detail;  // why, for logs; never contains a secret
    CredentialScope scope;  // parsed even when the signature is bad (routing, error shapes)
    std::string amz_date;  // YYYYMMDDTHHMMSSZ
    std::string canonical_request;  // recomputed (empty when parsing stopped earlier)
    std::string string_to_sign;
    bool ok() const { return !failure; }
};

// access key id -> secret; nullopt for an unknown key.
using SecretLookup = std::function<std::optional<std::string>(const std::string& access_key_id)>;

struct VerifyOptions {
    TimePoint now{};  // what the request time is checked against (the real clock in the server)
    Duration max_skew = std::chrono::minutes(15);  // AWS allows 15 minutes either way
    // AWS rejects a session token that is not signed; the public vectors include one such case.
    bool require_signed_session_token = true;
};

Verification verify_sigv4(const SignedRequest& request, const SecretLookup& secrets, const VerifyOptions& options);

// ---- Building blocks, exposed for tests and for signing test requests --------------------------

// RFC 3986 percent-encoding of everything but unreserved characters ('/' kept when asked).
std::string sigv4_uri_encode(std::string_view text, bool keep_slash);
// The canonical request for the given signed header names (lower case, in the header's order)
// and payload hash. Paths are normalised (dot segments, repeated slashes) as for every service
// but S3, then each segment is encoded once more, as botocore and the AWS front ends do.
std::string canonical_request(const SignedRequest& request, const std::vector<std::string>& signed_headers,
                              const std::string& payload_hash);
std::string string_to_sign(const std::string& amz_date, const CredentialScope& scope,
                           const std::string& canonical_request);
// HMAC chain: "AWS4"+secret -> date -> region -> service -> "aws4_request" (raw bytes).
std::string signing_key(const std::string& secret, const CredentialScope& scope);
std::string hmac_sha256_hex(const std::string& key, std::string_view data);
// "20150830T123600Z"
std::string amz_date(TimePoint t);

struct SigningCredentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  // empty for long-term keys
};

// Signs like the SDKs: sets X-Amz-Date (and X-Amz-Security-Token), then Authorization over
// host, content-type, x-amz-* and the other headers present (Host must be among them).
void sign_sigv4(SignedRequest& request, const SigningCredentials& credentials, const std::string& region,
                const std::string& service, TimePoint time);

// ---- Answers, in the service's protocol ---------------------------------------------------------

enum class AuthErrorShape { json, query, ec2 };  // JSON 1.1; Query (ELBv2); EC2's own Query dialect

struct AuthError {
    int status = 400;
    std::string code;  // as the service names it: InvalidSignatureException, SignatureDoesNotMatch, ...
    std::string message;  // AWS's exact wording
};
AuthError auth_error(const Verification& failed, AuthErrorShape shape, TimePoint now);

}  // namespace shipwatch::sim

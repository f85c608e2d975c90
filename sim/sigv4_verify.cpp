// SigV4 verification (and signing, for tests). The canonical request follows the AWS rules:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
#include "sim/sigv4_verify.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/digest.hpp"

namespace shipwatch::sim {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Trim, and collapse runs of whitespace (folded lines included) to one space.
std::string canonical_value(std::string_view value) {
    std::string out;
    bool in_space = false;
    for (char c : trim(value)) {
        if (is_space(c)) {
            in_space = true;
            continue;
        }
        if (in_space) out += ' ';
        in_space = false;
        out += c;
    }
    return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (;;) {
        size_t at = s.find(sep, start);
        parts.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos) break;
        start = at + 1;
    }
    return parts;
}

// Percent-decoding only ('+' stays '+': SigV4 canonicalises what the client encoded).
std::string percent_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::strtol(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string canonical_uri(std::string_view path) {
    // Remove dot segments and empty segments (RFC 3986 5.2.4; AWS also collapses "//").
    std::vector<std::string_view> kept;
    for (auto segment : split(path, '/')) {
        if (segment.empty() || segment == ".") continue;
        if (segment == "..") {
            if (!kept.empty()) kept.pop_back();
            continue;
        }
        kept.push_back(segment);
    }
    std::string out;
    for (auto segment : kept) out += "/" + sigv4_uri_encode(segment, false);
    bool trailing = path.size() > 1 && path.back() == '/';
    if (out.empty() || trailing) out += "/";
    return out;
}

std::string canonical_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (auto piece : split(query, '&')) {
        if (piece.empty()) continue;
        size_t eq = piece.find('=');
        std::string_view key = piece.substr(0, eq);
        std::string_view value = eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
        pairs.emplace_back(sigv4_uri_encode(percent_decode(key), false), sigv4_uri_encode(percent_decode(value), false));
    }
    std::sort(pairs.begin(), pairs.end());
    std::string out;
    for (const auto& [k, v] : pairs) out += (out.empty() ? "" : "&") + k + "=" + v;
    return out;
}

std::vector<std::string> header_values(const SignedRequest& request, std::string_view lower_name) {
    std::vector<std::string> values;
    for (const auto& [name, value] : request.headers)
        if (lower(name) == lower_name) values.push_back(value);
    return values;
}

std::optional<std::string> header(const SignedRequest& request, std::string_view lower_name) {
    auto values = header_values(request, lower_name);
    if (values.empty()) return std::nullopt;
    return values.front();
}

std::string raw_hmac(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), out, &length);
    return std::string(reinterpret_cast<const char*>(out), length);
}

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 0x0f];
    }
    return out;
}

// "20150830T123600Z" -> time point; nullopt when malformed.
std::optional<TimePoint> parse_amz_date(std::string_view s) {
    if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
    std::string iso = fmt::format("{}-{}-{}T{}:{}:{}Z", s.substr(0, 4), s.substr(4, 2), s.substr(6, 2), s.substr(9, 2),
                                  s.substr(11, 2), s.substr(13, 2));
    return parse_iso8601(iso);
}

struct ParsedAuthorization {
    CredentialScope scope;
    std::vector<std::string> signed_headers;
    std::string signature;
};

// "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=a;b, Signature=hex"
std::optional<ParsedAuthorization> parse_authorization(std::string_view value, std::string& why) {
    value = trim(value);
    if (value.substr(0, kAlgorithm.size()) != kAlgorithm ||
        (value.size() > kAlgorithm.size() && !is_space(value[kAlgorithm.size()]))) {
        why = "Unsupported Authorization Type";
        return std::nullopt;
    }
    ParsedAuthorization out;
    bool have_credential = false, have_signed = false, have_signature = false;
    for (auto part : split(value.substr(kAlgorithm.size()), ',')) {
        part = trim(part);
        size_t eq = part.find('=');
        if (eq == std::string_view::npos) continue;
        std::string_view key = part.substr(0, eq);
        std::string_view v = part.substr(eq + 1);
        if (key == "Credential") {
            auto pieces = split(v, '/');
            if (pieces.size() != 5 || pieces[4] != "aws4_request" || pieces[1].size() != 8) {
                why = fmt::format("Credential should be scoped to a valid region and service: '{}'.", v);
                return std::nullopt;
            }
            out.scope = {std::string(pieces[0]), std::string(pieces[1]), std::string(pieces[2]), std::string(pieces[3])};
            have_credential = true;
        } else if (key == "SignedHeaders") {
            for (auto h : split(v, ';'))
                if (!h.empty()) out.signed_headers.emplace_back(h);
            have_signed = true;
        } else if (key == "Signature") {
            out.signature = std::string(v);
            have_signature = true;
        }
    }
    std::string missing;
    if (!have_credential) missing += "Authorization header requires 'Credential' parameter. ";
    if (!have_signature) missing += "Authorization header requires 'Signature' parameter. ";
    if (!have_signed) missing += "Authorization header requires 'SignedHeaders' parameter. ";
    if (!missing.empty()) {
        why = std::string(trim(missing));
        return std::nullopt;
    }
    return out;
}

bool constant_time_equal(const std::string& a, const std::string& b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string sigv4_uri_encode(std::string_view text, bool keep_slash) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 0x0f];
        }
    }
    return out;
}

std::string canonical_request(const SignedRequest& request, const std::vector<std::string>& signed_headers,
                              const std::string& payload_hash) {
    std::string headers;
    for (const auto& name : signed_headers) {
        std::string joined;
        bool first = true;
        for (const auto& value : header_values(request, lower(name))) {
            joined += (first ? "" : ",") + canonical_value(value);
            first = false;
        }
        headers += lower(name) + ":" + joined + "\n";
    }
    std::string signed_list;
    for (const auto& name : signed_headers) signed_list += (signed_list.empty() ? "" : ";") + lower(name);
    return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, canonical_uri(request.path),
                       canonical_query(request.query), headers, signed_list, payload_hash);
}

std::string string_to_sign(const std::string& amz_date, const CredentialScope& scope,
                           const std::string& canonical_request) {
    return fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date, scope.text(), sha256_hex(canonical_request));
}

std::string signing_key(const std::string& secret, const CredentialScope& scope) {
    std::string key = raw_hmac("AWS4" + secret, scope.date);
    key = raw_hmac(key, scope.region);
    key = raw_hmac(key, scope.service);
    return raw_hmac(key, "aws4_request");
}

std::string hmac_sha256_hex(const std::string& key, std::string_view data) { return hex(raw_hmac(key, data)); }

std::string amz_date(TimePoint t) {
    std::string iso = format_iso8601(t);  // 2015-08-30T12:36:00Z
    std::string out;
    for (char c : iso)
        if (c != '-' && c != ':') out += c;
    return out;
}

Verification verify_sigv4(const SignedRequest& request, const SecretLookup& secrets, const VerifyOptions& options) {
    Verification v;
    auto fail = [&](SigV4Failure f, std::string detail) {
        v.failure = f;
        v.detail = std::move(detail);
        return v;
    };
    auto authorization = header(request, "authorization");
    if (!authorization) return fail(SigV4Failure::missing, "Missing Authentication Token");
    std::string why;
    auto auth = parse_authorization(*authorization, why);
    if (!auth) return fail(SigV4Failure::incomplete, why);
    v.scope = auth->scope;

    auto date = header(request, "x-amz-date");
    if (!date) return fail(SigV4Failure::incomplete, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    v.amz_date = std::string(trim(*date));
    auto request_time = parse_amz_date(v.amz_date);
    if (!request_time) return fail(SigV4Failure::incomplete, fmt::format("Invalid X-Amz-Date '{}'.", v.amz_date));
    const auto& signed_list = auth->signed_headers;
    auto is_signed = [&](std::string_view name) {
        return std::any_of(signed_list.begin(), signed_list.end(), [&](const auto& h) { return lower(h) == name; });
    };
    if (!is_signed("host"))
        return fail(SigV4Failure::incomplete, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

    auto secret = secrets(v.scope.access_key_id);
    if (!secret) return fail(SigV4Failure::unknown_key, "unknown access key id " + v.scope.access_key_id);
    if (options.require_signed_session_token && header(request, "x-amz-security-token") && !is_signed("x-amz-security-token"))
        return fail(SigV4Failure::unsigned_token,
                    "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.");
    auto skew = options.now - *request_time;
    if (skew > options.max_skew || -skew > options.max_skew)
        return fail(SigV4Failure::expired, fmt::format("request time {} is more than {} from now {}", v.amz_date,
                                                       format_duration(options.max_skew), amz_date(options.now)));

    std::string payload_hash = sha256_hex(request.body);
    if (auto declared = header(request, "x-amz-content-sha256")) {
        std::string d(trim(*declared));
        if (d == "UNSIGNED-PAYLOAD") payload_hash = d;
        else if (d != payload_hash)
            return fail(SigV4Failure::bad_signature, "x-amz-content-sha256 does not match the body");
    }
    v.canonical_request = canonical_request(request, signed_list, payload_hash);
    v.string_to_sign = string_to_sign(v.amz_date, v.scope, v.canonical_request);
    if (v.scope.date != v.amz_date.substr(0, 8))
        return fail(SigV4Failure::bad_signature,
                    fmt::format("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                                "'{}' != '{}', from '{}'.",
                                v.scope.date, v.amz_date.substr(0, 8), v.amz_date));
    std::string expected = hmac_sha256_hex(signing_key(*secret, v.scope), v.string_to_sign);
    if (!constant_time_equal(expected, lower(auth->signature)))
        return fail(SigV4Failure::bad_signature, "signature mismatch");
    return v;
}

void sign_sigv4(SignedRequest& request, const SigningCredentials& credentials, const std::string& region,
                const std::string& service, TimePoint time) {
    auto set = [&](const std::string& name, const std::string& value) {
        std::erase_if(request.headers, [&](const auto& h) { return lower(h.first) == lower(name); });
        request.headers.emplace_back(name, value);
    };
    std::string date = amz_date(time);
    set("X-Amz-Date", date);
    if (!credentials.session_token.empty()) set("X-Amz-Security-Token", credentials.session_token);
    std::erase_if(request.headers, [](const auto& h) { return lower(h.first) == "authorization"; });

    std::vector<std::string> names;
    for (const auto& [name, value] : request.headers) {
        std::string n = lower(name);
        if (n == "user-agent" || n == "content-length" || n == "expect") continue;  // as botocore
        if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    }
    std::sort(names.begin(), names.end());
    CredentialScope scope{credentials.access_key_id, date.substr(0, 8), region, service};
    std::string creq = canonical_request(request, names, sha256_hex(request.body));
    std::string signature = hmac_sha256_hex(signing_key(credentials.secret_access_key, scope), string_to_sign(date, scope, creq));
    std::string signed_list;
    for (const auto& n : names) signed_list += (signed_list.empty() ? "" : ";") + n;
    request.headers.emplace_back("Authorization", fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm,
                                                              credentials.access_key_id, scope.text(), signed_list, signature));
}

AuthError auth_error(const Verification& failed, AuthErrorShape shape, TimePoint now) {
    static constexpr const char* kBadSignature =
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
        "Key and signing method. Consult the service documentation for details.";
    static constexpr const char* kBadToken = "The security token included in the request is invalid.";
    const bool json = shape == AuthErrorShape::json;
    const bool ec2 = shape == AuthErrorShape::ec2;
    switch (failed.failure.value_or(SigV4Failure::bad_signature)) {
        case SigV4Failure::missing:
            if (json) return {400, "MissingAuthenticationTokenException", "Missing Authentication Token"};
            return {ec2 ? 401 : 403, "MissingAuthenticationToken", "Request is missing Authentication Token"};
        case SigV4Failure::incomplete:
        case SigV4Failure::unsigned_token:
            return {400, json ? "IncompleteSignatureException" : "IncompleteSignature", failed.detail};
        case SigV4Failure::unknown_key:
            if (json) return {400, "UnrecognizedClientException", kBadToken};
            if (ec2) return {401, "AuthFailure", "AWS was not able to validate the provided access credentials"};
            return {403, "InvalidClientTokenId", kBadToken};
        case SigV4Failure::bad_signature:
            if (json) return {400, "InvalidSignatureException", kBadSignature};
            if (ec2) return {401, "AuthFailure", "AWS was not able to validate the provided access credentials"};
            return {403, "SignatureDoesNotMatch", kBadSignature};
        case SigV4Failure::expired: {
            if (ec2) return {400, "RequestExpired", "Request has expired."};
            // AWS's wording, e.g. "Signature expired: 20150830T123600Z is now earlier than
            // 20250612T172500Z (20250612T174000Z - 15 min.)"
            auto t = parse_amz_date(failed.amz_date).value_or(now);
            std::string message =
                t < now ? fmt::format("Signature expired: {} is now earlier than {} ({} - 15 min.)", failed.amz_date,
                                      amz_date(now - std::chrono::minutes(15)), amz_date(now))
                        : fmt::format("Signature not yet current: {} is still later than {} ({} + 15 min.)",
                                      failed.amz_date, amz_date(now + std::chrono::minutes(15)), amz_date(now));
            return {json ? 400 : 403, json ? "InvalidSignatureException" : "SignatureDoesNotMatch", message};
        }
    }
    return {400, "InternalFailure", "unreachable"};
}

}  // namespace shipwatch::sim

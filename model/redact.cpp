#include "model/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace shipwatch {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// Parameter names that carry credentials in the wild (API keys, OAuth, presigned AWS URLs).
bool credential_name(std::string_view name) {
    std::string n = lower(name);
    static constexpr std::array<std::string_view, 12> kParts = {
        "token", "key", "secret", "password", "passwd", "pwd", "signature", "sig", "credential", "auth", "session", "code"};
    return std::any_of(kParts.begin(), kParts.end(), [&](std::string_view part) { return n.find(part) != std::string::npos; });
}

std::string redact_query(std::string_view query) {
    std::string out;
    for (size_t start = 0;;) {
        size_t end = std::min(query.find('&', start), query.size());
        std::string_view pair = query.substr(start, end - start);
        size_t eq = pair.find('=');
        if (eq != std::string_view::npos && eq + 1 < pair.size() && credential_name(pair.substr(0, eq)))
            out.append(pair.substr(0, eq + 1)).append("***");
        else
            out.append(pair);
        if (end == query.size()) return out;
        out += '&';
        start = end + 1;
    }
}

}  // namespace

std::string redact_url(std::string_view url) {
    size_t scheme = url.find("://");
    size_t authority = scheme == std::string_view::npos ? 0 : scheme + 3;
    size_t path = url.find_first_of("/?#", authority);
    if (path == std::string_view::npos) path = url.size();
    std::string out(url.substr(0, authority));
    std::string_view host = url.substr(authority, path - authority);
    if (size_t at = host.rfind('@'); at != std::string_view::npos) {
        out += "***@";
        host = host.substr(at + 1);
    }
    out += host;
    size_t q = url.find('?', path);
    size_t hash = url.find('#', path);
    if (q == std::string_view::npos || (hash != std::string_view::npos && hash < q)) {
        out += url.substr(path);
        return out;
    }
    out += url.substr(path, q + 1 - path);
    size_t q_end = hash == std::string_view::npos ? url.size() : hash;
    out += redact_query(url.substr(q + 1, q_end - q - 1));
    out += url.substr(q_end);
    return out;
}

}  // namespace shipwatch

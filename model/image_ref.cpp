#include "model/image_ref.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include <fmt/format.h>

namespace shipwatch {
namespace {

constexpr size_t kMaxNameLength = 255;  // distribution: NameTotalLengthMax
constexpr size_t kMaxTagLength = 128;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
bool is_hex(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (size_t i = 0; i <= text.size(); ++i)
        if (i == text.size() || text[i] == sep) {
            parts.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    return parts;
}

// path-component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
std::optional<std::string> path_component_error(std::string_view c) {
    if (c.empty()) return "empty path component";
    if (std::any_of(c.begin(), c.end(), [](char ch) { return std::isupper(static_cast<unsigned char>(ch)) != 0; }))
        return "repository name must be lowercase";
    if (!is_lower_alnum(c.front()) || !is_lower_alnum(c.back()))
        return fmt::format("path component \"{}\" must start and end with a letter or digit", c);
    for (size_t i = 0; i < c.size();) {
        if (is_lower_alnum(c[i])) {
            ++i;
            continue;
        }
        size_t j = i;
        while (j < c.size() && !is_lower_alnum(c[j])) ++j;
        std::string_view sep = c.substr(i, j - i);
        bool dashes = std::all_of(sep.begin(), sep.end(), [](char ch) { return ch == '-'; });
        if (sep != "." && sep != "_" && sep != "__" && !dashes)
            return fmt::format("path component \"{}\" has an invalid separator \"{}\"", c, sep);
        i = j;
    }
    return std::nullopt;
}

// domain-name-component: [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_host_label(std::string_view label) {
    if (label.empty() || !is_alnum(label.front()) || !is_alnum(label.back())) return false;
    return std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

std::optional<std::string> domain_error(std::string_view domain) {
    std::string_view host = domain;
    std::string_view port;
    if (host.starts_with('[')) {  // an IPv6 literal
        size_t close = host.find(']');
        if (close == std::string_view::npos || !std::all_of(host.begin() + 1, host.begin() + static_cast<long>(close),
                                                             [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':'; }))
            return fmt::format("registry host \"{}\" is not a valid IPv6 address", domain);
        if (close + 1 < host.size()) {
            if (host[close + 1] != ':') return fmt::format("registry host \"{}\" is invalid", domain);
            port = host.substr(close + 2);
            if (!is_digits(port)) return fmt::format("registry port \"{}\" is not a number", port);
        }
        return std::nullopt;
    }
    if (auto colon = host.find(':'); colon != std::string_view::npos) {
        port = host.substr(colon + 1);
        host = host.substr(0, colon);
        if (!is_digits(port)) return fmt::format("registry port \"{}\" is not a number", port);
    }
    for (std::string_view label : split(host, '.'))
        if (!valid_host_label(label)) return fmt::format("registry host \"{}\" is not a valid host name", host);
    return std::nullopt;
}

// tag: [\w][\w.-]{0,127}
std::optional<std::string> tag_error(std::string_view tag) {
    auto word = [](char c) { return is_alnum(c) || c == '_'; };
    if (tag.empty()) return std::string("empty tag");
    if (tag.size() > kMaxTagLength) return fmt::format("tag is longer than {} characters", kMaxTagLength);
    if (!word(tag.front())) return fmt::format("tag \"{}\" must start with a letter, digit or '_'", tag);
    if (!std::all_of(tag.begin(), tag.end(), [&](char c) { return word(c) || c == '.' || c == '-'; }))
        return fmt::format("tag \"{}\" holds a character other than letters, digits, '_', '.' and '-'", tag);
    return std::nullopt;
}

// digest: algorithm ":" encoded; sha256 and sha512 have fixed lengths of lower-case hex.
std::optional<std::string> digest_error(std::string_view digest) {
    size_t colon = digest.find(':');
    if (colon == std::string_view::npos || colon == 0) return fmt::format("digest \"{}\" is not algorithm:hex", digest);
    std::string_view algorithm = digest.substr(0, colon);
    std::string_view hex = digest.substr(colon + 1);
    auto lower_hex = [](std::string_view h) {
        return std::all_of(h.begin(), h.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
    };
    if (algorithm == "sha256" && !(hex.size() == 64 && lower_hex(hex)))
        return fmt::format("digest \"{}\" is not sha256 followed by 64 lower-case hex digits", digest);
    if (algorithm == "sha512" && !(hex.size() == 128 && lower_hex(hex)))
        return fmt::format("digest \"{}\" is not sha512 followed by 128 lower-case hex digits", digest);
    if (hex.size() < 32 || !is_hex(hex)) return fmt::format("digest \"{}\" has no hex value of 32 or more digits", digest);
    return std::nullopt;
}

// The first component is a registry when it looks like a host: it has '.' or ':', is
// `localhost`, or has an upper-case letter (a path never does).
bool looks_like_domain(std::string_view first) {
    return first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
           std::any_of(first.begin(), first.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; });
}

// Splits the text into its pieces without judging them (today's callers rely on the pieces even
// for a reference that does not validate).
void split_reference(ImageRef& ref) {
    std::string rest = ref.text;
    if (auto at = rest.find('@'); at != std::string::npos) {
        ref.digest = rest.substr(at + 1);
        rest = rest.substr(0, at);
    }
    if (auto slash = rest.find('/'); slash != std::string::npos && looks_like_domain(rest.substr(0, slash))) {
        ref.registry = rest.substr(0, slash);
        rest = rest.substr(slash + 1);
    }
    auto last_slash = rest.rfind('/');
    auto colon = rest.rfind(':');
    if (colon != std::string::npos && (last_slash == std::string::npos || colon > last_slash)) {
        ref.tag = rest.substr(colon + 1);
        ref.tag_written = true;
        rest = rest.substr(0, colon);
    }
    ref.repository = rest;
}

std::optional<std::string> reference_error(const ImageRef& ref) {
    const std::string& text = ref.text;
    if (text.empty()) return std::string("it is empty");
    if (std::any_of(text.begin(), text.end(), [](unsigned char c) { return c <= ' ' || c >= 0x7f; }))
        return std::string("it holds a space, a control character or a non-ASCII character");
    if (text.find('@') != text.rfind('@')) return std::string("it holds more than one '@'");
    if (!ref.registry.empty())
        if (auto e = domain_error(ref.registry)) return e;
    if (ref.repository.empty()) return std::string("no repository name");
    for (std::string_view c : split(ref.repository, '/'))
        if (auto e = path_component_error(c)) return e;
    if (ref.registry.size() + ref.repository.size() + 1 > kMaxNameLength)
        return fmt::format("the name is longer than {} characters", kMaxNameLength);
    if (ref.tag_written)
        if (auto e = tag_error(ref.tag)) return e;
    if (text.find('@') != std::string::npos)
        if (auto e = digest_error(ref.digest)) return e;
    return std::nullopt;
}

// Docker Hub's implicit registry and its `library/` namespace for official images.
void canonicalize(ImageRef& ref) {
    ref.domain = ref.registry.empty() || ref.registry == "index.docker.io" || ref.registry == "registry-1.docker.io"
                     ? "docker.io"
                     : ref.registry;
    ref.path = ref.repository;
    if (ref.domain == "docker.io" && ref.path.find('/') == std::string::npos && !ref.path.empty())
        ref.path = "library/" + ref.path;
}

// <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn] / <account>.dkr-ecr[-fips].<region>.on.aws
bool read_private_ecr(std::string_view host, Registry& out) {
    auto labels = split(host, '.');
    if (labels.size() < 5 || labels[0].size() != 12 || !is_digits(labels[0])) return false;
    bool classic = labels[1] == "dkr" && (labels[2] == "ecr" || labels[2] == "ecr-fips");
    bool dual = labels[1] == "dkr-ecr" || labels[1] == "dkr-ecr-fips";
    std::string_view region;
    std::vector<std::string_view> suffix;
    if (classic) {
        region = labels[3];
        suffix.assign(labels.begin() + 4, labels.end());
    } else if (dual) {
        region = labels[2];
        suffix.assign(labels.begin() + 3, labels.end());
    } else {
        return false;
    }
    bool aws_suffix = (suffix.size() == 2 && suffix[0] == "amazonaws" && suffix[1] == "com") ||
                      (suffix.size() == 3 && suffix[0] == "amazonaws" && suffix[1] == "com" && suffix[2] == "cn") ||
                      (suffix.size() == 2 && suffix[0] == "on" && suffix[1] == "aws");
    if (!aws_suffix || region.empty()) return false;
    out.kind = RegistryKind::ecr;
    out.account = std::string(labels[0]);
    out.region = std::string(region);
    out.fips = host.find("-fips.") != std::string_view::npos;
    return true;
}

}  // namespace

std::string_view to_string(RegistryKind kind) { return kRegistryKinds[static_cast<size_t>(kind)].id; }

std::string Registry::api_host() const { return kind == RegistryKind::docker_hub ? "registry-1.docker.io" : host; }

Registry classify_registry(std::string_view host) {
    Registry out;
    out.host = std::string(host);
    std::string lower = out.host;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (read_private_ecr(lower, out)) return out;
    if (lower == "public.ecr.aws") out.kind = RegistryKind::ecr_public;
    else if (lower == "docker.io" || lower == "index.docker.io" || lower == "registry-1.docker.io") {
        out.kind = RegistryKind::docker_hub;
        out.host = "docker.io";
    } else if (lower == "ghcr.io")
        out.kind = RegistryKind::ghcr;
    return out;
}

ImageRef parse_image_ref(const std::string& text) {
    ImageRef ref;
    ref.text = text;
    split_reference(ref);
    if (auto why = reference_error(ref)) ref.error = fmt::format("cannot parse image reference \"{}\": {}", text, *why);
    if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
    canonicalize(ref);
    return ref;
}

}  // namespace shipwatch

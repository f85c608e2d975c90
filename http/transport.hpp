// The one HTTP interface every client talks through. Two implementations: the in-process
// simulator (sim/) and libcurl (real AWS and GitHub).
#pragma once

#include <map>
#include <string>

namespace shipwatch {

// Header names are compared case-insensitively, as HTTP says.
struct HeaderLess {
    bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::map<std::string, std::string, HeaderLess>;

struct HttpRequest {
    std::string method = "GET";
    std::string url;  // absolute: scheme://host[:port]/path[?query]
    Headers headers;
    std::string body;
    // AWS requests carry their signing scope; the transport signs (SigV4) when set.
    std::string aws_region;
    std::string aws_service;  // signing name, e.g. "ecr" for api.ecr.<region>
};

struct HttpResponse {
    int status = 0;  // 0 when the request never got an answer (see `error`)
    Headers headers;
    std::string body;
    std::string error;  // transport failure: "connection refused", "timed out", ...
    bool transport_failed() const { return status == 0; }
};

class Transport {
public:
    virtual ~Transport() = default;
    // Must be safe to call from several threads at once.
    virtual HttpResponse send(const HttpRequest& request) = 0;
};

// URL pieces for routing and for the simulator.
struct UrlParts {
    std::string scheme;
    std::string host;  // without port
    int port = 0;
    std::string path;  // starts with '/'
    std::string query;  // without '?'
};
UrlParts split_url(const std::string& url);
std::string url_encode(const std::string& text);  // RFC 3986 unreserved kept
std::string url_decode(const std::string& text);  // also '+' as space (form bodies)
// "a=1&b=x%20y" -> {a:1, b:"x y"}
std::map<std::string, std::string> parse_form(const std::string& text);

}  // namespace shipwatch

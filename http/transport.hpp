// The one HTTP interface every client talks through. Two implementations: the in-process
// simulator (sim/) and libcurl (real AWS and GitHub).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "http/answer_bounds.hpp"
#include "model/time.hpp"

namespace shipwatch {

// Header names are compared case-insensitively, as HTTP says.
struct HeaderLess {
    bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::map<std::string, std::string, HeaderLess>;

struct HttpResponse;

// What an error answer (status >= 400) means for the source that gave it, as the protocol of
// that source reads it; the HTTP stack itself knows no protocol.
struct AnswerReading {
    bool retryable = false;  // asking again soon may succeed: throttling, 429, 5xx
    bool source_broken = false;  // the source cannot work as configured: keys, permissions
    bool keys_refused = false;  // the signing keys were refused (expired): resolve new ones, then retry
    bool rate_limited = false;  // the source's quota is used up until `reset`
    std::optional<TimePoint> reset;  // when a rate limit lifts; none: not said
    std::string description;  // one line for the status bar and logs: "ThrottlingException: Rate exceeded"
};
using ReadAnswer = AnswerReading (*)(const HttpResponse&);

// Without a protocol's reading: 429 and 5xx retryable, 401 and 403 broken, "HTTP 503".
AnswerReading read_status(const HttpResponse& response);

struct HttpRequest {
    std::string method = "GET";
    std::string url;  // absolute: scheme://host[:port]/path[?query]
    Headers headers;
    std::string body;
    // AWS requests carry their signing scope; the transport signs (SigV4) when set.
    std::string aws_region;
    std::string aws_service;  // signing name, e.g. "ecr" for api.ecr.<region>
    // Who the request is for, said by the client that builds it: the source's name in the
    // status bar ("ecs eu-west-1", "github"; empty: the URL's host) and the budget it counts
    // against ("ecs", "elbv2", "github", "version"; empty: the default rate).
    std::string source;
    std::string budget;
    ReadAnswer read_answer = nullptr;  // how its source's error answers read; null: read_status
    // The most bytes its answer's body may have, by what it is (http/answer_bounds.hpp).
    size_t max_answer_bytes = kMaxApiAnswerBytes;
};

// A failure made on this side, before or instead of an exchange.
enum class LocalFailure {
    no_credentials,  // no signing keys could be resolved: asking again changes nothing
    no_region,  // a signed request without a region: a configuration mistake
    answer_too_large,  // the answer passed the request's max_answer_bytes and was cut off
    too_many_bytes_in_flight,  // the answers being received together passed their budget: retried
    not_sent,  // the request could not be built (out of memory, no handle, an exception)
    cancelled,  // stop was requested (the dashboard quits): not retried, not a source's failure
};

struct HttpResponse {
    int status = 0;  // 0 when the request never got an answer (see `error`)
    Headers headers;
    std::string body;
    std::string error;  // transport failure: "connection refused", "timed out", ...
    std::optional<LocalFailure> local_failure;  // set when the failure was made here, not on the wire
    bool transport_failed() const { return status == 0; }
    bool cancelled() const { return local_failure == LocalFailure::cancelled; }
    // Asking again cannot help: nothing went wrong on the way, the request itself cannot be made.
    bool failed_for_good() const {
        return local_failure == LocalFailure::no_credentials || local_failure == LocalFailure::no_region;
    }
};

// The answer of a request given up because stop was requested.
HttpResponse cancelled_response();
// The answer of a request whose answer passed its max_answer_bytes: "answer larger than 4 MiB".
HttpResponse too_large_response(const HttpRequest& request);

// The name of the source a request belongs to: its own, else the URL's host.
std::string source_name(const HttpRequest& request);

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

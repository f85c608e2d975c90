// Errors are values at the edges: every API call returns data or a typed error.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "model/error_context.hpp"
#include "model/time.hpp"

namespace shipwatch {

// What kind of thing went wrong, for the code that decides what to do about it (the message is
// for people): a command-line mistake, a bad configuration, or a failure of one data source.
enum class ErrorKind {
    usage,        // a flag or argument the command cannot take
    config,       // the configuration file (or the credentials/region it names) is wrong
    credentials,  // no AWS credentials could be resolved, or they were refused
    transport,    // no answer: connection refused, timed out, TLS, DNS
    http,         // an answer with an HTTP error status and no protocol error inside
    aws,          // an AWS error answer (code and message from the body)
    github,       // a GitHub error answer (rate limit, not found, ...)
    parse,        // an answer that does not have the shape the API documents
};

// The error type of the whole program. `kind` is for deciding; `code` and `message` are for
// showing ("ecs: ThrottlingException: Rate exceeded"), so they stay what the outputs print.
struct Error {
    std::string code;  // AWS error code ("ThrottlingException"), "HTTP 503", "transport", "parse"
    std::string message;
    int http_status = 0;  // 0 when no answer came back
    bool retryable = false;  // throttling, 429, 5xx, transport failures
    ErrorKind kind = ErrorKind::aws;  // after the fields above, so the aggregate initialisers stay valid
    std::optional<TimePoint> time;  // when it happened, where the producer has a clock
    // What was asked (call, resource, region, profile), filled where the request is built; the
    // last member, so every aggregate initialiser above keeps compiling.
    ErrorContext context;
};

// One line for people: "ecs:DescribeServices cluster c service s (us-west-2, profile prod):
// ClusterNotFoundException: Cluster not found." (without a context: "code: message").
inline std::string describe(const Error& e) { return describe_failure(e.context, e.code, e.message); }

// An error that is no HTTP answer: a usage, config or credentials mistake, a local failure.
inline Error error_of(ErrorKind kind, std::string code, std::string message) {
    return Error{std::move(code), std::move(message), 0, false, kind};
}

// `error` with its context completed from `context`: what the failed request itself said (its
// call, when a method makes several) wins; the client method adds the resource it was asked for.
inline Error in_context(Error error, const ErrorContext& context) {
    error.context.fill_from(context);
    return error;
}

template <typename T>
class Result {
public:
    Result(T value) : value_(std::move(value)) {}
    Result(Error error) : error_(std::move(error)) {}

    bool ok() const { return value_.has_value(); }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return *value_; }
    T& value() & { return *value_; }
    T&& value() && { return std::move(*value_); }
    const T* operator->() const { return &*value_; }
    const T& operator*() const { return *value_; }
    const Error& error() const { return *error_; }

private:
    std::optional<T> value_;
    std::optional<Error> error_;
};

template <typename T>
Result<T> in_context(Result<T> result, const ErrorContext& context) {
    if (result.ok()) return result;
    return in_context(result.error(), context);
}

}  // namespace shipwatch

// Errors are values at the edges: every API call returns data or a typed error.
#pragma once

#include <optional>
#include <string>
#include <utility>

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

struct ApiError {
    std::string code;  // AWS error code ("ThrottlingException"), "HTTP 503", "transport", "parse"
    std::string message;
    int http_status = 0;  // 0 when no answer came back
    bool retryable = false;  // throttling, 429, 5xx, transport failures
    ErrorKind kind = ErrorKind::aws;  // last so that the aggregate initialisers stay valid
};

template <typename T>
class Result {
public:
    Result(T value) : value_(std::move(value)) {}
    Result(ApiError error) : error_(std::move(error)) {}

    bool ok() const { return value_.has_value(); }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return *value_; }
    T& value() & { return *value_; }
    T&& value() && { return std::move(*value_); }
    const T* operator->() const { return &*value_; }
    const T& operator*() const { return *value_; }
    const ApiError& error() const { return *error_; }

private:
    std::optional<T> value_;
    std::optional<ApiError> error_;
};

}  // namespace shipwatch

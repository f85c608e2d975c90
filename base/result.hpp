// Errors are values at the edges: every API call returns data or a typed error.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace shipwatch {

struct ApiError {
    std::string code;  // AWS error code ("ThrottlingException"), "HTTP 503", "transport", "parse"
    std::string message;
    int http_status = 0;  // 0 when no answer came back
    bool retryable = false;  // throttling, 429, 5xx, transport failures
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

// The one place HTTP exchanges are logged (debug level): the source ("ecs eu-west-1",
// "github"), the method, the operation, the status, the answer's size and the time taken.
// Headers are never logged (Authorization, X-Amz-Security-Token, X-Amz-Date, GitHub tokens),
// nor query strings (pre-signed URLs carry signatures) nor bodies (credential calls carry keys).
// Every exchange is also counted (http/request_counts.hpp), whether or not debug logging is on.
#pragma once

#include <memory>
#include <string>

#include "http/transport.hpp"

namespace shipwatch {

// "ecs:DescribeServices" for AWS (the signing name, which is also the IAM prefix, and the
// X-Amz-Target or Query `Action`); the URL path without its query otherwise.
std::string operation_of(const HttpRequest& request);

class LoggingTransport final : public Transport {
public:
    explicit LoggingTransport(std::unique_ptr<Transport> inner) : inner_(std::move(inner)) {}
    HttpResponse send(const HttpRequest& request) override;

private:
    std::unique_ptr<Transport> inner_;
};

}  // namespace shipwatch

#include "http/log_transport.hpp"

#include <chrono>

#include "base/log.hpp"
#include "http/request_counts.hpp"
#include "http/transport.hpp"

namespace shipwatch {

std::string operation_of(const HttpRequest& request) {
    UrlParts url = split_url(request.url);
    if (request.aws_service.empty()) return url.path.empty() ? "/" : url.path;
    std::string operation;
    if (auto target = request.headers.find("X-Amz-Target"); target != request.headers.end()) {
        // JSON 1.1: "AmazonEC2ContainerServiceV20141113.DescribeServices"
        auto dot = target->second.rfind('.');
        operation = dot == std::string::npos ? target->second : target->second.substr(dot + 1);
    } else {
        // Query protocol: Action=DescribeTargetGroups in the form body (or the URL's query).
        for (const std::string* form : std::initializer_list<const std::string*>{&request.body, &url.query}) {
            auto fields = parse_form(*form);
            if (auto action = fields.find("Action"); action != fields.end()) {
                operation = action->second;
                break;
            }
        }
    }
    if (operation.empty()) operation = "?";
    return request.aws_service + ":" + operation;
}

HttpResponse LoggingTransport::send(const HttpRequest& request) {
    auto started = std::chrono::steady_clock::now();
    HttpResponse response = inner_->send(request);
    request_counts().record(request, response);
    if (!logging::debug_enabled()) return response;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    if (response.transport_failed()) {
        logging::logger().debug("http {}: {} {} -> no answer ({}) in {} ms", source_name(request), request.method,
                                operation_of(request), logging::first_line(response.error), ms);
    } else {
        logging::logger().debug("http {}: {} {} -> {}, {} bytes in {} ms", source_name(request), request.method,
                                operation_of(request), response.status, response.body.size(), ms);
    }
    return response;
}

}  // namespace shipwatch

// What a failed request asked for, so an error can be acted on: the call, the resource, the
// region and the credentials it went out with. Filled where a request is built (sources/), kept
// by the engine when it copies an error from one part to another, written by the presenters.
#pragma once

#include <string>
#include <string_view>

namespace shipwatch {

struct ErrorContext {
    std::string call;  // "ecs:DescribeServices", "github:GET /repos/o/r/commits", "GET https://host/version"
    std::string resource;  // "cluster payments-prod service api", "target group arn:...", "log group /ecs/api"
    std::string region;  // "us-west-2"; empty for GitHub and version endpoints
    std::string profile;  // the credentials used: "profile prod", "env AWS_ACCESS_KEY_ID"; empty: none

    bool empty() const { return call.empty() && resource.empty() && region.empty() && profile.empty(); }
    // Each member that is empty here taken from `other`: a caller that knows more than the
    // request (the resource) completes what the request knew (the call, the region).
    void fill_from(const ErrorContext& other);
};

// "ecs:DescribeServices cluster payments-prod service api (us-west-2, profile prod)"; "" when empty.
std::string describe(const ErrorContext& c);

// The one format of a failure everywhere it is shown:
// "ecs:DescribeServices cluster payments-prod service api (us-west-2, profile prod): ClusterNotFoundException:
// Cluster not found." The code is left out when empty or when the message already is the code.
std::string describe_failure(const ErrorContext& c, std::string_view code, std::string_view message);

}  // namespace shipwatch

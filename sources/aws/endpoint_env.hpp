// Service endpoints as the AWS CLI picks them from the environment:
// AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, else the real regional hosts.
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns both off.
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
#pragma once

#include <string>

#include "sources/aws/endpoints.hpp"
#include "sources/aws/environment.hpp"

namespace shipwatch::aws {

Endpoints endpoints_from_env(std::string region, const Environment& env = process_environment());

// "AWS_ENDPOINT_URL_ECS", "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", ...
std::string endpoint_env_name(ServiceId id);

}  // namespace shipwatch::aws

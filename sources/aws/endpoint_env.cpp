#include "sources/aws/endpoint_env.hpp"

#include <array>

namespace shipwatch::aws {

std::string endpoint_env_name(ServiceId id) { return std::string("AWS_ENDPOINT_URL_") + info(id).env_suffix; }

Endpoints endpoints_from_env(std::string region, const Environment& env) {
    Endpoints endpoints(std::move(region));
    if (env_true(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) return endpoints;
    if (auto all = env_value(env, "AWS_ENDPOINT_URL")) endpoints.set_all(*all);
    static constexpr std::array ids{ServiceId::ecs,  ServiceId::ecr,  ServiceId::codebuild,     ServiceId::elbv2,
                                    ServiceId::ec2, ServiceId::logs, ServiceId::secretsmanager, ServiceId::codedeploy};
    for (ServiceId id : ids)
        if (auto url = env_value(env, endpoint_env_name(id))) endpoints.set_override(id, *url);
    return endpoints;
}

}  // namespace shipwatch::aws

#include "sources/aws/endpoints.hpp"

namespace shipwatch::aws {

const ServiceInfo& info(ServiceId id) {
    // Prefixes and signing names from botocore's metadata (endpointPrefix / signingName).
    static const ServiceInfo ecs{"ecs", "ecs", "ECS"};
    static const ServiceInfo ecr{"api.ecr", "ecr", "ECR"};
    static const ServiceInfo codebuild{"codebuild", "codebuild", "CODEBUILD"};
    static const ServiceInfo elbv2{"elasticloadbalancing", "elasticloadbalancing", "ELASTIC_LOAD_BALANCING_V2"};
    static const ServiceInfo ec2{"ec2", "ec2", "EC2"};
    static const ServiceInfo logs{"logs", "logs", "CLOUDWATCH_LOGS"};
    static const ServiceInfo secretsmanager{"secretsmanager", "secretsmanager", "SECRETS_MANAGER"};
    static const ServiceInfo codedeploy{"codedeploy", "codedeploy", "CODEDEPLOY"};
    switch (id) {
        case ServiceId::ecs: return ecs;
        case ServiceId::ecr: return ecr;
        case ServiceId::codebuild: return codebuild;
        case ServiceId::elbv2: return elbv2;
        case ServiceId::ec2: return ec2;
        case ServiceId::logs: return logs;
        case ServiceId::secretsmanager: return secretsmanager;
        case ServiceId::codedeploy: return codedeploy;
    }
    return ecs;
}

namespace {
// Callers append "/" or a path, so a configured "http://localhost:4566/" must not double it.
std::string without_trailing_slash(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}
}  // namespace

std::string Endpoints::base_url(ServiceId id) const {
    if (auto it = overrides_.find(id); it != overrides_.end() && !it->second.empty())
        return without_trailing_slash(it->second);
    if (!all_.empty()) return without_trailing_slash(all_);
    // The China partition has its own DNS suffix.
    const char* suffix = region_.starts_with("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com";
    const char* prefix = id == ServiceId::ecr && fips_ecr_ ? "ecr-fips" : info(id).endpoint_prefix;
    return std::string("https://") + prefix + "." + region_ + suffix;
}

}  // namespace shipwatch::aws

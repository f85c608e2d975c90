// Base URLs of the AWS services shipwatch calls, and the name each signs with.
#pragma once

#include <map>
#include <string>

namespace shipwatch::aws {

enum class ServiceId { ecs, ecr, codebuild, elbv2, ec2, logs, secretsmanager, codedeploy };

struct ServiceInfo {
    const char* endpoint_prefix;  // host label: "api.ecr" for ECR
    const char* signing_name;  // SigV4 service name: "ecr"
    const char* env_suffix;  // AWS_ENDPOINT_URL_<suffix>
};
const ServiceInfo& info(ServiceId id);

class Endpoints {
public:
    Endpoints() = default;
    explicit Endpoints(std::string region) : region_(std::move(region)) {}
    // "https://ecs.eu-west-1.amazonaws.com" unless overridden.
    std::string base_url(ServiceId id) const;
    void set_override(ServiceId id, std::string base_url) { overrides_[id] = std::move(base_url); }
    void set_all(std::string base_url) { all_ = std::move(base_url); }
    const std::string& region() const { return region_; }
    // The same overrides (a simulator or mirror serves every region), another region. `fips`:
    // the ECR API at its FIPS host (ecr-fips.<region>), as an image from a FIPS registry host asks.
    Endpoints with_region(std::string region, bool fips = false) const {
        Endpoints copy = *this;
        copy.region_ = std::move(region);
        copy.fips_ecr_ = fips;
        return copy;
    }

private:
    std::string region_;
    bool fips_ecr_ = false;
    std::string all_;
    std::map<ServiceId, std::string> overrides_;
};

}  // namespace shipwatch::aws

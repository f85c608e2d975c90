#include "sources/aws/clients.hpp"

namespace shipwatch::aws {

ErrorContext call_context(const AwsContext& ctx, ServiceId service, std::string_view operation, std::string resource) {
    ErrorContext c;
    c.call = std::string(info(service).signing_name) + ":" + std::string(operation);
    c.resource = std::move(resource);
    c.region = ctx.region.empty() ? ctx.endpoints.region() : ctx.region;
    c.profile = ctx.profile;
    return c;
}

}  // namespace shipwatch::aws

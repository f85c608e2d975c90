// AWS Secrets Manager (JSON 1.1): metadata only. GetSecretValue is never called.
// Shapes: botocore/data/secretsmanager/2017-10-17/service-2.json.
#include "sources/aws/clients.hpp"
#include "sources/aws/json_protocol.hpp"

namespace shipwatch::aws {

Result<SecretInfo> SecretsClient::describe_secret(const std::string& secret_id) const {
    auto answer = call_json(ctx_, ServiceId::secretsmanager, "secretsmanager.DescribeSecret",
                            nlohmann::json{{"SecretId", secret_id}});
    if (!answer) return in_context(answer.error(), call_context(ctx_, ServiceId::secretsmanager, "DescribeSecret",
                                                                "secret " + secret_id));
    SecretInfo info;
    info.arn = json_string(answer.value(), "ARN");
    info.name = json_string(answer.value(), "Name");
    info.last_changed = json_time(answer.value(), "LastChangedDate");
    return info;
}

}  // namespace shipwatch::aws

// AWS JSON 1.1 answers (ECS, ECR, CodeBuild, CloudWatch Logs, Secrets Manager): the fuzz bytes
// are the body of every answer, as a success (each client's parser) and as an error (json_error).
#include "sources/aws/clients.hpp"
#include "sources/aws/json_protocol.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace shipwatch;
using namespace shipwatch::aws;

namespace {

void exercise_clients(Transport& transport) {
    AwsContext ctx{&transport, "eu-west-1", Endpoints("eu-west-1")};
    EcsClient ecs(ctx);
    (void)ecs.describe_services("prod", {"api"});
    (void)ecs.list_tasks("prod", "api", "RUNNING");
    (void)ecs.describe_tasks("prod", {"arn:aws:ecs:eu-west-1:1:task/prod/abc"});
    (void)ecs.describe_task_definition("api:1");
    EcrClient ecr(ctx);
    (void)ecr.recent_images("api", 20);
    (void)ecr.describe_images("api", {"latest"}, {"sha256:00"});
    (void)CodeBuildClient(ctx).recent_builds("api-build", 5);
    (void)LogsClient(ctx).filter("/ecs/api", "Started", TimePoint{}, 20);
    (void)SecretsClient(ctx).describe_secret("api/db");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string body = fuzzing::as_text(data, size);
    fuzzing::Answering ok(200, body);
    exercise_clients(ok.transport());
    HttpResponse error = testing::response(400, body);
    (void)json_error(error);
    return 0;
}

// AWS Query answers in XML (ELBv2, EC2 via pugixml): the fuzz bytes are the body of every
// answer, as a success (each client's parser, UserData decoding and summary) and as an error.
#include "sources/aws/clients.hpp"
#include "sources/aws/query_protocol.hpp"
#include "sources/aws/user_data.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace shipwatch;
using namespace shipwatch::aws;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string body = fuzzing::as_text(data, size);
    fuzzing::Answering answering(200, body);
    AwsContext ctx{&answering.transport(), "eu-west-1", Endpoints("eu-west-1")};

    Elbv2Client elbv2(ctx);
    // One ARN and one name: the client asks for each kind in its own call.
    (void)elbv2.describe_target_groups({"arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/api/1", "api"});
    (void)elbv2.describe_target_health("arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/api/1");
    (void)elbv2.load_balancer_dns({"arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/api/1"});

    Ec2Client ec2(ctx);
    (void)ec2.describe_instances({"i-0123456789abcdef0"});
    if (auto script = ec2.user_data("i-0123456789abcdef0")) {
        Instance instance;
        summarize_user_data(script.value(), instance);
    }

    HttpResponse error = testing::response(400, body);
    (void)query_error(error);
    return 0;
}

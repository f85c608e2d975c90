// Read-only AWS API clients: each builds real requests (JSON 1.1 or Query), sends them through a
// Transport, follows every pagination token, and parses the answers into model types.
// Shapes follow botocore's service models (python3-botocore: botocore/data/<svc>/<ver>/service-2.json).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sources/aws/endpoints.hpp"
#include "base/result.hpp"
#include "http/transport.hpp"
#include "model/types.hpp"

namespace shipwatch::aws {

// Where and how to call one AWS account/region.
struct AwsContext {
    Transport* transport = nullptr;
    std::string region;
    Endpoints endpoints;  // per-service base URLs
    // The same account's credentials and endpoint overrides, asking another region (an image's
    // ECR registry may be in a region other than the pipeline's, or behind a FIPS host).
    AwsContext in_region(const std::string& other, bool fips_ecr = false) const {
        AwsContext ctx = *this;
        ctx.region = other;
        ctx.endpoints = endpoints.with_region(other, fips_ecr);
        return ctx;
    }
    // The credentials the calls go out with, as errors name them: "profile prod", "env
    // AWS_ACCESS_KEY_ID" (credentials_label); empty: not said (tests, the simulator's demo).
    std::string profile;
};

// What a call asks for, for its errors: "ecs:DescribeServices" (signing name and operation), the
// region and the profile of `ctx`, and the resource ("cluster c service s") when given.
ErrorContext call_context(const AwsContext& ctx, ServiceId service, std::string_view operation,
                          std::string resource = {});

class EcsClient {
public:
    explicit EcsClient(AwsContext ctx) : ctx_(std::move(ctx)) {}
    // DescribeServices, batched by 10 (API limit); services missing from the answer come back
    // as failures with reason MISSING.
    Result<std::vector<Service>> describe_services(const std::string& cluster,
                                                   const std::vector<std::string>& services) const;
    // ListTasks for a service (empty: the whole cluster) and desiredStatus (RUNNING or
    // STOPPED), all pages.
    Result<std::vector<std::string>> list_tasks(const std::string& cluster, const std::string& service,
                                                const std::string& desired_status) const;
    // One page of it: up to 100 ARNs and the token of the next page ("" on the last; a token
    // that repeats the one given is the end too).
    struct TaskPage {
        std::vector<std::string> arns;
        std::string next_token;
    };
    Result<TaskPage> list_tasks_page(const std::string& cluster, const std::string& service,
                                     const std::string& desired_status, const std::string& token) const;
    // DescribeTasks, batched by 100. An ARN the answer lists under failures[] (MISSING) is
    // skipped for stopped tasks, which ECS forgets after about an hour; for running ones
    // (`Failures::fail`) it is an error: judging the digests of the rest would judge a subset.
    enum class Failures { skip, fail };
    Result<std::vector<Task>> describe_tasks(const std::string& cluster, const std::vector<std::string>& task_arns,
                                             Failures failures = Failures::skip) const;
    Result<TaskDefinition> describe_task_definition(const std::string& arn_or_family_rev) const;

private:
    AwsContext ctx_;
};

class EcrClient {
public:
    explicit EcrClient(AwsContext ctx) : ctx_(std::move(ctx)) {}
    // All images of a repository (every page), newest push first, at most `limit`. With a
    // registry id (the account in the image's host) DescribeImages reads that account's
    // registry; ctx.region must then be the host's region. An error names the registry,
    // repository and region.
    Result<std::vector<Image>> recent_images(const std::string& repository, size_t limit = 200,
                                             const std::string& registry_id = "") const;
    // DescribeImages with imageIds: tags and/or digests. Unknown ids are skipped, not errors.
    Result<std::vector<Image>> describe_images(const std::string& repository,
                                               const std::vector<std::string>& tags,
                                               const std::vector<std::string>& digests) const;

private:
    AwsContext ctx_;
};

class CodeBuildClient {
public:
    explicit CodeBuildClient(AwsContext ctx) : ctx_(std::move(ctx)) {}
    // ListBuildsForProject (DESCENDING) up to `limit` ids, then BatchGetBuilds (≤100 per call).
    Result<std::vector<CiRun>> recent_builds(const std::string& project, size_t limit = 20) const;

private:
    AwsContext ctx_;
};

class Elbv2Client {
public:
    explicit Elbv2Client(AwsContext ctx) : ctx_(std::move(ctx)) {}
    // DescribeTargetGroups by ARN or name; fills load_balancer_arns (targets empty).
    Result<std::vector<TargetGroup>> describe_target_groups(const std::vector<std::string>& arns_or_names) const;
    Result<std::vector<Target>> describe_target_health(const std::string& target_group_arn) const;
    // DescribeLoadBalancers by ARN: arn -> DNS name.
    Result<std::vector<std::pair<std::string, std::string>>> load_balancer_dns(
        const std::vector<std::string>& arns) const;

private:
    AwsContext ctx_;
};

class Ec2Client {
public:
    explicit Ec2Client(AwsContext ctx) : ctx_(std::move(ctx)) {}
    // DescribeInstances by id, all pages; user data not included.
    Result<std::vector<Instance>> describe_instances(const std::vector<std::string>& ids) const;
    // DescribeInstanceAttribute userData: the decoded script ("" when none).
    Result<std::string> user_data(const std::string& instance_id) const;

private:
    AwsContext ctx_;
};

class LogsClient {
public:
    explicit LogsClient(AwsContext ctx) : ctx_(std::move(ctx)) {}
    // FilterLogEvents with the pattern (quoted as a literal term), from `since`, all pages,
    // at most `limit` matches, newest last.
    Result<std::vector<LogMatch>> filter(const std::string& log_group, const std::string& literal,
                                         TimePoint since, size_t limit = 50) const;

private:
    AwsContext ctx_;
};

// AWS CodeDeploy (JSON 1.1): the blue/green deployment behind a CODE_DEPLOY service's task sets.
class CodeDeployClient {
public:
    explicit CodeDeployClient(AwsContext ctx) : ctx_(std::move(ctx)) {}
    // GetDeployment: status, error, rollback, times.
    Result<CodeDeployDeployment> get_deployment(const std::string& deployment_id) const;
    // ListDeployments of a deployment group created since `since` (first page; no order promised).
    Result<std::vector<std::string>> list_deployments(const std::string& application, const std::string& group,
                                                      std::optional<TimePoint> since) const;
    // BatchGetDeployments, at most 25 ids.
    Result<std::vector<CodeDeployDeployment>> batch_get(const std::vector<std::string>& ids) const;
    // GetDeploymentTarget for the ECS target "cluster:service": lifecycle events and each task
    // set's traffic weight, filled into `deployment` (target_read set).
    Result<CodeDeployDeployment> with_ecs_target(CodeDeployDeployment deployment, const std::string& cluster,
                                                 const std::string& service) const;
    // The newest deployment of the group that created `known_id` (a task set's externalId): a
    // rollback removes the replacement set, so only the group's list shows the deployment that
    // failed. Degrades: without ListDeployments the known deployment stands; without
    // GetDeploymentTarget the traffic split is not read (target_read stays false).
    Result<CodeDeployDeployment> newest_for_service(const std::string& known_id, const std::string& cluster,
                                                    const std::string& service) const;

private:
    Result<CodeDeployDeployment> newest_chain(const std::string& known_id, const std::string& cluster,
                                              const std::string& service) const;
    AwsContext ctx_;
};

class SecretsClient {
public:
    explicit SecretsClient(AwsContext ctx) : ctx_(std::move(ctx)) {}
    // DescribeSecret: metadata only (name, ARN, LastChangedDate). Never GetSecretValue.
    Result<SecretInfo> describe_secret(const std::string& secret_id) const;

private:
    AwsContext ctx_;
};

}  // namespace shipwatch::aws

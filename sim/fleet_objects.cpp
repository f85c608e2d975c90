// The fleet's layout (names, regions, clusters, shared repositories) and its objects in the APIs'
// own shapes, as the curated scenarios write them (botocore member names, GitHub REST fields).
#include <fmt/format.h>

#include "base/digest.hpp"
#include "sim/fleet_detail.hpp"

namespace shipwatch::sim::fleet {
namespace {

const std::vector<std::string> kApps{"checkout", "payments", "search",  "catalog",  "ledger",  "notify",
                                     "render",   "auth",     "billing", "pricing",  "reviews", "shipping",
                                     "media",    "profile",  "reports", "gateway",  "orders",  "invoices",
                                     "cart",     "loyalty",  "fraud",   "geo",      "images",  "mailer"};
const std::vector<std::string> kStages{"prod", "staging", "canary", "dev", "perf", "demo", "qa", "sandbox", "edge", "batch"};

std::string region_short(const std::string& region) {
    // us-west-2 → usw2, ap-southeast-2 → apse2
    std::string out;
    size_t start = 0;
    while (start < region.size()) {
        size_t dash = region.find('-', start);
        std::string part = region.substr(start, dash == std::string::npos ? std::string::npos : dash - start);
        if (std::isdigit(static_cast<unsigned char>(part[0]))) out += part;
        else if (part == "southeast" || part == "northeast") out += part.substr(0, 1) + "e";
        else out += part.substr(0, part == "us" || part == "eu" || part == "ap" ? 2 : 1);
        if (dash == std::string::npos) break;
        start = dash + 1;
    }
    return out;
}

}  // namespace

std::string hex_id(const std::string& what, size_t length) {
    std::string hex;
    for (int round = 0; hex.size() < length; ++round) hex += sha256_hex(fmt::format("{}#{}", what, round));
    return hex.substr(0, length);
}

std::string escape_pointer(const std::string& token) {
    std::string out;
    for (char c : token) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

Layout make_layout(const FleetOptions& o) {
    Layout layout;
    const int n = o.pipelines;
    const int regions = std::min<int>(static_cast<int>(o.regions.size()), n);
    const int clusters = std::max(o.clusters > 0 ? o.clusters : (n + 7) / 8, regions);
    for (int c = 0; c < clusters; ++c) {
        ClusterLayout cl;
        cl.region = o.regions[static_cast<size_t>(c % regions)];
        cl.name = fmt::format("fleet-{}-{}", region_short(cl.region), c);
        cl.load_balancer_name = cl.name + "-alb";
        cl.load_balancer_arn = fmt::format("arn:aws:elasticloadbalancing:{}:{}:loadbalancer/app/{}/{}", cl.region, kAccount,
                                           cl.load_balancer_name, hex_id(cl.name + "alb", 16));
        layout.clusters.push_back(cl);
    }
    const int per_repo = std::max(1, o.pipelines_per_repo);
    for (int i = 0; i < n; ++i) {
        const size_t repo_index = static_cast<size_t>(i / per_repo);
        if (repo_index >= layout.repos.size()) {
            std::string app = kApps[repo_index % kApps.size()];
            if (repo_index >= kApps.size()) app += fmt::format("{}", repo_index / kApps.size() + 1);
            layout.repos.push_back({"fleet-co/" + app, {}});
        }
        RepoLayout& repo = layout.repos[repo_index];
        const std::string stage = kStages[static_cast<size_t>(i % per_repo) % kStages.size()];
        // Pipelines of one repository land in different clusters (and so often regions).
        const ClusterLayout& cl = layout.clusters[static_cast<size_t>(i % clusters)];
        PipelineLayout p;
        p.name = fmt::format("{}-{}", repo.name.substr(repo.name.find('/') + 1), stage);
        p.region = cl.region;
        p.cluster = cl.name;
        p.repo = repo.name;
        p.repo_index = repo_index;
        p.workflow = fmt::format("deploy-{}.yml", stage);
        p.workflow_name = fmt::format("Deploy {}", stage);
        p.workflow_id = 40000000 + static_cast<long long>(i);
        p.latest_tag = i % 4 == 1;
        p.short_tag = i % 2 == 0;
        p.target_group_name = p.name.size() > 29 ? p.name.substr(0, 29) + "-tg" : p.name + "-tg";
        p.target_group_arn = fmt::format("arn:aws:elasticloadbalancing:{}:{}:targetgroup/{}/{}", p.region, kAccount,
                                         p.target_group_name, hex_id(p.name + "tg", 16));
        p.load_balancer_arn = cl.load_balancer_arn;
        p.version_url = fmt::format("https://{}.{}.fleet-co.example/version", p.name, region_short(p.region));
        p.secret_arn = fmt::format("arn:aws:secretsmanager:{}:{}:secret:{}/db-password-{}", p.region, kAccount, p.name,
                                   hex_id(p.name + "secret", 6));
        p.ip_block = i;
        repo.pipelines.push_back(static_cast<size_t>(i));
        layout.pipelines.push_back(std::move(p));
    }
    return layout;
}

std::string commit_sha(uint64_t seed, const std::string& repo, int commit) {
    return hex_id(fmt::format("fleet-{}-{}-{}", seed, repo, commit), 40);
}

json commit_json(const std::string& repo, const std::string& sha, const std::string& parent, TimePoint at,
                 const std::string& message) {
    const std::string when = format_iso8601(at);
    json parents = json::array();
    if (!parent.empty())
        parents.push_back({{"sha", parent}, {"url", fmt::format("https://api.github.com/repos/{}/commits/{}", repo, parent)}});
    return {{"sha", sha},
            {"node_id", "C_" + sha.substr(0, 12)},
            {"commit",
             {{"author", {{"name", "Fleet Dev"}, {"email", "dev@users.noreply.github.com"}, {"date", when}}},
              {"committer", {{"name", "GitHub"}, {"email", "noreply@github.com"}, {"date", when}}},
              {"message", message},
              {"comment_count", 0}}},
            {"url", fmt::format("https://api.github.com/repos/{}/commits/{}", repo, sha)},
            {"html_url", fmt::format("https://github.com/{}/commit/{}", repo, sha)},
            {"author", {{"login", "fleet-dev"}, {"type", "User"}}},
            {"committer", {{"login", "web-flow"}, {"type", "User"}}},
            {"parents", parents}};
}

json run_json(const PipelineLayout& p, long long id, int number, const std::string& sha, TimePoint created,
              const std::string& event) {
    const std::string when = format_iso8601(created);
    return {{"id", id},
            {"name", p.workflow_name},
            {"node_id", fmt::format("WFR_{}", id)},
            {"head_branch", "main"},
            {"head_sha", sha},
            {"path", ".github/workflows/" + p.workflow},
            {"display_title", p.workflow_name},
            {"run_number", number},
            {"event", event},
            {"status", "in_progress"},
            {"conclusion", nullptr},
            {"workflow_id", p.workflow_id},
            {"url", fmt::format("https://api.github.com/repos/{}/actions/runs/{}", p.repo, id)},
            {"html_url", fmt::format("https://github.com/{}/actions/runs/{}", p.repo, id)},
            {"created_at", when},
            {"updated_at", when},
            {"run_attempt", 1},
            {"run_started_at", when}};
}

// One job "build-and-push"; when the push fails, the failing step is `docker push` (incident 3).
json jobs_json(long long run_id, TimePoint start, bool push_fails) {
    const std::vector<std::pair<std::string, Duration>> steps{{"Set up job", std::chrono::seconds(5)},
                                                              {"Checkout", std::chrono::seconds(10)},
                                                              {"Login to Amazon ECR", std::chrono::seconds(5)},
                                                              {"docker build", std::chrono::minutes(4)},
                                                              {"docker push", std::chrono::seconds(80)},
                                                              {"Complete job", std::chrono::seconds(5)}};
    json list = json::array();
    TimePoint t = start;
    for (size_t i = 0; i < steps.size(); ++i) {
        const bool failed = push_fails && steps[i].first == "docker push";
        const bool skipped = push_fails && i > 4;
        TimePoint end = t + steps[i].second;
        list.push_back({{"name", steps[i].first},
                        {"status", "completed"},
                        {"conclusion", failed ? "failure" : skipped ? "skipped" : "success"},
                        {"number", i + 1},
                        {"started_at", format_iso8601(t)},
                        {"completed_at", format_iso8601(end)}});
        t = end;
    }
    return json::array({{{"id", run_id + 7},
                         {"run_id", run_id},
                         {"name", "build-and-push"},
                         {"status", "completed"},
                         {"conclusion", push_fails ? "failure" : "success"},
                         {"started_at", format_iso8601(start)},
                         {"completed_at", format_iso8601(t)},
                         {"head_sha", ""},
                         {"steps", list},
                         {"html_url", fmt::format("https://github.com/fleet-co/actions/runs/{}/job/{}", run_id, run_id + 7)}}});
}

std::vector<std::string> image_tags(const PipelineLayout& p, const std::string& sha, bool newest) {
    std::vector<std::string> tags{p.short_tag || p.latest_tag ? sha.substr(0, 7) : sha};
    if (p.latest_tag && newest) tags.push_back("latest");
    return tags;
}

std::string image_ref(const PipelineLayout& p, const std::string& sha) {
    return fmt::format("{}.dkr.ecr.{}.amazonaws.com/{}:{}", kAccount, p.region, p.name,
                       p.latest_tag ? std::string("latest") : image_tags(p, sha, false).front());
}

json image_json(const PipelineLayout& p, const std::string& digest, const std::string& sha, TimePoint pushed) {
    return {{"registryId", kAccount},
            {"repositoryName", p.name},
            {"imageDigest", digest},
            {"imageSizeInBytes", 187654321},
            {"imagePushedAt", format_iso8601(pushed)},
            {"imageManifestMediaType", "application/vnd.docker.distribution.manifest.v2+json"},
            {"artifactMediaType", "application/vnd.docker.container.image.v1+json"},
            {"imageTags", image_tags(p, sha, true)}};
}

std::string taskdef_arn(const PipelineLayout& p, int revision) {
    return fmt::format("arn:aws:ecs:{}:{}:task-definition/{}:{}", p.region, kAccount, p.name, revision);
}

json taskdef_json(const PipelineLayout& p, int revision, const std::string& sha, TimePoint registered, bool secret) {
    json secrets = json::array();
    if (secret) secrets.push_back({{"name", "DB_PASSWORD"}, {"valueFrom", p.secret_arn}});
    return {{"taskDefinitionArn", taskdef_arn(p, revision)},
            {"family", p.name},
            {"revision", revision},
            {"status", "ACTIVE"},
            {"registeredAt", format_iso8601(registered)},
            {"registeredBy", fmt::format("arn:aws:iam::{}:role/github-actions-deploy", kAccount)},
            {"executionRoleArn", fmt::format("arn:aws:iam::{}:role/{}-execution", kAccount, p.name)},
            {"networkMode", "awsvpc"},
            {"requiresCompatibilities", {"FARGATE"}},
            {"cpu", "512"},
            {"memory", "1024"},
            {"containerDefinitions",
             {{{"name", "app"},
               {"image", image_ref(p, sha)},
               {"essential", true},
               {"cpu", 0},
               {"portMappings", {{{"containerPort", 8080}, {"hostPort", 8080}, {"protocol", "tcp"}}}},
               {"environment", {{{"name", "PORT"}, {"value", "8080"}}}},
               {"secrets", secrets},
               {"logConfiguration",
                {{"logDriver", "awslogs"},
                 {"options", {{"awslogs-group", "/ecs/" + p.name}, {"awslogs-region", p.region}, {"awslogs-stream-prefix", "ecs"}}}}}}}}};
}

std::string task_arn(const PipelineLayout& p, const std::string& id) {
    return fmt::format("arn:aws:ecs:{}:{}:task/{}/{}", p.region, kAccount, p.cluster, id);
}

json task_json(const PipelineLayout& p, const std::string& id, int revision, const std::string& deployment,
               const std::string& sha, const std::string& digest, const std::string& ip, TimePoint started) {
    const std::string when = format_iso8601(started);
    const std::string cluster_arn = fmt::format("arn:aws:ecs:{}:{}:cluster/{}", p.region, kAccount, p.cluster);
    return {{"taskArn", task_arn(p, id)},
            {"clusterArn", cluster_arn},
            {"taskDefinitionArn", taskdef_arn(p, revision)},
            {"group", "service:" + p.name},
            {"startedBy", deployment},
            {"lastStatus", "RUNNING"},
            {"desiredStatus", "RUNNING"},
            {"healthStatus", "HEALTHY"},
            {"launchType", "FARGATE"},
            {"cpu", "512"},
            {"memory", "1024"},
            {"createdAt", when},
            {"attachments",
             {{{"id", "eni-att-" + id.substr(0, 8)},
               {"type", "ElasticNetworkInterface"},
               {"status", "ATTACHED"},
               {"details", {{{"name", "subnetId"}, {"value", "subnet-0f1e2d3c"}}, {{"name", "privateIPv4Address"}, {"value", ip}}}}}}},
            {"containers",
             {{{"containerArn", fmt::format("arn:aws:ecs:{}:{}:container/{}/{}/{}", p.region, kAccount, p.cluster, id, hex_id(id, 32))},
               {"taskArn", task_arn(p, id)},
               {"name", "app"},
               {"image", image_ref(p, sha)},
               {"lastStatus", "RUNNING"},
               {"healthStatus", "HEALTHY"},
               {"imageDigest", digest}}}},
            {"startedAt", when},
            {"pullStartedAt", when},
            {"pullStoppedAt", when}};
}

// Patch operations that stop a running task, addressed by its ARN (the cluster's task list is
// shared and shifts as ECS forgets stopped tasks).
json stopped_task_patch(const PipelineLayout& p, const std::string& task_id, TimePoint at, const std::string& code,
                        const std::string& reason, int exit_code) {
    const std::string task = cluster_path(p) + "/tasks/[taskArn=" + escape_pointer(task_arn(p, task_id)) + "]";
    const std::string when = format_iso8601(at);
    return json::array({{{"op", "replace"}, {"path", task + "/lastStatus"}, {"value", "STOPPED"}},
                        {{"op", "replace"}, {"path", task + "/desiredStatus"}, {"value", "STOPPED"}},
                        {{"op", "add"}, {"path", task + "/stoppedAt"}, {"value", when}},
                        {{"op", "add"}, {"path", task + "/stopCode"}, {"value", code}},
                        {{"op", "add"}, {"path", task + "/stoppedReason"}, {"value", reason}},
                        {{"op", "replace"}, {"path", task + "/containers/0/lastStatus"}, {"value", "STOPPED"}},
                        {{"op", "add"}, {"path", task + "/containers/0/exitCode"}, {"value", exit_code}}});
}

json deployment_json(const PipelineLayout& p, const std::string& id, const std::string& status, int revision,
                     int running, TimePoint created, TimePoint updated, const std::string& rollout) {
    std::string reason = rollout == "COMPLETED" ? fmt::format("ECS deployment {} completed.", id)
                                                : fmt::format("ECS deployment {} in progress.", id);
    return {{"id", id},
            {"status", status},
            {"taskDefinition", taskdef_arn(p, revision)},
            {"desiredCount", status == "PRIMARY" ? kTasksPerService : running},
            {"pendingCount", 0},
            {"runningCount", running},
            {"failedTasks", 0},
            {"createdAt", format_iso8601(created)},
            {"updatedAt", format_iso8601(updated)},
            {"launchType", "FARGATE"},
            {"rolloutState", rollout},
            {"rolloutStateReason", reason}};
}

json service_json(const PipelineLayout& p, int revision, const json& deployments) {
    return {{"serviceArn", fmt::format("arn:aws:ecs:{}:{}:service/{}/{}", p.region, kAccount, p.cluster, p.name)},
            {"serviceName", p.name},
            {"clusterArn", fmt::format("arn:aws:ecs:{}:{}:cluster/{}", p.region, kAccount, p.cluster)},
            {"loadBalancers", {{{"targetGroupArn", p.target_group_arn}, {"containerName", "app"}, {"containerPort", 8080}}}},
            {"status", "ACTIVE"},
            {"desiredCount", kTasksPerService},
            {"runningCount", kTasksPerService},
            {"pendingCount", 0},
            {"launchType", "FARGATE"},
            {"platformVersion", "LATEST"},
            {"taskDefinition", taskdef_arn(p, revision)},
            // No circuit breaker, as in incident 3: a failing rollout retries until someone fixes it.
            {"deploymentConfiguration",
             {{"deploymentCircuitBreaker", {{"enable", false}, {"rollback", false}}}, {"maximumPercent", 200}, {"minimumHealthyPercent", 100}}},
            {"deployments", deployments},
            {"events", json::array()},
            {"createdAt", "2024-11-02T10:00:00Z"},
            {"schedulingStrategy", "REPLICA"},
            {"deploymentController", {{"type", "ECS"}}}};
}

json event_json(const std::string& id, TimePoint at, const std::string& message) {
    return {{"id", id}, {"createdAt", format_iso8601(at)}, {"message", message}};
}

json target_json(const std::string& ip, const std::string& state, const std::string& reason) {
    json health = {{"State", state}};
    if (state == "initial") {
        health["Reason"] = "Elb.RegistrationInProgress";
        health["Description"] = "Target registration is in progress";
    } else if (state == "draining") {
        health["Reason"] = "Target.DeregistrationInProgress";
        health["Description"] = "Target deregistration is in progress";
    } else if (!reason.empty()) {
        health["Reason"] = reason;
    }
    return {{"Target", {{"Id", ip}, {"Port", 8080}}}, {"HealthCheckPort", "8080"}, {"TargetHealth", health}};
}

json version_answer(const std::string& sha) {
    return {{"status", 200},
            {"headers", {{"Content-Type", "application/json"}}},
            {"body", json{{"commit", sha}}.dump()}};
}

std::string cluster_path(const PipelineLayout& p) { return fmt::format("/aws/{}/ecs/clusters/{}", p.region, p.cluster); }

std::string service_path(const PipelineLayout& p) {
    return cluster_path(p) + "/services/[serviceName=" + escape_pointer(p.name) + "]";
}

}  // namespace shipwatch::sim::fleet

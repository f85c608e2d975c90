// The fleet generator: the initial world (every pipeline live on its repository's newest commit)
// and the script that takes each commit of the schedule through its pipelines, as timed JSON
// patches in the same shapes the curated scenarios use. Objects in lists that other pipelines
// share (a cluster's tasks, a repository's runs) are addressed by key ([taskArn=...]), since ECS
// forgetting stopped tasks moves everything after them.
#include <regex>

#include <fmt/format.h>

#include "sim/fleet_detail.hpp"

namespace shipwatch::sim {
namespace {

using namespace fleet;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr int kMaxPipelines = 10000;
const TimePoint kFleetStart = *parse_iso8601("2025-10-06T09:00:00Z");  // a Monday morning
constexpr Duration kWeek = hours(24 * 7);

// What the generator knows of one pipeline's live state while writing its script.
struct PipelineState {
    int revision = 2;
    std::string sha;  // the commit the tasks run
    std::string digest;  // the digest the tasks run
    std::string pushed_digest;  // the newest image (what `latest` points at)
    std::string pushed_sha;
    std::string deployment;
    std::vector<std::pair<std::string, std::string>> tasks;  // running: id, IP
    int task_counter = 0;
    int run_number = 100;
    bool secret = false;  // the task definition references the secret (since a stuck rollout)
};

class Writer {
public:
    Writer(const Layout& layout, uint64_t seed, TimePoint start, json& world, std::vector<ScriptStep>& script)
        : layout_(layout), seed_(seed), start_(start), world_(world), script_(script) {}

    void initial_world();
    void merge(const Merge& m);
    void cycle(const Cycle& c, TimePoint end);

private:
    const PipelineLayout& pl(size_t i) const { return layout_.pipelines[i]; }
    void step(TimePoint at, json patch) { script_.push_back({at - start_, Duration{0}, std::nullopt, std::move(patch)}); }
    std::string github(const PipelineLayout& p) const { return "/github/" + escape_pointer(p.repo); }
    std::string region(const PipelineLayout& p) const { return "/aws/" + p.region; }
    std::string health_path(const PipelineLayout& p) const {
        return region(p) + "/elbv2/targetHealth/" + escape_pointer(p.target_group_arn);
    }
    std::string digest_of(const PipelineLayout& p, int commit, int attempt) const {
        return "sha256:" + hex_id(fmt::format("{}-{}-{}-{}", seed_, p.name, commit, attempt), 64);
    }
    std::string deployment_id(const PipelineLayout& p, int n) const {
        return "ecs-svc/" + std::to_string(std::stoull(hex_id(fmt::format("{}-deploy-{}", p.name, n), 15), nullptr, 16)).substr(0, 19);
    }
    std::pair<std::string, std::string> new_task(const PipelineLayout& p, PipelineState& st) {
        int n = st.task_counter++;
        return {hex_id(fmt::format("{}-{}-task-{}", seed_, p.name, n), 32),
                fmt::format("10.{}.{}.{}", 100 + p.ip_block / 250, p.ip_block % 250, 10 + n % 240)};
    }
    long long run_id() { return 9100000000LL + next_run_++; }

    void build(const PipelineLayout& p, PipelineState& st, const std::string& sha, int commit, TimePoint start,
               bool push_fails, const std::string& event, int attempt);
    void rollout_start(const PipelineLayout& p, PipelineState& st, const std::string& sha, TimePoint at, bool stuck);
    void tasks_up(const PipelineLayout& p, PipelineState& st, const std::string& sha, TimePoint at, json& patch,
                  std::vector<std::pair<std::string, std::string>>& fresh);
    void rollout_finish(const PipelineLayout& p, PipelineState& st, const std::string& sha, TimePoint at,
                        const std::vector<std::pair<std::string, std::string>>& old,
                        const std::vector<std::pair<std::string, std::string>>& fresh, int failed);
    void failing_tasks(const PipelineLayout& p, const PipelineState& st, TimePoint from, TimePoint until);

    const Layout& layout_;
    uint64_t seed_;
    TimePoint start_;
    json& world_;
    std::vector<ScriptStep>& script_;
    std::vector<PipelineState> states_;
    long long next_run_ = 0;
    int events_ = 0;
};

void Writer::initial_world() {
    world_ = {{"github", json::object()}, {"aws", json::object()}, {"http", json::object()}};
    const TimePoint t0 = start_ - hours(30), t1 = start_ - hours(6);  // the two commits before the start
    for (const RepoLayout& r : layout_.repos) {
        const std::string c0 = commit_sha(seed_, r.name, 0), c1 = commit_sha(seed_, r.name, 1);
        json workflows = json::object();
        for (size_t i : r.pipelines) workflows[pl(i).workflow] = pl(i).workflow_name;
        world_["github"][r.name] = {{"commits", {commit_json(r.name, c1, c0, t1, "Commit 1"), commit_json(r.name, c0, "", t0, "Commit 0")}},
                                    {"runs", json::array()},
                                    {"workflows", workflows},
                                    {"jobs", json::object()}};
    }
    for (const ClusterLayout& c : layout_.clusters) {
        json& aws = world_["aws"][c.region];
        if (aws.is_null())
            aws = {{"ecs", {{"clusters", json::object()}, {"taskDefinitions", json::array()}}},
                   {"ecr", {{"repositories", json::object()}}},
                   {"elbv2", {{"loadBalancers", json::array()}, {"targetGroups", json::array()}, {"targetHealth", json::object()}}},
                   {"secretsmanager", {{"secrets", json::array()}}}};
        aws["ecs"]["clusters"][c.name] = {{"services", json::array()}, {"tasks", json::array()}};
        aws["elbv2"]["loadBalancers"].push_back({{"LoadBalancerArn", c.load_balancer_arn},
                                                 {"DNSName", fmt::format("{}-{}.{}.elb.amazonaws.com", c.load_balancer_name, 100000 + c.name.size() * 7919, c.region)},
                                                 {"CanonicalHostedZoneId", "Z32O12XQLNTSW2"},
                                                 {"CreatedTime", "2024-11-02T09:55:00Z"},
                                                 {"LoadBalancerName", c.load_balancer_name},
                                                 {"Scheme", "internet-facing"},
                                                 {"VpcId", "vpc-0f1e2d3c4b5a69788"},
                                                 {"State", {{"Code", "active"}}},
                                                 {"Type", "application"},
                                                 {"IpAddressType", "ipv4"}});
    }
    states_.resize(layout_.pipelines.size());
    for (size_t i = 0; i < layout_.pipelines.size(); ++i) {
        const PipelineLayout& p = pl(i);
        PipelineState& st = states_[i];
        json& aws = world_["aws"][p.region];
        json& gh = world_["github"][p.repo];
        const std::string c0 = commit_sha(seed_, p.repo, 0), c1 = commit_sha(seed_, p.repo, 1);
        for (int c = 0; c < 2; ++c) {
            const std::string sha = c == 0 ? c0 : c1;
            const TimePoint built = (c == 0 ? t0 : t1) + minutes(1);
            long long id = run_id();
            json run = run_json(p, id, st.run_number++, sha, built, "push");
            run["status"] = "completed";
            run["conclusion"] = "success";
            run["updated_at"] = format_iso8601(built + kBuildTime);
            gh["runs"].insert(gh["runs"].begin(), run);
            gh["jobs"][std::to_string(id)] = jobs_json(id, built, false);
            json image = image_json(p, digest_of(p, c, 1), sha, built + kBuildTime);
            if (c == 0) image["imageTags"] = image_tags(p, sha, false);
            auto& images = aws["ecr"]["repositories"][p.name]["images"];
            if (images.is_null()) images = json::array();
            images.insert(images.begin(), image);
            aws["ecs"]["taskDefinitions"].push_back(taskdef_json(p, c + 1, sha, built + kBuildTime + kRolloutDelay, false));
        }
        st.sha = st.pushed_sha = c1;
        st.digest = st.pushed_digest = digest_of(p, 1, 1);
        st.deployment = deployment_id(p, 0);
        const TimePoint deployed = t1 + minutes(1) + kBuildTime + kRolloutDelay;
        json service = service_json(p, 2, json::array({deployment_json(p, st.deployment, "PRIMARY", 2, kTasksPerService, deployed,
                                                                        deployed + kRolloutDone, "COMPLETED")}));
        service["events"].push_back(event_json(hex_id(p.name + "steady", 32), deployed + kRolloutDone,
                                               fmt::format("(service {}) has reached a steady state.", p.name)));
        json health = json::array();
        for (int k = 0; k < kTasksPerService; ++k) {
            auto task = new_task(p, st);
            st.tasks.push_back(task);
            aws["ecs"]["clusters"][p.cluster]["tasks"].push_back(
                task_json(p, task.first, 2, st.deployment, c1, st.digest, task.second, deployed + seconds(40)));
            health.push_back(target_json(task.second, "healthy", ""));
        }
        aws["ecs"]["clusters"][p.cluster]["services"].push_back(service);
        aws["elbv2"]["targetGroups"].push_back({{"TargetGroupArn", p.target_group_arn},
                                                {"TargetGroupName", p.target_group_name},
                                                {"Protocol", "HTTP"},
                                                {"Port", 8080},
                                                {"VpcId", "vpc-0f1e2d3c4b5a69788"},
                                                {"HealthCheckProtocol", "HTTP"},
                                                {"HealthCheckPort", "traffic-port"},
                                                {"HealthCheckEnabled", true},
                                                {"HealthCheckPath", "/health"},
                                                {"HealthCheckIntervalSeconds", 30},
                                                {"HealthCheckTimeoutSeconds", 5},
                                                {"HealthyThresholdCount", 5},
                                                {"UnhealthyThresholdCount", 2},
                                                {"Matcher", {{"HttpCode", "200"}}},
                                                {"LoadBalancerArns", {p.load_balancer_arn}},
                                                {"TargetType", "ip"},
                                                {"ProtocolVersion", "HTTP1"},
                                                {"IpAddressType", "ipv4"}});
        aws["elbv2"]["targetHealth"][p.target_group_arn] = health;
        aws["secretsmanager"]["secrets"].push_back({{"ARN", p.secret_arn},
                                                    {"Name", p.name + "/db-password"},
                                                    {"LastChangedDate", "2025-09-01T12:00:00Z"},
                                                    {"CreatedDate", "2024-10-01T12:00:00Z"},
                                                    {"Description", "managed by terraform"}});
        world_["http"][p.version_url] = version_answer(c1);
    }
}

void Writer::merge(const Merge& m) {
    const std::string& repo = layout_.repos[m.repo].name;
    const std::string sha = commit_sha(seed_, repo, m.commit), parent = commit_sha(seed_, repo, m.commit - 1);
    step(m.at, json::array({{{"op", "add"},
                             {"path", "/github/" + escape_pointer(repo) + "/commits/0"},
                             {"value", commit_json(repo, sha, parent, m.at, fmt::format("Commit {}", m.commit))}}}));
}

// A CI run: in progress at `start`, finished kBuildTime later; on success the image is pushed
// (and `latest` moves to it for pipelines that deploy `latest`).
void Writer::build(const PipelineLayout& p, PipelineState& st, const std::string& sha, int commit, TimePoint start,
                   bool push_fails, const std::string& event, int attempt) {
    const long long id = run_id();
    const std::string gh = github(p);
    step(start, json::array({{{"op", "add"}, {"path", gh + "/runs/0"}, {"value", run_json(p, id, st.run_number++, sha, start, event)}}}));
    const TimePoint done = start + kBuildTime;
    const std::string run = fmt::format("{}/runs/[id={}]", gh, id);
    json patch = json::array({{{"op", "replace"}, {"path", run + "/status"}, {"value", "completed"}},
                              {{"op", "replace"}, {"path", run + "/conclusion"}, {"value", push_fails ? "failure" : "success"}},
                              {{"op", "replace"}, {"path", run + "/updated_at"}, {"value", format_iso8601(done)}},
                              {{"op", "add"}, {"path", fmt::format("{}/jobs/{}", gh, id)}, {"value", jobs_json(id, start, push_fails)}}});
    if (!push_fails) {
        const std::string images = region(p) + "/ecr/repositories/" + escape_pointer(p.name) + "/images";
        const std::string digest = digest_of(p, commit, attempt);
        if (p.latest_tag)
            patch.push_back({{"op", "replace"},
                             {"path", images + "/[imageDigest=" + st.pushed_digest + "]/imageTags"},
                             {"value", image_tags(p, st.pushed_sha, false)}});
        patch.push_back({{"op", "add"}, {"path", images + "/0"}, {"value", image_json(p, digest, sha, done - seconds(20))}});
        st.pushed_digest = digest;
        st.pushed_sha = sha;
    }
    step(done, std::move(patch));
}

// New tasks of the newest image, registered with the target group (health check still running).
void Writer::tasks_up(const PipelineLayout& p, PipelineState& st, const std::string& sha, TimePoint at, json& patch,
                      std::vector<std::pair<std::string, std::string>>& fresh) {
    std::string started;
    for (int k = 0; k < kTasksPerService; ++k) {
        auto task = new_task(p, st);
        fresh.push_back(task);
        started += fmt::format(" (task {})", task.first);
        patch.push_back({{"op", "add"},
                         {"path", cluster_path(p) + "/tasks/-"},
                         {"value", task_json(p, task.first, st.revision, st.deployment, sha, st.pushed_digest, task.second, at)}});
    }
    json health = json::array();
    for (const auto& t : st.tasks) health.push_back(target_json(t.second, "healthy", ""));
    for (const auto& t : fresh) health.push_back(target_json(t.second, "initial", ""));
    patch.push_back({{"op", "replace"}, {"path", health_path(p)}, {"value", health}});
    patch.push_back({{"op", "add"},
                     {"path", service_path(p) + "/events/0"},
                     {"value", event_json(fmt::format("fleet-{}", ++events_), at, fmt::format("(service {}) has started {} tasks:{}.", p.name, kTasksPerService, started))}});
}

// A new task definition revision and a deployment of it. A stuck one starts no task that lasts.
void Writer::rollout_start(const PipelineLayout& p, PipelineState& st, const std::string& sha, TimePoint at, bool stuck) {
    const std::string old_deployment = st.deployment;
    const int old_revision = st.revision;
    ++st.revision;
    if (stuck) st.secret = true;
    st.deployment = deployment_id(p, st.revision);
    json deployments = json::array({deployment_json(p, st.deployment, "PRIMARY", st.revision, 0, at, at, "IN_PROGRESS"),
                                    deployment_json(p, old_deployment, "ACTIVE", old_revision, kTasksPerService, at, at, "COMPLETED")});
    json patch = json::array({{{"op", "add"}, {"path", region(p) + "/ecs/taskDefinitions/-"}, {"value", taskdef_json(p, st.revision, sha, at - seconds(15), st.secret)}},
                              {{"op", "replace"}, {"path", service_path(p) + "/taskDefinition"}, {"value", taskdef_arn(p, st.revision)}},
                              {{"op", "replace"}, {"path", service_path(p) + "/deployments"}, {"value", deployments}}});
    std::vector<std::pair<std::string, std::string>> fresh;
    if (!stuck) {
        tasks_up(p, st, sha, at, patch, fresh);
        patch.push_back({{"op", "replace"}, {"path", service_path(p) + "/deployments/0/runningCount"}, {"value", kTasksPerService}});
    }
    step(at, std::move(patch));
    if (!stuck) rollout_finish(p, st, sha, at, st.tasks, fresh, 0);
}

// Targets turn healthy, then the old tasks stop, the rollout completes and the endpoint answers
// with the new commit: from `at + kRolloutDone` on the pipeline is live.
void Writer::rollout_finish(const PipelineLayout& p, PipelineState& st, const std::string& sha, TimePoint at,
                            const std::vector<std::pair<std::string, std::string>>& old,
                            const std::vector<std::pair<std::string, std::string>>& fresh, int failed) {
    json health = json::array();
    for (const auto& t : fresh) health.push_back(target_json(t.second, "healthy", ""));
    json draining = health;
    for (const auto& t : old) draining.push_back(target_json(t.second, "draining", ""));
    step(at + kTargetsHealthy, json::array({{{"op", "replace"}, {"path", health_path(p)}, {"value", draining}}}));

    const TimePoint done = at + kRolloutDone;
    json patch = json::array();
    for (const auto& t : old)
        for (json& op : stopped_task_patch(p, t.first, done - seconds(10), "ServiceSchedulerInitiated",
                                           fmt::format("Scaling activity initiated by (deployment {})", st.deployment), 0))
            patch.push_back(std::move(op));
    json deployment = deployment_json(p, st.deployment, "PRIMARY", st.revision, kTasksPerService, at, done, "COMPLETED");
    deployment["failedTasks"] = failed;
    patch.push_back({{"op", "replace"}, {"path", service_path(p) + "/deployments"}, {"value", json::array({deployment})}});
    patch.push_back({{"op", "replace"}, {"path", health_path(p)}, {"value", health}});
    patch.push_back({{"op", "replace"}, {"path", "/http/" + escape_pointer(p.version_url)}, {"value", version_answer(sha)}});
    for (const char* what : {"(deployment {}) deployment completed.", "has reached a steady state."})
        patch.push_back({{"op", "add"},
                         {"path", service_path(p) + "/events/0"},
                         {"value", event_json(fmt::format("fleet-{}", ++events_), done,
                                              fmt::format("(service {}) {}", p.name, fmt::format(fmt::runtime(what), st.deployment)))}});
    step(done, std::move(patch));
    st.tasks = fresh;
    st.sha = sha;
    st.digest = st.pushed_digest;
}

// Incident 3: every 13 minutes ECS starts a task that stops on the secret; events repeat and the
// deployment's failed-task count grows.
void Writer::failing_tasks(const PipelineLayout& p, const PipelineState& st, TimePoint from, TimePoint until) {
    if (until <= from) return;
    json task = task_json(p, "${hex8}${hex8}${hex8}${hex8}", st.revision, st.deployment, st.pushed_sha, "", "10.250.0.1", from);
    task["taskArn"] = task_arn(p, fmt::format("{:04x}${{hex8}}${{hex8}}${{hex8}}ffff", p.ip_block % 65536));
    task["createdAt"] = "${now-75s}";
    task["startedAt"] = "${now-70s}";
    task["lastStatus"] = task["desiredStatus"] = "STOPPED";
    task["healthStatus"] = "UNKNOWN";
    task["stoppingAt"] = "${now-5s}";
    task["stoppedAt"] = "${now}";
    task["stopCode"] = "TaskFailedToStart";
    task["stoppedReason"] =
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to "
        "retrieve secret from asm: service call has been retried 1 time(s): invalid character '!' in string escape code";
    task["attachments"][0]["status"] = "DELETED";
    task["containers"][0]["lastStatus"] = "STOPPED";
    task["containers"][0]["healthStatus"] = "UNKNOWN";
    task["containers"][0].erase("imageDigest");
    json patch = json::array(
        {{{"op", "add"}, {"path", service_path(p) + "/events/0"},
          {"value", {{"id", p.name + "-started-${seq}"}, {"createdAt", "${now-75s}"},
                     {"message", fmt::format("(service {}) has started 1 tasks: (task ${{hex8}}${{hex8}}${{hex8}}${{hex8}}).", p.name)}}}},
         {{"op", "add"}, {"path", service_path(p) + "/events/0"},
          {"value", {{"id", p.name + "-unable-${seq}"}, {"createdAt", "${now}"},
                     {"message", fmt::format("(service {}) is unable to consistently start tasks successfully. For more information, see the "
                                             "Troubleshooting section of the Amazon ECS Developer Guide.", p.name)}}}},
         {{"op", "increment"}, {"path", service_path(p) + "/deployments/0/failedTasks"}, {"value", 1}},
         {{"op", "add"}, {"path", cluster_path(p) + "/tasks/-"}, {"value", task}}});
    script_.push_back({from - start_, kFailEvery, until - start_, std::move(patch)});
}

void Writer::cycle(const Cycle& c, TimePoint end) {
    const PipelineLayout& p = pl(c.pipeline);
    PipelineState& st = states_[c.pipeline];
    const std::string sha = commit_sha(seed_, p.repo, c.commit);
    const bool recovers = c.live != TimePoint::max();
    switch (c.outcome) {
        case Outcome::normal:
            // (build_start is TimePoint::max() for cycles never built: add to it only here.)
            build(p, st, sha, c.commit, c.build_start, false, "push", 1);
            rollout_start(p, st, sha, c.build_start + kBuildTime + kRolloutDelay, false);
            return;
        case Outcome::merged_after_deploy:
            if (!recovers) return;  // merged, never built
            build(p, st, sha, c.commit, c.recover, false, "workflow_dispatch", 1);
            rollout_start(p, st, sha, c.recover + kBuildTime + kRolloutDelay, false);
            return;
        case Outcome::image_never_pushed:
            build(p, st, sha, c.commit, c.build_start, true, "push", 1);
            if (!recovers) return;
            build(p, st, sha, c.commit, c.recover, false, "workflow_dispatch", 2);
            rollout_start(p, st, sha, c.recover + kBuildTime + kRolloutDelay, false);
            return;
        case Outcome::cache_trap: {
            build(p, st, sha, c.commit, c.build_start, false, "push", 1);
            if (!recovers) return;
            // Someone stops the tasks by hand; ECS replaces them and they pull the new `latest`.
            json patch = json::array();
            for (const auto& t : st.tasks)
                for (json& op : stopped_task_patch(p, t.first, c.recover - seconds(30), "UserInitiated", "Task stopped by user", 143))
                    patch.push_back(std::move(op));
            st.tasks.clear();
            std::vector<std::pair<std::string, std::string>> fresh;
            tasks_up(p, st, sha, c.recover, patch, fresh);
            step(c.recover, std::move(patch));
            json health = json::array();
            for (const auto& t : fresh) health.push_back(target_json(t.second, "healthy", ""));
            step(c.live, json::array({{{"op", "replace"}, {"path", health_path(p)}, {"value", health}},
                                      {{"op", "replace"}, {"path", "/http/" + escape_pointer(p.version_url)}, {"value", version_answer(sha)}}}));
            st.tasks = fresh;
            st.sha = sha;
            st.digest = st.pushed_digest;
            return;
        }
        case Outcome::secret_stuck: {
            build(p, st, sha, c.commit, c.build_start, false, "push", 1);
            const TimePoint rollout = c.build_start + kBuildTime + kRolloutDelay;
            rollout_start(p, st, sha, rollout, true);
            const TimePoint fixed = recovers ? c.recover : end;
            failing_tasks(p, st, rollout + minutes(1), fixed - seconds(1));
            if (!recovers) return;
            // The secret is fixed; the next task starts and the rollout completes.
            json patch = json::array({{{"op", "replace"},
                                       {"path", region(p) + "/secretsmanager/secrets/[ARN=" + escape_pointer(p.secret_arn) + "]/LastChangedDate"},
                                       {"value", format_iso8601(c.recover - minutes(1))}}});
            std::vector<std::pair<std::string, std::string>> fresh;
            tasks_up(p, st, sha, c.recover, patch, fresh);
            patch.push_back({{"op", "replace"}, {"path", service_path(p) + "/deployments/0/runningCount"}, {"value", kTasksPerService}});
            step(c.recover, std::move(patch));
            const int failures = static_cast<int>((fixed - seconds(1) - rollout - minutes(1)) / kFailEvery) + 1;
            rollout_finish(p, st, sha, c.recover, st.tasks, fresh, failures);
            return;
        }
    }
}

const char* verdict_of(Outcome o) {
    switch (o) {
        case Outcome::normal: return "live";
        case Outcome::image_never_pushed: return "build_failed";
        case Outcome::cache_trap: return "tasks_stale";
        case Outcome::secret_stuck: return "deploy_failing";
        case Outcome::merged_after_deploy: return "not_built";
    }
    return "unknown";
}

}  // namespace

Result<Fleet> make_fleet(const FleetOptions& o) {
    auto bad = [](std::string what) { return Error{"scenario", std::move(what), 0, false}; };
    if (o.pipelines < 1 || o.pipelines > kMaxPipelines)
        return bad(fmt::format("fleet: {} pipelines is out of range: use 1 to {}", o.pipelines, kMaxPipelines));
    if (o.regions.empty()) return bad("fleet: name at least one region");
    if (o.clusters < 0 || o.clusters > o.pipelines) return bad(fmt::format("fleet: clusters must be 0 (automatic) to {}", o.pipelines));
    if (o.pipelines_per_repo < 1 || o.pipelines_per_repo > 10) return bad("fleet: pipelines_per_repo must be 1 to 10");

    const Layout layout = make_layout(o);
    Rng rng(o.seed);
    // The static fleet replays the last two hours before its start and keeps the result.
    const TimePoint script_start = o.week ? kFleetStart : kFleetStart - hours(2);
    const TimePoint until = o.week ? kFleetStart + kWeek - hours(12) : kFleetStart;
    Schedule schedule = make_schedule(layout, rng, kFleetStart, until, o.week);

    json doc = {{"name", fmt::format("fleet-{}{}", o.pipelines, o.week ? "-week" : "")},
                {"title", fmt::format("A generated fleet of {} pipelines{}", o.pipelines, o.week ? " through a week" : "")},
                {"description", fmt::format("{} pipelines in {} clusters over {} regions, {} repositories shared by up to {} pipelines each{}.",
                                            o.pipelines, layout.clusters.size(), std::min<size_t>(o.regions.size(), layout.clusters.size()),
                                            layout.repos.size(), o.pipelines_per_repo,
                                            o.week ? "; a 7-day script of deployments and incidents" : "; some start in an incident")},
                {"start", format_iso8601(script_start)},
                {"account", kAccount},
                {"credentials", {{"access_key_id", "AKIDSHIPWATCHFLEET"}, {"secret_access_key", "shipwatch-sim-secret-fleet"}}},
                {"pipelines", json::array()},
                {"world", json::object()}};
    for (const PipelineLayout& p : layout.pipelines)
        doc["pipelines"].push_back({{"name", p.name}, {"kind", "ecs"}, {"region", p.region}, {"repo", p.repo}, {"branch", "main"},
                                    {"workflow", p.workflow}, {"cluster", p.cluster}, {"service", p.name},
                                    {"version_url", p.version_url}, {"version_json_pointer", "/commit"}});
    std::vector<ScriptStep> script;
    Writer writer(layout, o.seed, script_start, doc["world"], script);
    writer.initial_world();
    for (const Merge& m : schedule.merges) writer.merge(m);
    for (const Cycle& c : schedule.cycles) writer.cycle(c, until);

    // One copy of the world at a time where it can be helped: 10,000 pipelines' world is a
    // gigabyte as a JSON tree.
    std::string text = doc.dump();
    doc = nullptr;
    auto parsed = parse_scenario(text);
    text.clear();
    text.shrink_to_fit();
    if (!parsed) return parsed.error();
    Fleet fleet{std::move(parsed).value(), truth_of(layout, schedule)};
    fleet.scenario.script = std::move(script);
    if (!o.week) {
        // Apply the two hours now, so the static fleet is a plain world with no script. The
        // World takes the world it replays; the result is copied back out.
        ManualClock clock(kFleetStart);
        json replayed = std::move(fleet.scenario.world);
        Scenario replay = fleet.scenario;  // the script and the pipelines, not the world
        replay.world = std::move(replayed);
        World world(std::move(replay), clock);
        fleet.scenario.world = world.with_state([](const json& state, TimePoint) { return state; });
        auto errors = world.script_errors();
        if (!errors.empty()) return bad("fleet: " + errors.front());
        fleet.scenario.script.clear();
        fleet.scenario.start = kFleetStart;
        for (const PipelineLayout& p : layout.pipelines) fleet.scenario.expect[p.name] = "live";
        for (const Cycle& c : schedule.cycles) fleet.scenario.expect[layout.pipelines[c.pipeline].name] = verdict_of(c.outcome);
    }
    return fleet;
}

std::optional<Result<FleetOptions>> fleet_options_from_name(const std::string& name) {
    if (name.rfind("fleet", 0) != 0) return std::nullopt;
    static const std::regex form("fleet-([0-9]{1,9})(-week)?");
    std::smatch m;
    if (!std::regex_match(name, m, form))
        return Result<FleetOptions>(Error{"scenario", fmt::format("'{}' is not a fleet name: use fleet-N or fleet-N-week (N pipelines, 1 to {})", name, kMaxPipelines), 0, false});
    FleetOptions o;
    o.pipelines = std::stoi(m[1]);
    o.week = m[2].matched;
    if (o.pipelines < 1 || o.pipelines > kMaxPipelines)
        return Result<FleetOptions>(Error{"scenario", fmt::format("{}: the number of pipelines must be 1 to {}", name, kMaxPipelines), 0, false});
    return Result<FleetOptions>(o);
}

}  // namespace shipwatch::sim

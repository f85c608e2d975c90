#include "model/next_steps.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "model/enum_table.hpp"

namespace shipwatch {

std::string_view to_string(StepKind k) { return k == StepKind::fix ? "fix" : "confirm"; }

std::string shell_quote(std::string_view word) {
    static constexpr std::string_view kBare = "_@%+=:,./-";
    bool bare = !word.empty(), control = false;
    for (unsigned char c : word) {
        if (c < 0x20 || c == 0x7f) control = true;
        if (!std::isalnum(c) && kBare.find(static_cast<char>(c)) == std::string_view::npos) bare = false;
    }
    if (bare) return std::string(word);
    std::string out;
    if (control) {
        out = "$'";
        for (unsigned char c : word) {
            if (c < 0x20 || c == 0x7f)
                out += fmt::format("\\x{:02x}", c);
            else if (c == '\'' || c == '\\')
                out += {'\\', static_cast<char>(c)};
            else
                out += static_cast<char>(c);
        }
        return out + "'";
    }
    out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string console_base(std::string_view region) {
    bool valid = !region.empty() && std::all_of(region.begin(), region.end(), [](unsigned char c) {
        return std::islower(c) || std::isdigit(c) || c == '-';
    });
    if (!valid) return "";
    if (region.starts_with("cn-")) return "https://console.amazonaws.cn";
    if (region.starts_with("us-gov-")) return "https://console.amazonaws-us-gov.com";
    return fmt::format("https://{}.console.aws.amazon.com", region);
}

namespace {

// ---- words ------------------------------------------------------------------------------------

// Percent-encodes everything but RFC 3986's unreserved characters: names from the API go into
// console paths and fragments.
std::string url_encode(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
            out += static_cast<char>(c);
        else
            out += fmt::format("%{:02X}", c);
    }
    return out;
}

// CloudWatch's console writes a name in its fragment encoded twice, with '$' for '%'.
std::string console_fragment(std::string_view name) {
    std::string out = url_encode(url_encode(name));
    std::replace(out.begin(), out.end(), '%', '$');
    return out;
}

// The last segment of an ARN or path: ".../task/cluster/0abbd7e5" -> "0abbd7e5".
std::string tail(std::string_view arn) {
    auto slash = arn.rfind('/');
    return std::string(slash == std::string_view::npos ? arn : arn.substr(slash + 1));
}

// A cluster or service as the console path names it: an ARN's last segment, else as written.
std::string name_of(std::string_view name_or_arn) {
    return name_or_arn.starts_with("arn:") ? tail(name_or_arn) : std::string(name_or_arn);
}

// A command line built word by word: values are quoted, the words we write are not.
class Cmd {
public:
    explicit Cmd(std::string_view program) : line_(program) {}
    Cmd& word(std::string_view w) {  // ours: a subcommand or a flag
        line_ += ' ';
        line_ += w;
        return *this;
    }
    Cmd& arg(std::string_view value) {
        line_ += ' ';
        line_ += shell_quote(value);
        return *this;
    }
    Cmd& opt(std::string_view flag, std::string_view value) { return word(flag).arg(value); }
    std::string str() const { return line_; }

private:
    std::string line_;
};

// ---- what the rules read, gathered once --------------------------------------------------------

enum class Controller { rolling, code_deploy, external };
enum class TagStyle { none, mutable_tag, commit_tag, digest };

// Where an image reference points: this account's (or another account's) private ECR, or any
// other registry, read with docker.
struct Registry {
    bool ecr = false;
    std::string account;  // the ECR registry id (the account in the host)
    std::string region;  // the ECR region in the host
};

struct Facts {
    const Diagnosis& d;
    const PipelineSnapshot& s;
    Stage stage = Stage::push;
    const Service* svc = nullptr;
    const TaskDefinition* td = nullptr;  // the one the service is set to run
    const ContainerDef* app = nullptr;  // the container built from the watched repository
    ImageRef ref;  // the app container's image reference
    TagStyle style = TagStyle::none;
    Registry registry;
    Controller controller = Controller::rolling;
    const CiRun* run = nullptr;  // the newest CI run of the newest commit
    const Image* expected = nullptr;  // the newest image that carries the newest commit
};

Registry registry_of(const ImageRef& ref, const PipelineSnapshot& s) {
    // <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]
    std::vector<std::string> labels;
    for (size_t start = 0, dot; start <= ref.registry.size(); start = dot + 1) {
        dot = ref.registry.find('.', start);
        if (dot == std::string::npos) dot = ref.registry.size();
        labels.push_back(ref.registry.substr(start, dot - start));
    }
    Registry r;
    if (labels.size() >= 5 && labels[0].size() == 12 &&
        std::all_of(labels[0].begin(), labels[0].end(), [](unsigned char c) { return std::isdigit(c); }) &&
        labels[1] == "dkr" && labels[2].starts_with("ecr") && labels[4] == "amazonaws") {
        r = {true, labels[0], labels[3]};
    } else if (ref.registry.empty() && ref.text.empty() && !s.spec.image_repository.empty()) {
        r = {true, s.spec.account, s.spec.region};  // no task definition read: the collector's ECR guess
    }
    return r;
}

TagStyle style_of(const ImageRef& ref) {
    if (!ref.digest.empty()) return TagStyle::digest;
    if (ref.tag.empty()) return TagStyle::none;
    return hex_runs(ref.tag).empty() ? TagStyle::mutable_tag : TagStyle::commit_tag;
}

Controller controller_of(const Service* svc) {
    if (!svc) return Controller::rolling;
    if (svc->controller == ControllerType::code_deploy) return Controller::code_deploy;
    if (svc->controller == ControllerType::external) return Controller::external;
    return Controller::rolling;  // ECS, or absent (ECS is the default)
}

const TaskDefinition* taskdef_of(const PipelineSnapshot& s, const std::string& arn) {
    if (!s.task_definitions.value) return nullptr;
    auto it = s.task_definitions.value->find(arn);
    return it == s.task_definitions.value->end() ? nullptr : &it->second;
}

Facts gather(const Diagnosis& d, const PipelineSnapshot& s) {
    Facts f{d, s};
    f.stage = d.verdict.stage.value_or(Stage::push);
    f.svc = s.service.get();
    if (f.svc) f.td = taskdef_of(s, f.svc->task_definition);
    if (f.td) f.app = app_container(*f.td, s.spec.image_repository);
    if (f.app) f.ref = parse_image_ref(f.app->image);
    if (!f.app && !s.spec.image_repository.empty()) f.ref.repository = s.spec.image_repository;
    f.style = style_of(f.ref);
    f.registry = registry_of(f.ref, s);
    f.controller = controller_of(f.svc);
    if (s.builds.value)
        for (const auto& run : *s.builds.value)
            if (!d.target_sha.empty() && run.sha == d.target_sha && (!f.run || run.started > f.run->started))
                f.run = &run;
    RevisionIndex index{s.commits.get(), s.builds.get(), s.images.get()};
    if (s.images.value && !d.target_sha.empty())
        for (const auto& img : *s.images.value) {
            Revision r = index.of_image(img);
            if (r.known() && r.sha == d.target_sha && (!f.expected || img.pushed_at > f.expected->pushed_at))
                f.expected = &img;
        }
    return f;
}

// ---- commands by service -----------------------------------------------------------------------

// `aws <service> <operation>`; the region and profile go last (aws_end), where aws reads them
// as well as anywhere.
Cmd aws(std::string_view service, std::string_view operation) {
    return std::move(Cmd("aws").word(service).word(operation));
}
std::string aws_end(Cmd c, const PipelineSpec& spec, std::string_view region = {}) {
    std::string_view r = region.empty() ? std::string_view(spec.region) : region;
    if (!r.empty()) c.opt("--region", r);
    if (!spec.profile.empty()) c.opt("--profile", spec.profile);
    return c.str();
}

std::string console(const Facts& f, std::string_view path, std::string_view fragment = {}) {
    std::string base = console_base(f.s.spec.region);
    if (base.empty()) return "";
    std::string url = fmt::format("{}/{}?region={}", base, path, f.s.spec.region);
    if (!fragment.empty()) url += fmt::format("#{}", fragment);
    return url;
}

std::string service_page(const Facts& f, std::string_view tab) {
    if (f.s.spec.cluster.empty() || f.s.spec.service.empty()) return "";
    return console(f, fmt::format("ecs/v2/clusters/{}/services/{}/{}", url_encode(name_of(f.s.spec.cluster)),
                                  url_encode(name_of(f.s.spec.service)), tab));
}

std::string describe_services(const Facts& f, std::string_view query) {
    return aws_end(std::move(aws("ecs", "describe-services")
                                 .opt("--cluster", f.s.spec.cluster)
                                 .opt("--services", f.s.spec.service)
                                 .opt("--query", query)),
                   f.s.spec);
}

std::string td_name(const TaskDefinition& td) { return fmt::format("{}:{}", td.family, td.revision); }
std::string td_name_of(const Facts& f, const std::string& arn) {
    const TaskDefinition* td = taskdef_of(f.s, arn);
    return td ? td_name(*td) : tail(arn);
}

// The running tasks of the service (at most five, as many as a line holds).
std::vector<std::string> running_task_ids(const Facts& f) {
    std::vector<std::string> ids;
    if (!f.s.tasks.value) return ids;
    for (const auto& t : *f.s.tasks.value)
        if (t.last_status == TaskStatus::running && t.desired_status != TaskStatus::stopped && ids.size() < 5)
            ids.push_back(tail(t.arn));
    return ids;
}

// The newest stopped task, preferring one that failed (its stop code says so) over a replaced
// one. stoppedAt may be absent; the task still tells why it stopped.
const Task* newest_stopped(const Facts& f) {
    if (!f.s.tasks.value) return nullptr;
    auto when = [](const Task& t) {
        return t.stopped_at.value_or(t.stopping_at.value_or(t.created_at.value_or(TimePoint{})));
    };
    auto failed = [](const Task& t) {
        return t.stop_code == StopCode::essential_container_exited || t.stop_code == StopCode::task_failed_to_start;
    };
    const Task* best = nullptr;
    for (const auto& t : *f.s.tasks.value) {
        if (t.last_status != TaskStatus::stopped) continue;
        if (!best || std::pair(failed(t), when(t)) > std::pair(failed(*best), when(*best))) best = &t;
    }
    return best;
}

// The CodeDeploy deployment a task set belongs to: the replacement (ACTIVE) set's first.
std::string codedeploy_id(const Facts& f) {
    if (!f.svc) return "";
    std::string primary;
    for (const auto& ts : f.svc->task_sets) {
        if (ts.external_id.empty()) continue;
        if (ts.status == TaskSetStatus::active) return ts.external_id;
        if (primary.empty()) primary = ts.external_id;
    }
    return primary;
}

std::string codedeploy_page(const Facts& f, const std::string& id) {
    return id.empty() ? service_page(f, "deployments")
                      : console(f, "codesuite/codedeploy/deployments/" + url_encode(id));
}

// ---- ECR or any registry -----------------------------------------------------------------------

// The tag the newest commit's image carries when tags name commits: the task definition's tag
// with its commit replaced ("main-8c3e1d2" -> "main-194af44"); empty when that cannot be told.
std::string target_tag(const Facts& f) {
    if (f.style == TagStyle::mutable_tag) return f.ref.tag;
    if (f.expected && !f.expected->tags.empty()) return f.expected->tags.front();
    if (f.style != TagStyle::commit_tag || f.d.target_sha.empty()) return "";
    std::string tag = f.ref.tag;
    std::string run = hex_runs(tag).front();
    auto at = tag.find(run);  // hex_runs lower-cases; tags are lower case in practice
    if (at == std::string::npos || run.size() > f.d.target_sha.size()) return "";
    return tag.replace(at, run.size(), f.d.target_sha.substr(0, run.size()));
}

// Shows what the registry holds for `id` ("imageTag=T", "imageDigest=D"; empty: the newest five).
std::string registry_lookup(const Facts& f, const std::string& id) {
    if (f.ref.repository.empty()) return "";
    if (!f.registry.ecr) {
        std::string ref = f.ref.registry.empty() ? f.ref.repository : f.ref.registry + "/" + f.ref.repository;
        if (id.starts_with("imageTag="))
            ref += ":" + id.substr(9);
        else if (id.starts_with("imageDigest="))
            ref += "@" + id.substr(12);
        return Cmd("docker").word("buildx imagetools inspect").arg(ref).str();
    }
    Cmd c = aws("ecr", "describe-images").opt("--repository-name", f.ref.repository);
    if (!f.registry.account.empty()) c.opt("--registry-id", f.registry.account);
    if (id.empty())
        c.opt("--query", "sort_by(imageDetails,&imagePushedAt)[-5:].[imagePushedAt,imageDigest,imageTags]");
    else
        c.opt("--image-ids", id).opt("--query", "imageDetails[].[imageDigest,imagePushedAt,imageTags]");
    return aws_end(std::move(c), f.s.spec, f.registry.region);
}

std::string repository_page(const Facts& f) {
    if (!f.registry.ecr || f.registry.account.empty() || f.registry.account != f.s.spec.account ||
        f.ref.repository.empty())
        return "";
    return console(f, fmt::format("ecr/repositories/private/{}/{}", f.registry.account, url_encode(f.ref.repository)));
}

// ---- CI ---------------------------------------------------------------------------------------

bool codebuild(const Facts& f) { return !f.s.spec.codebuild_project.empty(); }

std::string run_page(const Facts& f, const CiRun& run) {
    if (run.kind == CiKind::github_actions) return run.url;
    auto colon = run.id.find(':');
    std::string project = colon == std::string::npos ? f.s.spec.codebuild_project : run.id.substr(0, colon);
    return console(f,
                   fmt::format("codesuite/codebuild/projects/{}/build/{}/", url_encode(project), url_encode(run.id)));
}

Cmd gh(std::string_view what) { return std::move(Cmd("gh").word(what)); }
std::string gh_end(Cmd c, const Facts& f) { return c.opt("--repo", f.s.spec.repo).str(); }

// ---- the steps ---------------------------------------------------------------------------------

struct Steps {
    std::vector<NextStep> list;
    void confirm(std::string why, std::string command, std::string url = {}) {
        list.push_back({StepKind::confirm, std::move(why), std::move(command), std::move(url)});
    }
    void fix(std::string why, std::string command, std::string url = {}) {
        list.push_back({StepKind::fix, std::move(why), std::move(command), std::move(url)});
    }
};

void confirm_run(const Facts& f, const CiRun& run, Steps& out, bool failed) {
    if (run.kind == CiKind::codebuild) {
        std::string query =
            failed
                ? "builds[0].[buildStatus,phases[?phaseStatus==`FAILED`].[phaseType,contexts[0].message],logs.deepLink]"
                : "builds[0].[buildStatus,currentPhase,startTime]";
        out.confirm(failed ? "the failed phase, its message and a link to the build's log" : "where the build is now",
                    aws_end(std::move(aws("codebuild", "batch-get-builds").opt("--ids", run.id).opt("--query", query)),
                            f.s.spec),
                    run_page(f, run));
    } else if (!f.s.spec.repo.empty()) {
        Cmd c = gh("run view").arg(run.id);
        if (failed) c.word("--log-failed");
        out.confirm(failed ? "the log of the steps that failed" : "the run's jobs and steps so far",
                    gh_end(std::move(c), f), run_page(f, run));
    }
}

// Lists the newest runs (or builds) of the branch, for a commit CI did not pick up.
void confirm_runs_listed(const Facts& f, Steps& out) {
    const auto& spec = f.s.spec;
    if (codebuild(f)) {
        out.confirm("the project's newest builds", aws_end(std::move(aws("codebuild", "list-builds-for-project")
                                                                         .opt("--project-name", spec.codebuild_project)
                                                                         .opt("--max-items", "5")),
                                                           spec));
    } else if (!spec.repo.empty()) {
        Cmd c = gh("run list").opt("--branch", spec.branch);
        if (!spec.workflow.empty()) c.opt("--workflow", spec.workflow);
        out.confirm(fmt::format("the newest runs on {}", spec.branch), gh_end(std::move(c.opt("--limit", "5")), f),
                    fmt::format("https://github.com/{}/actions", spec.repo));
    }
}

// Builds the newest commit again (or for the first time).
void fix_build(const Facts& f, Steps& out, bool only_failed) {
    const auto& spec = f.s.spec;
    if (f.run && f.run->kind == CiKind::codebuild) {
        out.fix("run the failed build again with the same source",
                aws_end(std::move(aws("codebuild", "retry-build").opt("--id", f.run->id)), spec));
    } else if (codebuild(f)) {
        out.fix("build the newest commit", aws_end(std::move(aws("codebuild", "start-build")
                                                                 .opt("--project-name", spec.codebuild_project)
                                                                 .opt("--source-version", f.d.target_sha)),
                                                   spec));
    } else if (f.run && !spec.repo.empty()) {
        Cmd c = gh("run rerun").arg(f.run->id);
        if (only_failed) c.word("--failed");
        out.fix(
            only_failed ? "re-run the failed jobs once the cause is fixed (a flaky step: now)" : "run the build again",
            gh_end(std::move(c), f));
    } else if (!spec.workflow.empty() && !spec.repo.empty()) {
        out.fix(fmt::format("start the workflow on {}", spec.branch),
                gh_end(std::move(gh("workflow run").arg(spec.workflow).opt("--ref", spec.branch)), f));
    } else {
        out.fix(fmt::format("start the workflow that builds {} (no workflow is configured to name it)", spec.branch),
                "", spec.repo.empty() ? "" : fmt::format("https://github.com/{}/actions", spec.repo));
    }
}

// ---- ECS rollouts --------------------------------------------------------------------------

// The AppSpec CodeDeploy needs to deploy `td_arn` behind the service's load balancer.
std::string appspec_revision(const Facts& f, const std::string& td_arn) {
    const ServiceLoadBalancer* lb = f.svc && !f.svc->load_balancers.empty() ? &f.svc->load_balancers.front() : nullptr;
    std::string lb_info = lb ? fmt::format(R"(,\"LoadBalancerInfo\":{{\"ContainerName\":\"{}\",\"ContainerPort\":{}}})",
                                           lb->container_name, lb->container_port)
                             : "";
    std::string content = fmt::format(
        R"({{\"version\":1,\"Resources\":[{{\"TargetService\":{{\"Type\":\"AWS::ECS::Service\",\"Properties\":{{\"TaskDefinition\":\"{}\"{}}}}}}}]}})",
        td_arn, lb_info);
    return fmt::format(R"({{"revisionType":"AppSpecContent","appSpecContent":{{"content":"{}"}}}})", content);
}

// New tasks of `td_arn` (the service's own task definition when empty), as the controller starts them.
void fix_restart(const Facts& f, Steps& out, const std::string& why, const std::string& td_arn = {}) {
    const auto& spec = f.s.spec;
    std::string arn = td_arn.empty() && f.svc ? f.svc->task_definition : td_arn;
    switch (f.controller) {
        case Controller::rolling: {
            Cmd c = aws("ecs", "update-service").opt("--cluster", spec.cluster).opt("--service", spec.service);
            if (td_arn.empty())
                c.word("--force-new-deployment");
            else
                c.opt("--task-definition", td_name_of(f, td_arn));
            out.fix(why, aws_end(std::move(c), spec), service_page(f, "deployments"));
            break;
        }
        case Controller::code_deploy: {
            std::string id = codedeploy_id(f);
            if (!id.empty())
                out.confirm("the CodeDeploy application and deployment group: set APP and GROUP to them",
                            aws_end(std::move(aws("deploy", "get-deployment")
                                                  .opt("--deployment-id", id)
                                                  .opt("--query",
                                                       "deploymentInfo.[applicationName,deploymentGroupName,status]")),
                                    spec),
                            codedeploy_page(f, id));
            Cmd c = aws("deploy", "create-deployment")
                        .word("--application-name \"$APP\" --deployment-group-name \"$GROUP\"");
            out.fix(fmt::format("{} through CodeDeploy (the service's controller): a blue/green deployment of {}", why,
                                td_name_of(f, arn)),
                    aws_end(std::move(c.opt("--revision", appspec_revision(f, arn))), spec), codedeploy_page(f, id));
            break;
        }
        case Controller::external:
            out.fix(fmt::format(
                        "{}: the service's EXTERNAL controller creates its task sets, so start the rollout there", why),
                    "", service_page(f, "deployments"));
            break;
    }
}

void confirm_tasks(const Facts& f, Steps& out, std::string_view why) {
    auto ids = running_task_ids(f);
    if (ids.empty()) return;
    Cmd c = aws("ecs", "describe-tasks").opt("--cluster", f.s.spec.cluster).word("--tasks");
    for (const auto& id : ids) c.arg(id);
    out.confirm(
        std::string(why),
        aws_end(std::move(c.opt("--query", "tasks[].[taskArn,startedAt,containers[].[name,image,imageDigest]]")),
                f.s.spec),
        service_page(f, "tasks"));
}

void confirm_rollout(const Facts& f, Steps& out) {
    if (f.controller == Controller::rolling) {
        out.confirm("the deployments, their rollout state and task counts",
                    describe_services(
                        f, "services[0].deployments[].[id,status,rolloutState,runningCount,desiredCount,failedTasks]"),
                    service_page(f, "deployments"));
        return;
    }
    out.confirm("the task sets: which is PRIMARY, their scale and stability",
                describe_services(f,
                                  "services[0].taskSets[].[id,status,scale.value,stabilityStatus,runningCount,"
                                  "computedDesiredCount,externalId]"),
                service_page(f, "deployments"));
    std::string id = codedeploy_id(f);
    if (f.controller == Controller::code_deploy && !id.empty())
        out.confirm(
            "the CodeDeploy deployment: status, traffic shift and lifecycle events",
            aws_end(std::move(aws("deploy", "get-deployment")
                                  .opt("--deployment-id", id)
                                  .opt("--query", "deploymentInfo.[status,deploymentOverview,errorInformation]")),
                    f.s.spec),
            codedeploy_page(f, id));
}

// The log group and stream prefix of the app container of `td` (awslogs), when it has them.
void confirm_logs(const Facts& f, Steps& out, const TaskDefinition* td, const Task* task) {
    const ContainerDef* c = td ? app_container(*td, f.s.spec.image_repository) : f.app;
    if (!c || c->log_group.empty()) return;
    Cmd cmd = aws("logs", "tail").arg(c->log_group).opt("--since", "1h");
    if (!c->log_stream_prefix.empty() && task)  // awslogs streams are prefix/container/task-id
        cmd.opt("--log-stream-name-prefix", fmt::format("{}/{}/{}", c->log_stream_prefix, c->name, tail(task->arn)));
    out.confirm("what the container logged before it stopped", aws_end(std::move(cmd), f.s.spec),
                console(f, "cloudwatch/home", "logsV2:log-groups/log-group/" + console_fragment(c->log_group)));
}

// The task definition ECS ran before the failing one: what a rollback goes back to.
std::string previous_taskdef(const Facts& f, const std::string& failing) {
    if (!f.svc) return "";
    for (const auto& d : f.svc->deployments)
        if (d.task_definition != failing && d.status != DeploymentStatus::inactive) return d.task_definition;
    return "";
}

// ---- the rule of each verdict ------------------------------------------------------------------

void on_live(const Facts& f, Steps& out) {
    const auto& spec = f.s.spec;
    if (!spec.version_url.empty())
        out.confirm("the version the endpoint reports", Cmd("curl").word("-sS").arg(spec.version_url).str());
    else if (spec.kind == PipelineKind::ecs && !spec.service.empty())
        out.confirm("the service's task definition and task counts",
                    describe_services(f, "services[0].[status,taskDefinition,runningCount,desiredCount]"),
                    service_page(f, "health"));
}

void on_build_running(const Facts& f, Steps& out) {
    if (f.run)
        confirm_run(f, *f.run, out, false);
    else
        confirm_runs_listed(f, out);
}

void on_build_failed(const Facts& f, Steps& out) {
    if (f.run)
        confirm_run(f, *f.run, out, true);
    else
        confirm_runs_listed(f, out);
    fix_build(f, out, true);
}

void on_not_built(const Facts& f, Steps& out) {
    const auto& spec = f.s.spec;
    if (!codebuild(f) && !spec.repo.empty() && !f.d.target_sha.empty())
        out.confirm("the runs for the newest commit (none means CI never started one)",
                    gh_end(std::move(gh("run list").opt("--commit", f.d.target_sha)), f),
                    fmt::format("https://github.com/{}/commit/{}", spec.repo, f.d.target_sha));
    else
        confirm_runs_listed(f, out);
    fix_build(f, out, false);
}

void on_image_missing(const Facts& f, Steps& out) {
    std::string tag = target_tag(f);
    std::string lookup = registry_lookup(f, tag.empty() ? "" : "imageTag=" + tag);
    if (!lookup.empty())
        out.confirm(
            tag.empty() ? "the newest images in the repository" : fmt::format("whether the registry holds {}", tag),
            lookup, repository_page(f));
    if (f.run) confirm_run(f, *f.run, out, false);
    fix_build(f, out, false);
}

void on_taskdef_stale(const Facts& f, Steps& out) {
    const auto& spec = f.s.spec;
    if (!f.td) return;
    out.confirm(fmt::format("the image {} references", td_name(*f.td)),
                aws_end(std::move(aws("ecs", "describe-task-definition")
                                      .opt("--task-definition", td_name(*f.td))
                                      .opt("--query", "taskDefinition.containerDefinitions[].[name,image]")),
                        spec));
    std::string image = "the newest commit's image";
    if (f.expected && f.app) {
        std::string repo = f.ref.registry.empty() ? f.ref.repository : f.ref.registry + "/" + f.ref.repository;
        std::string tag = target_tag(f);
        image = f.style == TagStyle::digest || tag.empty() || tag == f.ref.tag ? repo + "@" + f.expected->digest
                                                                               : repo + ":" + tag;
    }
    std::string container = f.app ? f.app->name : "the app container";
    if (f.controller == Controller::code_deploy) {
        out.fix(
            fmt::format("register {} with {} = {} and deploy it through CodeDeploy (files: describe-task-definition's "
                        "taskDefinition, your appspec)",
                        f.td->family, container, image),
            aws_end(std::move(aws("ecs", "deploy")
                                  .opt("--cluster", spec.cluster)
                                  .opt("--service", spec.service)
                                  .opt("--task-definition", "taskdef.json")
                                  .opt("--codedeploy-appspec", "appspec.yaml")),
                    spec),
            service_page(f, "deployments"));
        return;
    }
    out.fix(
        fmt::format("register a revision of {} with {} = {} (taskdef.json: describe-task-definition's taskDefinition, "
                    "edited)",
                    f.td->family, container, image),
        aws_end(std::move(aws("ecs", "register-task-definition").opt("--cli-input-json", "file://taskdef.json")),
                spec));
    if (f.controller == Controller::external)
        out.fix("then roll it out: the service's EXTERNAL controller creates its task sets", "",
                service_page(f, "deployments"));
    else
        out.fix(fmt::format("then roll the service onto {}'s newest revision", f.td->family),
                aws_end(std::move(aws("ecs", "update-service")
                                      .opt("--cluster", spec.cluster)
                                      .opt("--service", spec.service)
                                      .opt("--task-definition", f.td->family)),
                        spec),
                service_page(f, "deployments"));
}

void on_deploy_in_progress(const Facts& f, Steps& out);
void on_targets_unhealthy(const Facts& f, Steps& out);

void on_deploy_in_progress(const Facts& f, Steps& out) {
    if (f.stage == Stage::alb) return on_targets_unhealthy(f, out);  // targets changing over
    if (f.s.spec.kind != PipelineKind::ecs) return;
    confirm_rollout(f, out);
    if (f.controller == Controller::rolling)
        out.confirm("wait until ECS reports the service stable (read-only; exits non-zero after 10 minutes)",
                    aws_end(std::move(aws("ecs", "wait")
                                          .word("services-stable")
                                          .opt("--cluster", f.s.spec.cluster)
                                          .opt("--services", f.s.spec.service)),
                            f.s.spec));
    std::string id = codedeploy_id(f);
    if (f.controller == Controller::code_deploy && !id.empty())
        out.fix(
            "only to abandon the shift: stop it and send traffic back to the original task set",
            aws_end(
                std::move(aws("deploy", "stop-deployment").opt("--deployment-id", id).word("--auto-rollback-enabled")),
                f.s.spec),
            codedeploy_page(f, id));
}

void on_deploy_failing(const Facts& f, Steps& out) {
    const auto& spec = f.s.spec;
    const Task* stopped = newest_stopped(f);
    if (stopped)
        out.confirm(
            "why the newest stopped task stopped (stop code, reason, exit codes)",
            aws_end(
                std::move(aws("ecs", "describe-tasks")
                              .opt("--cluster", spec.cluster)
                              .opt("--tasks", tail(stopped->arn))
                              .opt("--query", "tasks[0].[stopCode,stoppedReason,containers[].[name,exitCode,reason]]")),
                spec),
            service_page(f, "tasks"));
    else
        out.confirm("the service's stopped tasks",
                    aws_end(std::move(aws("ecs", "list-tasks")
                                          .opt("--cluster", spec.cluster)
                                          .opt("--service-name", spec.service)
                                          .opt("--desired-status", "STOPPED")),
                            spec),
                    service_page(f, "tasks"));
    confirm_logs(f, out, stopped ? taskdef_of(f.s, stopped->task_definition) : f.td, stopped);
    out.confirm("the service's newest events", describe_services(f, "services[0].events[:8].[createdAt,message]"),
                service_page(f, "events"));
    std::string failing = stopped ? stopped->task_definition : f.svc ? f.svc->task_definition : "";
    if (f.controller == Controller::code_deploy) {
        std::string id = codedeploy_id(f);
        if (!id.empty())
            out.fix(
                "stop the deployment and send traffic back to the original task set",
                aws_end(
                    std::move(
                        aws("deploy", "stop-deployment").opt("--deployment-id", id).word("--auto-rollback-enabled")),
                    spec),
                codedeploy_page(f, id));
        return;
    }
    std::string previous = previous_taskdef(f, failing);
    if (!previous.empty())
        fix_restart(f, out,
                    fmt::format("go back to {}, which ran before, until the cause is fixed", td_name_of(f, previous)),
                    previous);
}

void on_deploy_rolled_back(const Facts& f, Steps& out) {
    const Deployment* failed = nullptr;
    if (f.svc)
        for (const auto& d : f.svc->deployments)
            if (d.rollout_state == RolloutState::failed && d.task_definition != f.svc->task_definition) failed = &d;
    if (f.controller == Controller::rolling)
        out.confirm("the failed deployment and why ECS rolled it back",
                    describe_services(
                        f, "services[0].deployments[?rolloutState==`FAILED`].[id,taskDefinition,rolloutStateReason]"),
                    service_page(f, "deployments"));
    else
        confirm_rollout(f, out);  // task sets keep no rollout state: the controller's deployment tells
    if (const Task* stopped = newest_stopped(f))
        out.confirm(
            "why its newest stopped task stopped",
            aws_end(
                std::move(aws("ecs", "describe-tasks")
                              .opt("--cluster", f.s.spec.cluster)
                              .opt("--tasks", tail(stopped->arn))
                              .opt("--query", "tasks[0].[stopCode,stoppedReason,containers[].[name,exitCode,reason]]")),
                f.s.spec),
            service_page(f, "tasks"));
    if (failed)
        fix_restart(f, out,
                    fmt::format("once the cause is fixed, deploy {} again", td_name_of(f, failed->task_definition)),
                    failed->task_definition);
}

void on_tasks_stale(const Facts& f, Steps& out) {
    confirm_tasks(f, out, "the digest each running task runs, and when it started");
    if (f.style == TagStyle::mutable_tag) {
        std::string lookup = registry_lookup(f, "imageTag=" + f.ref.tag);
        if (!lookup.empty())
            out.confirm(fmt::format("where {} points now, and when it was pushed", f.ref.tag), lookup,
                        repository_page(f));
        fix_restart(f, out,
                    fmt::format("start new tasks: they pull {} again and get the image it points to now", f.ref.tag));
    } else {
        std::string td = f.td ? td_name(*f.td) : "the service's task definition";
        fix_restart(f, out, fmt::format("replace the tasks with new ones of {}", td));
    }
}

// The target group to look at: the first with a target that is not healthy, else the first.
std::string target_group(const Facts& f) {
    if (f.s.target_groups.value) {
        for (const auto& g : *f.s.target_groups.value)
            for (const auto& t : g.targets)
                if (t.state != TargetState::healthy) return g.arn;
        if (!f.s.target_groups.value->empty()) return f.s.target_groups.value->front().arn;
    }
    if (!f.s.spec.target_groups.empty()) return f.s.spec.target_groups.front();
    if (f.svc && !f.svc->load_balancers.empty()) return f.svc->load_balancers.front().target_group_arn;
    return "";
}

std::string target_group_page(const Facts& f, const std::string& arn) {
    return console(f, "ec2/home", "TargetGroup:targetGroupArn=" + url_encode(arn));
}

void confirm_target_health(const Facts& f, Steps& out, const std::string& arn) {
    out.confirm("each target's state and the reason the load balancer gives",
                aws_end(std::move(aws("elbv2", "describe-target-health")
                                      .opt("--target-group-arn", arn)
                                      .opt("--query",
                                           "TargetHealthDescriptions[].[Target.Id,Target.Port,TargetHealth.State,"
                                           "TargetHealth.Reason,TargetHealth.Description]")),
                        f.s.spec),
                target_group_page(f, arn));
}

bool no_targets(const Facts& f) {
    if (!f.s.target_groups.value) return false;
    for (const auto& g : *f.s.target_groups.value)
        if (!g.targets.empty()) return false;
    return true;
}

void on_targets_unhealthy(const Facts& f, Steps& out) {
    std::string arn = target_group(f);
    if (arn.empty()) return;
    confirm_target_health(f, out, arn);
    if (f.d.verdict.code != VerdictCode::targets_unhealthy) return;  // changing over: nothing to fix
    if (no_targets(f) && f.s.spec.kind == PipelineKind::ecs) {
        out.confirm("the load balancers the service registers its tasks with",
                    describe_services(f, "services[0].loadBalancers"), service_page(f, "configuration-and-networking"));
        out.fix("ECS registers a service's tasks: make the service's loadBalancers name this target group", "",
                service_page(f, "configuration-and-networking"));
        return;
    }
    out.confirm("what the health check asks for",
                aws_end(std::move(aws("elbv2", "describe-target-groups")
                                      .opt("--target-group-arns", arn)
                                      .opt("--query",
                                           "TargetGroups[0].[HealthCheckProtocol,HealthCheckPort,HealthCheckPath,"
                                           "Matcher.HttpCode]")),
                        f.s.spec));
    out.fix("make the app answer the health check (path, port, status code, security group), or correct the check", "",
            target_group_page(f, arn));
}

// The instance a stale verdict names: the first that is not running, else the one launched first.
const Instance* stale_instance(const Facts& f) {
    if (!f.s.instances.value) return nullptr;
    const Instance* oldest = nullptr;
    for (const auto& i : *f.s.instances.value) {
        if (i.state != InstanceState::running) return &i;
        if (!oldest || i.launch_time < oldest->launch_time) oldest = &i;
    }
    return oldest;
}

void fix_instances(const Facts& f, Steps& out, const Instance& inst) {
    const auto& spec = f.s.spec;
    std::string page = console(f, "ec2/home", "InstanceDetails:instanceId=" + url_encode(inst.id));
    if (inst.state == InstanceState::stopped) {
        out.fix("start the instance",
                aws_end(std::move(aws("ec2", "start-instances").opt("--instance-ids", inst.id)), spec), page);
        return;
    }
    out.confirm("the Auto Scaling group the instance belongs to: set ASG to it",
                aws_end(std::move(aws("autoscaling", "describe-auto-scaling-instances")
                                      .opt("--instance-ids", inst.id)
                                      .opt("--query", "AutoScalingInstances[].AutoScalingGroupName")),
                        spec));
    out.fix("replace the instances, so UserData installs the newest commit at their first boot",
            aws_end(std::move(aws("autoscaling", "start-instance-refresh").word("--auto-scaling-group-name \"$ASG\"")),
                    spec),
            page);
}

void on_version_mismatch(const Facts& f, Steps& out) {
    const auto& spec = f.s.spec;
    if (!spec.version_url.empty())
        out.confirm("the version the endpoint reports", Cmd("curl").word("-sS").arg(spec.version_url).str());
    std::string arn = target_group(f);
    if (!arn.empty()) confirm_target_health(f, out, arn);
    if (spec.kind == PipelineKind::ec2) {
        if (const Instance* inst = stale_instance(f)) fix_instances(f, out, *inst);
        return;
    }
    confirm_tasks(f, out, "the digest each running task runs");
    fix_restart(f, out, "replace the tasks that serve the older revision");
}

void on_instance_stale(const Facts& f, Steps& out) {
    const Instance* inst = stale_instance(f);
    if (!inst) {
        std::string arn = target_group(f);
        if (!arn.empty()) confirm_target_health(f, out, arn);
        return;
    }
    out.confirm(
        "the instance's state, launch time and image",
        aws_end(std::move(aws("ec2", "describe-instances")
                              .opt("--instance-ids", inst->id)
                              .opt("--query", "Reservations[].Instances[].[InstanceId,State.Name,LaunchTime,ImageId]")),
                f.s.spec),
        console(f, "ec2/home", "InstanceDetails:instanceId=" + url_encode(inst->id)));
    fix_instances(f, out, *inst);
}

// ---- unknown: the call whose answer is missing --------------------------------------------------

bool credentials_error(const FetchError& e) {
    for (std::string_view marker : {"AccessDenied", "ExpiredToken", "UnrecognizedClient", "InvalidClientTokenId",
                                    "SignatureDoesNotMatch", "credentials"})
        if (e.code.find(marker) != std::string::npos || e.message.find(marker) != std::string::npos) return true;
    return false;
}

// The read-only call that fetches `part` for this pipeline, as the CLI writes it.
std::string command_for(const Facts& f, Part part) {
    const auto& spec = f.s.spec;
    switch (part) {
        case Part::commits:
            return spec.repo.empty()
                       ? ""
                       : Cmd("gh")
                             .word("api")
                             .arg(fmt::format("repos/{}/commits?sha={}&per_page=5", spec.repo, spec.branch))
                             .str();
        case Part::builds: {
            Steps tmp;
            confirm_runs_listed(f, tmp);
            return tmp.list.empty() ? "" : tmp.list.front().command;
        }
        case Part::images: return registry_lookup(f, "");
        case Part::service:
            return spec.cluster.empty()
                       ? ""
                       : describe_services(f, "services[0].[status,taskDefinition,runningCount,desiredCount]");
        case Part::task_definitions: {
            std::string td = f.svc ? f.svc->task_definition : "";
            return td.empty()
                       ? ""
                       : aws_end(std::move(aws("ecs", "describe-task-definition").opt("--task-definition", td)), spec);
        }
        case Part::tasks:
            return spec.cluster.empty() ? ""
                                        : aws_end(std::move(aws("ecs", "list-tasks")
                                                                .opt("--cluster", spec.cluster)
                                                                .opt("--service-name", spec.service)),
                                                  spec);
        case Part::target_groups: {
            std::string arn = target_group(f);
            return arn.empty()
                       ? ""
                       : aws_end(std::move(aws("elbv2", "describe-target-health").opt("--target-group-arn", arn)),
                                 spec);
        }
        case Part::instances: {
            const Instance* inst = stale_instance(f);
            return inst ? aws_end(std::move(aws("ec2", "describe-instances").opt("--instance-ids", inst->id)), spec)
                        : command_for(f, Part::target_groups);
        }
        case Part::version:
            return spec.version_url.empty() ? "" : Cmd("curl").word("-sS -i").arg(spec.version_url).str();
        case Part::logs: return "";  // a log search is a finding's evidence, never the verdict's
        case Part::secrets: return "";  // its metadata is a finding's evidence; never fetched for a value
    }
    return "";
}

void on_unknown(const Facts& f, Steps& out) {
    if (!f.d.verdict.stage) return;
    const PipelineSnapshot& s = f.s;
    std::optional<Part> failing, first;
    std::optional<FetchError> error;
    for_each_part(s, [&](Part part, const auto& fetched) {
        const PartList& parts = stage_info(f.stage).parts;
        if (std::find(parts.begin(), parts.end(), part) == parts.end() || !fetched.configured) return;
        if (fetched.error && !failing) {
            failing = part;
            error = fetched.error;
        }
        if (!first) first = part;
    });
    std::optional<Part> part = failing ? failing : first;
    if (!part) return;
    // A part read through another service's answer (the registry through the task definition)
    // failed with that service's error: show that service's call.
    if (error && error->source == Source::ecs && source_of(*part, s.spec) != Source::ecs) part = Part::service;
    std::string command = command_for(f, *part);
    if (command.empty()) return;
    out.confirm(failing ? fmt::format("the answer of the call that failed ({})", to_string(*part))
                        : fmt::format("what {} holds now", to_string(*part)),
                command);
    if (error && error->source == Source::github && error->code.find("RateLimit") != std::string::npos)
        out.confirm("how much of the token's GitHub rate limit is left, and when it resets",
                    Cmd("gh").word("api rate_limit").opt("--jq", ".resources.core").str());
    else if (error && error->source != Source::github && credentials_error(*error))
        out.confirm("who the credentials are (an access or token error)",
                    aws_end(Cmd("aws").word("sts get-caller-identity"), s.spec));
}

// The rule of each verdict, one row per VerdictCode in enum order (checked below).
struct VerdictRow {
    VerdictCode code;
    void (*rule)(const Facts&, Steps&);
};
constexpr std::array<VerdictRow, 14> kVerdictRules{{
    {VerdictCode::live, on_live},
    {VerdictCode::build_running, on_build_running},
    {VerdictCode::build_failed, on_build_failed},
    {VerdictCode::not_built, on_not_built},
    {VerdictCode::image_missing, on_image_missing},
    {VerdictCode::taskdef_stale, on_taskdef_stale},
    {VerdictCode::deploy_in_progress, on_deploy_in_progress},
    {VerdictCode::deploy_failing, on_deploy_failing},
    {VerdictCode::deploy_rolled_back, on_deploy_rolled_back},
    {VerdictCode::tasks_stale, on_tasks_stale},
    {VerdictCode::targets_unhealthy, on_targets_unhealthy},
    {VerdictCode::version_mismatch, on_version_mismatch},
    {VerdictCode::instance_stale, on_instance_stale},
    {VerdictCode::unknown, on_unknown},
}};
static_assert(rows_in_enum_order(kVerdictRules, [](const VerdictRow& r) { return r.code; }),
              "a VerdictCode without its row");

}  // namespace

std::vector<NextStep> next_steps(const Diagnosis& d, const PipelineSnapshot& s) {
    Facts f = gather(d, s);
    Steps steps;
    kVerdictRules[static_cast<size_t>(d.verdict.code)].rule(f, steps);
    // Confirm before fixing: a rule may add a confirm step on its way to a fix.
    std::stable_partition(steps.list.begin(), steps.list.end(),
                          [](const NextStep& n) { return n.kind == StepKind::confirm; });
    return std::move(steps.list);
}

}  // namespace shipwatch

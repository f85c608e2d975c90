#include "model/next_steps.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "model/enum_table.hpp"
#include "model/next_steps_detail.hpp"
#include "model/redact.hpp"

namespace shipwatch {
namespace {

using namespace next_steps_detail;

// ---- the rule of each verdict ------------------------------------------------------------------

void on_live(const Facts& f, Steps& out) {
    const auto& spec = f.s.spec;
    if (!spec.version_url.empty())
        out.confirm("the version the endpoint reports", Cmd("curl").word("-sS").arg(redact_url(spec.version_url)).str());
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
    confirm_native_shift(f, out);
    std::string failing = stopped ? stopped->task_definition : f.svc ? f.svc->task_definition : "";
    if (f.controller == Controller::code_deploy) {
        // A deployment CodeDeploy already failed or stopped is not stopped again: it is deployed anew.
        if (confirm_codedeploy_failure(f, out)) {
            fix_codedeploy_again(f, out);
            return;
        }
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
    if (f.controller == Controller::rolling) {
        out.confirm("the failed deployment and why ECS rolled it back",
                    describe_services(
                        f, "services[0].deployments[?rolloutState==`FAILED`].[id,taskDefinition,rolloutStateReason]"),
                    service_page(f, "deployments"));
        confirm_native_shift(f, out);
    } else if (!confirm_codedeploy_failure(f, out)) {  // CodeDeploy keeps what the task sets forgot
        confirm_rollout(f, out);  // task sets keep no rollout state: the controller's deployment tells
    }
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
    else
        fix_codedeploy_again(f, out);
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

void on_version_mismatch(const Facts& f, Steps& out) {
    const auto& spec = f.s.spec;
    if (!spec.version_url.empty())
        out.confirm("the version the endpoint reports", Cmd("curl").word("-sS").arg(redact_url(spec.version_url)).str());
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
            return spec.version_url.empty() ? "" : Cmd("curl").word("-sS -i").arg(redact_url(spec.version_url)).str();
        case Part::logs: return "";  // a log search is a finding's evidence, never the verdict's
        case Part::secrets: return "";  // its metadata is a finding's evidence; never fetched for a value
        case Part::deployment: return "";  // evidence beside the task sets, never alone the verdict's
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

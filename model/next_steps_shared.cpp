// Steps more than one verdict takes: a CI run, a rollout through the service's controller, the
// tasks, their logs, the target health, an EC2 instance.
#include <fmt/format.h>

#include "model/next_steps_detail.hpp"

namespace shipwatch::next_steps_detail {

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
void fix_restart(const Facts& f, Steps& out, const std::string& why, const std::string& td_arn) {
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

// ECS-native blue/green: its strategy, bake time and the other colour's target group, and where
// the production listener rule sends traffic now (ECS switches that rule; DescribeServices does
// not say which colour it points at). The queries name only members botocore 1.29 knows
// (strategy and advancedConfiguration are inside them).
void confirm_native_shift(const Facts& f, Steps& out) {
    if (!f.svc || !f.svc->native_blue_green()) return;
    out.confirm("the deployment configuration (strategy, bake time) and the load balancers (alternate target group)",
                describe_services(f, "services[0].[deploymentConfiguration,loadBalancers]"),
                service_page(f, "configuration-and-networking"));
    for (const auto& lb : f.svc->load_balancers)
        if (!lb.production_listener_rule.empty())
            out.confirm("which target group the production listener rule forwards to now",
                        aws_end(std::move(aws("elbv2", "describe-rules")
                                              .opt("--rule-arns", lb.production_listener_rule)
                                              .opt("--query", "Rules[0].Actions[].[Type,TargetGroupArn,ForwardConfig.TargetGroups]")),
                                f.s.spec));
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
        confirm_native_shift(f, out);
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

}  // namespace shipwatch::next_steps_detail

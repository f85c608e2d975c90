// The steps for a CODE_DEPLOY deployment that failed or was stopped (and rolled back): read the
// deployment CodeDeploy kept (status, error, rollback; the hook that failed), and deploy its
// revision again once the cause is fixed. The revision is the deployment's own AppSpec when the
// answer told it (hooks included); else the deployment group's console page.
#include <fmt/format.h>

#include "model/next_steps_detail.hpp"

namespace shipwatch::next_steps_detail {
namespace {

constexpr const char* kFailedHooks = "deploymentTarget.ecsTarget.lifecycleEvents[?status==`Failed`]";

const CodeDeployDeployment* failed_codedeploy(const Facts& f) {
    if (f.controller != Controller::code_deploy || !f.s.deployment.ok()) return nullptr;
    const CodeDeployDeployment& d = *f.s.deployment.value;
    return d.failed_or_stopped() && !d.id.empty() ? &d : nullptr;
}

// A JSON string's inside: the AppSpec goes into --revision's JSON as CodeDeploy kept it.
std::string json_escaped(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') out += {'\\', static_cast<char>(c)};
        else if (c == '\n') out += "\\n";
        else if (c < 0x20 || c == 0x7f) out += fmt::format("\\u{:04x}", c);
        else out += static_cast<char>(c);
    }
    return out;
}

std::string group_page(const Facts& f, const CodeDeployDeployment& d) {
    if (d.application.empty() || d.group.empty()) return codedeploy_page(f, d.id);
    return console(f, fmt::format("codesuite/codedeploy/applications/{}/deployment-groups/{}",
                                  url_encode(d.application), url_encode(d.group)));
}

}  // namespace

bool confirm_codedeploy_failure(const Facts& f, Steps& out) {
    const CodeDeployDeployment* d = failed_codedeploy(f);
    if (!d) return false;
    out.confirm("the CodeDeploy deployment: its status, why it failed and what rolled it back",
                aws_end(std::move(aws("deploy", "get-deployment")
                                      .opt("--deployment-id", d->id)
                                      .opt("--query", "deploymentInfo.[status,errorInformation,rollbackInfo]")),
                        f.s.spec),
                codedeploy_page(f, d->id));
    if (!f.s.spec.cluster.empty() && !f.s.spec.service.empty()) {
        // An ECS deployment's one target is "<cluster name>:<service name>".
        std::string target = fmt::format("{}:{}", name_of(f.s.spec.cluster), name_of(f.s.spec.service));
        out.confirm("the lifecycle hook that failed, with its diagnostics",
                    aws_end(std::move(aws("deploy", "get-deployment-target")
                                          .opt("--deployment-id", d->id)
                                          .opt("--target-id", target)
                                          .opt("--query", kFailedHooks)),
                            f.s.spec),
                    codedeploy_page(f, d->id));
    }
    return true;
}

bool fix_codedeploy_again(const Facts& f, Steps& out) {
    const CodeDeployDeployment* d = failed_codedeploy(f);
    if (!d) return false;
    if (d->task_definition.empty() || d->application.empty() || d->group.empty()) {
        out.fix(fmt::format("once the cause is fixed, deploy again from the deployment group: {}",
                            d->revision_untold.empty() ? "the revision it tried is not told" : d->revision_untold),
                "", group_page(f, *d));
        return true;
    }
    std::string revision =
        d->appspec_content.empty()
            ? appspec_revision(f, d->task_definition)
            : fmt::format(R"({{"revisionType":"AppSpecContent","appSpecContent":{{"content":"{}"}}}})",
                          json_escaped(d->appspec_content));
    out.fix(fmt::format("once the cause is fixed, deploy {} again through CodeDeploy ({})",
                        td_name_of(f, d->task_definition),
                        d->appspec_content.empty() ? "an AppSpec for it, without the original's hooks"
                                                   : "the AppSpec it tried, hooks included"),
            aws_end(std::move(aws("deploy", "create-deployment")
                                  .opt("--application-name", d->application)
                                  .opt("--deployment-group-name", d->group)
                                  .opt("--revision", revision)),
                    f.s.spec),
            group_page(f, *d));
    return true;
}

}  // namespace shipwatch::next_steps_detail

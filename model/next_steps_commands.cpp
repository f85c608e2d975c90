// The words of a next step: shell quoting, console hosts and pages, what the rules read from the
// snapshot (gathered once), and the commands per service (ECS, ECR or any registry, CI).
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "model/next_steps_detail.hpp"

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

namespace next_steps_detail {

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


// ---- what the rules read, gathered once --------------------------------------------------------


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
std::string aws_end(Cmd c, const PipelineSpec& spec, std::string_view region) {
    std::string_view r = region.empty() ? std::string_view(spec.region) : region;
    if (!r.empty()) c.opt("--region", r);
    if (!spec.profile.empty()) c.opt("--profile", spec.profile);
    return c.str();
}

std::string console(const Facts& f, std::string_view path, std::string_view fragment) {
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

}  // namespace next_steps_detail
}  // namespace shipwatch

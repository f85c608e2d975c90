#include "model/diagnosis.hpp"

#include <algorithm>
#include <array>

#include "model/diagnosis_detail.hpp"

namespace shipwatch {

std::string_view to_string(Health h) {
    switch (h) {
        case Health::ok: return "ok";
        case Health::progressing: return "progressing";
        case Health::stale: return "stale";
        case Health::failed: return "failed";
        case Health::unknown: return "unknown";
    }
    return "unknown";
}

namespace {
constexpr std::array<std::pair<VerdictCode, std::string_view>, 14> kVerdictNames{{
    {VerdictCode::live, "live"},
    {VerdictCode::build_running, "build_running"},
    {VerdictCode::build_failed, "build_failed"},
    {VerdictCode::not_built, "not_built"},
    {VerdictCode::image_missing, "image_missing"},
    {VerdictCode::taskdef_stale, "taskdef_stale"},
    {VerdictCode::deploy_in_progress, "deploy_in_progress"},
    {VerdictCode::deploy_failing, "deploy_failing"},
    {VerdictCode::deploy_rolled_back, "deploy_rolled_back"},
    {VerdictCode::tasks_stale, "tasks_stale"},
    {VerdictCode::targets_unhealthy, "targets_unhealthy"},
    {VerdictCode::version_mismatch, "version_mismatch"},
    {VerdictCode::instance_stale, "instance_stale"},
    {VerdictCode::unknown, "unknown"},
}};
}  // namespace

std::string_view to_string(VerdictCode v) {
    for (const auto& [code, name] : kVerdictNames)
        if (code == v) return name;
    return "unknown";
}

std::optional<VerdictCode> verdict_from_string(std::string_view s) {
    for (const auto& [code, name] : kVerdictNames)
        if (name == s) return code;
    return std::nullopt;
}

std::string_view to_string(Severity s) {
    switch (s) {
        case Severity::info: return "info";
        case Severity::warning: return "warning";
        case Severity::error: return "error";
    }
    return "info";
}

namespace detail {

std::string short_digest(const std::string& digest) {
    // "sha256:" + 7 hex, the way the incident write-ups quote them.
    auto colon = digest.find(':');
    return colon == std::string::npos ? digest.substr(0, 7) : digest.substr(0, std::min(digest.size(), colon + 8));
}

bool uses_task_sets(const Service& svc) {
    return svc.controller == ControllerType::code_deploy || svc.controller == ControllerType::external ||
           (svc.deployments.empty() && !svc.task_sets.empty());
}

const TaskSet* primary_task_set(const Service& svc) {
    for (const auto& t : svc.task_sets)
        if (t.status == TaskSetStatus::primary) return &t;
    return nullptr;
}

const TaskSet* replacement_task_set(const Service& svc) {
    const TaskSet* best = nullptr;
    for (const auto& t : svc.task_sets)
        if (t.status == TaskSetStatus::active &&
            (!best || t.created.value_or(TimePoint{}) > best->created.value_or(TimePoint{})))
            best = &t;
    return best;
}

std::string rollout_task_definition(const Service& svc) {
    if (!uses_task_sets(svc)) return svc.task_definition;
    if (const TaskSet* t = replacement_task_set(svc); t && !t->task_definition.empty()) return t->task_definition;
    if (const TaskSet* t = primary_task_set(svc); t && !t->task_definition.empty()) return t->task_definition;
    return svc.task_definition;
}

namespace {

// The task definition a failed CodeDeploy deployment rolled out: its replacement set, while it
// is still there, else the tasks that set started (they stay listed an hour after they stop),
// else the deployment's AppSpec, which CodeDeploy keeps after ECS has forgotten both.
std::string codedeploy_task_definition(const CodeDeployDeployment& d, const Service& svc, const std::vector<Task>* tasks) {
    for (const auto& t : svc.task_sets)
        if (t.external_id == d.id && !t.task_definition.empty()) return t.task_definition;
    for (const auto& set : d.task_sets) {
        if (set.label != "Green" || !tasks) continue;
        for (const auto& task : *tasks)
            if (task.started_by == set.id) return task.task_definition;
    }
    return d.task_definition;
}

// "arn:...:task-definition/orders:42" and "orders:42" name one revision (an AppSpec may write either).
bool same_task_definition(std::string_view a, std::string_view b) {
    auto revision = [](std::string_view arn) {
        auto at = arn.find("task-definition/");
        return at == std::string_view::npos ? arn : arn.substr(at + 16);
    };
    return revision(a) == revision(b);
}

}  // namespace

bool Context::carries_target(const std::string& arn) const {
    const TaskDefinition* td = taskdef(arn);
    const ContainerDef* c = td ? app_container_of(*td) : nullptr;
    if (!c || !target) return false;
    Revision r = index.of_reference(c->image);
    return r.known() && r.sha == target->sha;
}

void Context::find_rollback() {
    if (!snap.service.value || !target) return;
    const Service& svc = *snap.service.value;
    std::string intended = rollout_task_definition(svc);
    for (const auto& d : svc.deployments)
        if (d.rollout_state == RolloutState::failed && d.task_definition != intended && carries_target(d.task_definition)) {
            rollback = Rollback{d.task_definition, d.id, "ECS", true, d.rollout_state_reason, d.updated};
            return;
        }
    if (!codedeploy || !codedeploy->failed_or_stopped()) return;
    std::string td = codedeploy_task_definition(*codedeploy, svc, snap.tasks.get());
    if (td.empty() || !carries_target(td)) return;
    bool rolled_back = codedeploy->rolled_back() || !same_task_definition(td, intended);
    rollback = Rollback{td, codedeploy->id, "CodeDeploy", rolled_back, codedeploy->reason(), codedeploy->completed};
}

Context::Context(const PipelineSnapshot& s) : snap(s), now(s.now) {
    index.commits = s.commits.get();
    index.builds = s.builds.get();
    index.images = s.images.get();

    if (s.commits.value && !s.commits.value->empty()) target = &s.commits.value->front();
    if (s.builds.value) {
        for (const auto& run : *s.builds.value) {
            if (!latest_build || run.started > latest_build->started) latest_build = &run;
            if (target && run.sha == target->sha && (!target_build || run.started > target_build->started))
                target_build = &run;
        }
    }
    if (s.service.value) service_taskdef = taskdef(rollout_task_definition(*s.service.value));
    // Too old, it is as if CodeDeploy had not been read (the rules then say what they cannot tell).
    if (s.deployment.ok() && !s.deployment.too_old(now)) codedeploy = &*s.deployment.value;
    if (service_taskdef) app_container = app_container_of(*service_taskdef);
    if (app_container) app_image_repository = parse_image_ref(app_container->image).repository;
    if (app_image_repository.empty()) app_image_repository = s.spec.image_repository;

    if (target && s.images.value) {
        for (const auto& img : *s.images.value) {
            Revision r = index.of_image(img);
            if (r.known() && r.sha == target->sha && (!expected_image || img.pushed_at > expected_image->pushed_at)) {
                expected_image = &img;
                expected = r;
            }
        }
    }
    find_rollback();
}

const TaskDefinition* Context::taskdef(const std::string& arn) const {
    if (!snap.task_definitions.value) return nullptr;
    auto it = snap.task_definitions.value->find(arn);
    return it == snap.task_definitions.value->end() ? nullptr : &it->second;
}

const ContainerDef* Context::app_container_of(const TaskDefinition& td) const {
    return shipwatch::app_container(td, snap.spec.image_repository);
}

const TaskContainer* Context::app_container_of(const Task& task) const {
    const TaskDefinition* td = taskdef(task.task_definition);
    const ContainerDef* def = td ? app_container_of(*td) : nullptr;
    for (const auto& c : task.containers)
        if (def ? c.name == def->name : !c.image_digest.empty()) return &c;
    return task.containers.empty() ? nullptr : &task.containers.front();
}

Revision Context::task_revision(const Task& task) const {
    const TaskContainer* c = app_container_of(task);
    if (!c) return {};
    if (c->image_digest.empty()) {
        // Tasks still pulling, and older agents on EC2 container instances, report no digest: the
        // task definition's reference is all there is. A tag that names a commit tells it
        // (inferred); a mutable tag tells nothing, and its current digest is not what they run.
        const TaskDefinition* td = taskdef(task.task_definition);
        const ContainerDef* def = td ? app_container_of(*td) : nullptr;
        std::string image = def ? def->image : c->image;
        ImageRef ref = parse_image_ref(image);
        Revision r = ref.digest.empty() ? index.from_string(ref.tag) : index.of_reference(image);
        if (r.known()) {
            if (r.match == MatchKind::exact && ref.digest.empty()) r.match = MatchKind::inferred;
            r.note = fmt::format("no digest reported; {} names the commit", ref.digest.empty() ? "tag " + ref.tag : "the pinned digest");
        } else {
            r = {};
            r.note = fmt::format("no digest reported and tag {} is mutable", ref.tag);
        }
        return r;
    }
    if (const Image* img = index.find_digest(c->image_digest)) return index.of_image(*img);
    // The digest is not in the registry (unreadable, or the image is gone): a tag that names a
    // commit still tells it, but a mutable tag's digest *now* says nothing of what a task that
    // started earlier runs.
    ImageRef ref = parse_image_ref(c->image);
    Revision r = index.from_string(ref.tag);
    r.digest = c->image_digest;
    r.note = fmt::format("digest {} not in the registry; {}", short_digest(c->image_digest),
                         r.known() ? "tag " + ref.tag + " names the commit" : "tag " + ref.tag + " names no commit");
    return r;
}

std::string Context::describe_commit(const Commit& c) const {
    std::string text = fmt::format("{} {}", short_sha(c.sha), c.message);
    if (c.pull_request && c.message.find(fmt::format("#{}", *c.pull_request)) == std::string::npos)
        text += fmt::format(" (PR #{})", *c.pull_request);
    return text;
}

std::optional<TimePoint> Context::last_deployment() const {
    if (!snap.service.value) return std::nullopt;
    std::optional<TimePoint> newest;
    for (const auto& d : snap.service.value->deployments)
        if (!newest || d.created > *newest) newest = d.created;
    return newest;
}


}  // namespace detail

namespace {

// The diagnosis rule of each stage, one row per Stage in enum order (checked below).
struct StageRule {
    Stage stage;
    detail::StageOutcome (*rule)(detail::Context&);
};
constexpr std::array<StageRule, kStageCount> kRules{{
    {Stage::push, detail::diagnose_push},
    {Stage::build, detail::diagnose_build},
    {Stage::image, detail::diagnose_image},
    {Stage::taskdef, detail::diagnose_taskdef},
    {Stage::tasks, detail::diagnose_tasks},
    {Stage::instances, detail::diagnose_instances},
    {Stage::alb, detail::diagnose_alb},
}};
static_assert(rows_in_enum_order(kRules, [](const StageRule& r) { return r.stage; }));

Verdict choose_verdict(const std::vector<detail::StageOutcome>& outcomes, const detail::Context& ctx) {
    std::vector<std::string> later_problems;
    for (size_t i = 0; i < outcomes.size(); ++i) {
        const auto& o = outcomes[i];
        if (o.report.health == Health::ok) continue;
        Verdict v;
        v.code = o.verdict.value_or(VerdictCode::unknown);
        v.summary = o.verdict_summary.empty() ? o.report.summary : o.verdict_summary;
        v.stage = o.report.id;
        if (v.code == VerdictCode::unknown) {
            // Name what is definitely broken further down, so "unknown" never hides a failure.
            for (size_t j = i + 1; j < outcomes.size(); ++j)
                if (outcomes[j].report.health == Health::failed)
                    later_problems.push_back(fmt::format("{} {}", to_string(outcomes[j].report.id), outcomes[j].report.summary));
            if (!later_problems.empty()) v.summary += fmt::format(" Also: {}.", fmt::join(later_problems, "; "));
        }
        return v;
    }
    Verdict v;
    v.code = VerdictCode::live;
    const Commit* c = ctx.target;
    v.summary = c ? fmt::format("{} is live: every stage carries it and shows no problem.", ctx.describe_commit(*c))
                  : "Every stage is healthy.";
    return v;
}

}  // namespace

Diagnosis diagnose(const PipelineSnapshot& snapshot) {
    detail::Context ctx(snapshot);
    std::vector<detail::StageOutcome> outcomes;
    // In chain order, as the report lists the stages; findings of one severity keep this order.
    for (Stage stage : chain(snapshot.spec.kind)) outcomes.push_back(kRules[static_cast<size_t>(stage)].rule(ctx));
    detail::add_findings(ctx);

    Diagnosis d;
    d.pipeline = snapshot.spec.name;
    d.verdict = choose_verdict(outcomes, ctx);
    if (ctx.target) d.target_sha = ctx.target->sha;
    for (auto& o : outcomes) d.stages.push_back(std::move(o.report));
    d.findings = std::move(ctx.findings);
    std::stable_sort(d.findings.begin(), d.findings.end(),
                     [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
    return d;
}

}  // namespace shipwatch

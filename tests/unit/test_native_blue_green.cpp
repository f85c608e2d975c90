// ECS-native blue/green (deploymentConfiguration.strategy BLUE_GREEN, LINEAR, CANARY): the ECS
// controller keeps the rollout in `deployments`, green (PRIMARY) beside blue (ACTIVE) until the
// bake time ends. From a healthy snapshot in code, then on the real path against the scenario file
// tests/data/sim/ecs-blue-green.json.
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "engine/collector.hpp"
#include "engine/live_sources.hpp"
#include "model/analysis.hpp"
#include "model/diagnosis.hpp"
#include "sim/simulator.hpp"
#include "snapshot_builder.hpp"
#include "tui/render.hpp"

using namespace shipwatch;
using namespace shipwatch::testing;

namespace {

constexpr const char* kProductionRule =
    "arn:aws:elasticloadbalancing:eu-west-1:210987654321:listener-rule/app/app-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9ac3f4c1e0f4a6a1";
constexpr const char* kTgGreen = "arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup/app-tg-green/fedcba9876543210";

const StageReport& stage(const Diagnosis& d, Stage id) {
    for (const auto& s : d.stages)
        if (s.id == id) return s;
    throw std::runtime_error("no stage " + std::string(to_string(id)));
}

const Evidence* evidence(const StageReport& s, const std::string& label) {
    for (const auto& e : s.evidence)
        if (e.label == label) return &e;
    return nullptr;
}

// The value of the evidence line `label`, or "<absent>".
std::string evidence_value(const StageReport& s, const std::string& label) {
    const Evidence* e = evidence(s, label);
    return e ? e->value : "<absent>";
}

bool has_finding(const Diagnosis& d, const std::string& text) {
    for (const auto& f : d.findings)
        if (f.message.find(text) != std::string::npos) return true;
    return false;
}

// Every sentence a reader sees: the verdict, each stage's summary and evidence, the findings.
std::vector<std::string> sentences(const Diagnosis& d) {
    std::vector<std::string> out{d.verdict.summary};
    for (const auto& s : d.stages) {
        out.push_back(s.summary);
        for (const auto& e : s.evidence) out.push_back(e.label + ": " + e.value);
    }
    for (const auto& f : d.findings) out.push_back(f.message);
    return out;
}

// The healthy snapshot as a native blue/green service: green app:24 (PRIMARY) in its bake, blue
// app:23 (ACTIVE) still up; green's tasks in the alternate target group.
PipelineSnapshot baking_snapshot(const char* strategy = "BLUE_GREEN") {
    auto s = healthy_snapshot();
    auto& svc = *s.service.value;
    svc.controller = "ECS";
    svc.strategy = strategy;
    svc.bake_time_minutes = 10;
    svc.load_balancers[0].alternate_target_group_arn = kTgGreen;
    svc.load_balancers[0].production_listener_rule = kProductionRule;
    svc.deployments[0].rollout_state = "IN_PROGRESS";
    svc.deployments[0].created = at("2025-06-10T14:48:00Z");
    Deployment blue;
    blue.id = "ecs-svc/0";
    blue.status = "ACTIVE";
    blue.task_definition = kTdOld;
    blue.rollout_state = "COMPLETED";
    blue.desired = blue.running = 2;
    blue.created = at("2025-06-09T16:31:00Z");
    svc.deployments.push_back(blue);
    s.tasks.value->push_back(running_task("b1", kTdOld, kOldDigest, "10.0.2.1", at("2025-06-09T16:32:00Z")));
    s.tasks.value->push_back(running_task("b2", kTdOld, kOldDigest, "10.0.2.2", at("2025-06-09T16:32:10Z")));
    return s;
}

}  // namespace

TEST(NativeBlueGreen, ABakeInProgressIsAShiftNotARollingRollout) {
    Diagnosis d = diagnose(baking_snapshot());
    EXPECT_EQ(d.verdict.code, VerdictCode::deploy_in_progress) << d.verdict.summary;
    EXPECT_EQ(d.verdict.stage, Stage::tasks);
    const StageReport& tasks = stage(d, Stage::tasks);
    EXPECT_EQ(tasks.health, Health::progressing);
    EXPECT_EQ(tasks.summary, "blue/green: green app:24 2/2 running, blue app:23 still up (bake time 10m)");
    EXPECT_EQ(d.verdict.summary,
              "ECS blue/green deployment of app:24 in progress for 12m: green 2/2 running, blue app:23 still up.");
    for (const auto& text : sentences(d)) EXPECT_EQ(text.find("rolling out"), std::string::npos) << text;
    // The evidence names the strategy, the bake time and the other colour's target group.
    EXPECT_EQ(evidence_value(tasks, "deployment strategy"), "BLUE_GREEN, bake time 10m");
    EXPECT_EQ(evidence_value(tasks, "alternate target group"), "app-tg-green (beside app-tg)");
    EXPECT_TRUE(evidence(tasks, "deployment phase"));
}

TEST(NativeBlueGreen, NoSentenceClaimsAPhaseNoAnswerTold) {
    // DescribeServices tells no lifecycle stage: neither test traffic nor a bake under way is claimed.
    for (const char* strategy : {"BLUE_GREEN", "LINEAR", "CANARY"}) {
        SCOPED_TRACE(strategy);
        Diagnosis d = diagnose(baking_snapshot(strategy));
        // What is not told is said to be so, once, in the evidence.
        EXPECT_EQ(evidence_value(stage(d, Stage::tasks), "deployment phase").rfind("not told:", 0), 0u);
        for (const auto& text : sentences(d)) {
            for (const char* claim : {"baking", "test traffic", "production traffic", "shifting", "shifted", "in bake"})
                EXPECT_EQ(text.find(claim), std::string::npos) << text;
        }
    }
}

TEST(NativeBlueGreen, LinearAndCanaryNameTheirShift) {
    Diagnosis linear = diagnose(baking_snapshot("LINEAR"));
    EXPECT_EQ(linear.verdict.code, VerdictCode::deploy_in_progress);
    EXPECT_EQ(stage(linear, Stage::tasks).summary.rfind("linear: green app:24 2/2 running", 0), 0u)
        << stage(linear, Stage::tasks).summary;
    Diagnosis canary = diagnose(baking_snapshot("CANARY"));
    EXPECT_NE(canary.verdict.summary.find("ECS canary deployment of app:24"), std::string::npos) << canary.verdict.summary;
}

TEST(NativeBlueGreen, BlueScaledInAndNoBakeTimeToldAreSaidSo) {
    auto s = baking_snapshot();
    auto& svc = *s.service.value;
    svc.bake_time_minutes.reset();
    svc.deployments[1].running = svc.deployments[1].desired = 0;
    s.tasks.value->resize(2);  // blue's tasks stopped
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::deploy_in_progress);
    EXPECT_EQ(stage(d, Stage::tasks).summary, "blue/green: green app:24 2/2 running, blue app:23 scaled in");
    EXPECT_EQ(evidence_value(stage(d, Stage::tasks), "deployment strategy"), "BLUE_GREEN");
}

TEST(NativeBlueGreen, RollingAndAnUnknownStrategyStillRoll) {
    auto rolling = baking_snapshot("ROLLING");
    Diagnosis d = diagnose(rolling);
    EXPECT_EQ(d.verdict.code, VerdictCode::deploy_in_progress);
    EXPECT_EQ(stage(d, Stage::tasks).summary.rfind("rolling out app:24", 0), 0u) << stage(d, Stage::tasks).summary;
    // A strategy ECS adds later is shown as written and read the way shipwatch knows.
    Diagnosis future = diagnose(baking_snapshot("SHADOW"));
    EXPECT_EQ(future.verdict.code, VerdictCode::deploy_in_progress);
    EXPECT_EQ(stage(future, Stage::tasks).summary.rfind("rolling out app:24", 0), 0u);
    EXPECT_EQ(evidence_value(stage(future, Stage::tasks), "deployment strategy"),
              "SHADOW, bake time 10m (a strategy shipwatch does not know: read as rolling)");
    // A CODE_DEPLOY service's strategy is not ECS's to run: its task sets are read.
    auto codedeploy = baking_snapshot();
    codedeploy.service.value->controller = "CODE_DEPLOY";
    EXPECT_FALSE(codedeploy.service.value->native_blue_green());
}

TEST(NativeBlueGreen, AFinishedShiftIsLiveWithTheStrategyInEvidence) {
    auto s = healthy_snapshot();
    auto& svc = *s.service.value;
    svc.strategy = "BLUE_GREEN";
    svc.bake_time_minutes = 10;
    svc.load_balancers[0].alternate_target_group_arn = kTgGreen;
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::live) << d.verdict.summary;
    EXPECT_EQ(evidence_value(stage(d, Stage::tasks), "deployment strategy"), "BLUE_GREEN, bake time 10m");
    EXPECT_TRUE(evidence(stage(d, Stage::tasks), "alternate target group"));
}

TEST(NativeBlueGreen, ARolledBackShiftFailsTheTasksStageNamingBlueGreen) {
    auto s = rolled_back_snapshot();
    auto& svc = *s.service.value;
    svc.strategy = "BLUE_GREEN";
    svc.load_balancers[0].alternate_target_group_arn = kTgGreen;
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::deploy_rolled_back) << d.verdict.summary;
    EXPECT_EQ(d.verdict.stage, Stage::tasks);
    EXPECT_EQ(stage(d, Stage::taskdef).health, Health::ok);
    EXPECT_EQ(stage(d, Stage::tasks).health, Health::failed);
    EXPECT_EQ(stage(d, Stage::tasks).summary, "ECS blue/green deployment ecs-svc/1 of app:24 (194af44) rolled back; blue app:23 runs");
    EXPECT_EQ(d.verdict.summary, "The blue/green deployment of 194af44 (app:24) failed (ECS deployment circuit breaker: tasks "
                                 "failed to start.); ECS rolled back to blue app:23.");
}

TEST(NativeBlueGreen, AFailingGreenNamesTheShift) {
    auto s = baking_snapshot();
    auto& green = s.service.value->deployments[0];
    green.running = 0;
    green.failed_tasks = 4;
    s.tasks.value->erase(s.tasks.value->begin(), s.tasks.value->begin() + 2);  // only blue runs
    Diagnosis d = diagnose(s);
    EXPECT_EQ(d.verdict.code, VerdictCode::deploy_failing) << d.verdict.summary;
    EXPECT_EQ(stage(d, Stage::tasks).summary.rfind("blue/green deployment of app:24 failing", 0), 0u)
        << stage(d, Stage::tasks).summary;
}

TEST(NativeBlueGreen, ABakeLongerThanHalfAnHourIsNotAStuckDeployment) {
    auto s = baking_snapshot();
    s.service.value->bake_time_minutes = 60;
    s.service.value->deployments[0].created = s.now - std::chrono::minutes(50);
    EXPECT_FALSE(has_finding(diagnose(s), "has been IN_PROGRESS"));
    s.service.value->deployments[0].created = s.now - std::chrono::minutes(95);
    EXPECT_TRUE(has_finding(diagnose(s), "has been IN_PROGRESS for 1h35m"));
}

TEST(NativeBlueGreen, NextStepsStayWithEcsAndShowTheDeploymentConfiguration) {
    auto in_progress = analyze(baking_snapshot());
    bool configuration = false, production_rule = false;
    for (const auto& step : in_progress.next_steps) {
        EXPECT_EQ(step.command.find("aws deploy"), std::string::npos) << step.command;
        if (step.command.find("--query 'services[0].[deploymentConfiguration,loadBalancers]'") != std::string::npos)
            configuration = step.kind == StepKind::confirm;
        if (step.command.rfind("aws elbv2 describe-rules --rule-arns " + shell_quote(kProductionRule), 0) == 0)
            production_rule = step.kind == StepKind::confirm;
    }
    EXPECT_TRUE(configuration);
    EXPECT_TRUE(production_rule);

    // A failing green: the fix goes back to blue's revision through ECS.
    auto failing_snapshot = baking_snapshot();
    failing_snapshot.service.value->deployments[0].running = 0;
    failing_snapshot.service.value->deployments[0].failed_tasks = 4;
    failing_snapshot.tasks.value->erase(failing_snapshot.tasks.value->begin(), failing_snapshot.tasks.value->begin() + 2);
    auto failing = analyze(failing_snapshot);
    ASSERT_EQ(failing.diagnosis.verdict.code, VerdictCode::deploy_failing);
    bool shown = false, back_to_blue = false;
    for (const auto& step : failing.next_steps) {
        EXPECT_EQ(step.command.find("aws deploy"), std::string::npos) << step.command;
        shown = shown || step.command.find("deploymentConfiguration,loadBalancers") != std::string::npos;
        back_to_blue = back_to_blue || (step.kind == StepKind::fix && step.command.find("aws ecs update-service") == 0 &&
                                        step.command.find("--task-definition app:23") != std::string::npos);
    }
    EXPECT_TRUE(shown);
    EXPECT_TRUE(back_to_blue);

    auto rolling = analyze(baking_snapshot("ROLLING"));
    for (const auto& step : rolling.next_steps)
        EXPECT_EQ(step.command.find("deploymentConfiguration,loadBalancers"), std::string::npos) << step.command;
}

// ---- on the real path, against tests/data/sim/ecs-blue-green.json ----------------------------

namespace {

class Recording final : public Transport {
public:
    explicit Recording(Transport& inner) : inner_(inner) {}
    HttpResponse send(const HttpRequest& request) override {
        {
            std::lock_guard lock(mutex_);
            requests.push_back(request);
        }
        return inner_.send(request);
    }
    std::vector<HttpRequest> requests;

private:
    Transport& inner_;
    std::mutex mutex_;
};

sim::Scenario scenario_file() {
    std::ifstream in(std::string(SHIPWATCH_TEST_DATA) + "/sim/ecs-blue-green.json");
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = sim::parse_scenario(text.str());
    if (!parsed) throw std::runtime_error(parsed.error().message);
    return std::move(parsed).value();
}

struct Collected {
    std::map<std::string, PipelineAnalysis> by_name;
    std::vector<HttpRequest> requests;
    std::vector<std::string> script_errors;
};

Collected collect(const sim::Scenario& scenario, Duration after_start = Duration{0}) {
    ManualClock clock(scenario.start + after_start);
    auto world = std::make_shared<sim::World>(scenario, clock);
    sim::SimTransport simulated(world);
    Recording transport(simulated);
    auto gh = std::make_shared<github::GithubClient>(github::GithubContext{&transport, "https://api.github.com", ""});
    auto cache = std::make_shared<SlowSourceCache>(clock, std::chrono::seconds(4));
    std::vector<std::unique_ptr<PipelineCollector>> collectors;
    for (const auto& spec : scenario.pipelines) {
        CollectorSources src;
        src.aws.transport = &transport;
        src.aws.region = spec.region;
        src.aws.endpoints = aws::Endpoints(spec.region);
        src.github = gh;
        src.http = &transport;
        src.slow_cache = cache;
        collectors.push_back(std::make_unique<PipelineCollector>(spec, std::move(src), clock));
    }
    std::vector<PipelineCollector*> all;
    for (auto& c : collectors) all.push_back(c.get());
    Collected run;
    for (auto& snap : collect_all(all)) {
        std::string name = snap.spec.name;
        run.by_name.emplace(name, analyze(std::move(snap)));
    }
    run.requests = transport.requests;
    run.script_errors = world->script_errors();
    return run;
}

}  // namespace

TEST(NativeBlueGreenOnTheRealPath, BakeFinishedAndRolledBackGiveTheirVerdicts) {
    sim::Scenario scenario = scenario_file();
    Collected run = collect(scenario);
    ASSERT_EQ(run.by_name.size(), 3u);
    const std::map<std::string, VerdictCode> want{{"payments-mid-shift", VerdictCode::deploy_in_progress},
                                                  {"payments-shifted", VerdictCode::live},
                                                  {"payments-rolled-back", VerdictCode::deploy_rolled_back}};
    for (const auto& [name, code] : want) {
        SCOPED_TRACE(name);
        const Diagnosis& d = run.by_name.at(name).diagnosis;
        EXPECT_EQ(d.verdict.code, code) << d.verdict.summary;
        EXPECT_EQ(to_string(code), scenario.expect.at(name));
        for (const auto& text : sentences(d)) EXPECT_EQ(text.find("rolling out"), std::string::npos) << text;
    }
    const Diagnosis& baking = run.by_name.at("payments-mid-shift").diagnosis;
    EXPECT_EQ(stage(baking, Stage::tasks).summary,
              "blue/green: green payments-mid-shift:42 3/3 running, blue payments-mid-shift:41 still up (bake time 10m)");
    EXPECT_NE(run.by_name.at("payments-rolled-back").diagnosis.verdict.summary.find("blue/green"), std::string::npos);
}

TEST(NativeBlueGreenOnTheRealPath, TheAlternateTargetGroupIsWatched) {
    Collected run = collect(scenario_file());
    // The baking service's green tasks register in its alternate group: their targets are read.
    const auto& groups = run.by_name.at("payments-mid-shift").snapshot.target_groups;
    ASSERT_TRUE(groups.value);
    std::vector<std::string> names;
    for (const auto& g : *groups.value) names.push_back(g.name);
    EXPECT_EQ(names, (std::vector<std::string>{"payments-mid-shift-blue", "payments-mid-shift-green"}));
    int health_calls = 0;
    for (const auto& r : run.requests)
        if (r.body.find("targetgroup%2Fpayments-mid-shift-green") != std::string::npos &&
            r.body.find("DescribeTargetHealth") != std::string::npos)
            ++health_calls;
    EXPECT_GE(health_calls, 1);
}

TEST(NativeBlueGreenOnTheRealPath, WhenTheBakeEndsTheShiftIsLiveAndEveryVerdictNamesTheFirstStageNotOk) {
    sim::Scenario scenario = scenario_file();
    for (int minute = 0; minute <= 15; ++minute) {
        SCOPED_TRACE(minute);
        Collected run = collect(scenario, std::chrono::minutes(minute));
        EXPECT_EQ(run.script_errors, std::vector<std::string>{});
        for (const auto& [name, a] : run.by_name) {
            SCOPED_TRACE(name);
            const Diagnosis& d = a.diagnosis;
            std::optional<Stage> first_not_ok;
            for (const auto& st : d.stages)
                if (st.health != Health::ok) {
                    first_not_ok = st.id;
                    break;
                }
            if (d.verdict.code == VerdictCode::live) EXPECT_FALSE(first_not_ok);
            else EXPECT_EQ(d.verdict.stage, first_not_ok) << d.verdict.summary;
        }
        // Eight minutes in, ECS scales blue in and completes the deployment.
        VerdictCode mid = run.by_name.at("payments-mid-shift").diagnosis.verdict.code;
        EXPECT_EQ(mid, minute < 8 ? VerdictCode::deploy_in_progress : VerdictCode::live);
    }
}

// The tasks pane: the stage's sentence, and the strategy and the other colour's group in its evidence.
TEST(NativeBlueGreen, TheDashboardShowsTheShift) {
    auto a = std::make_shared<const PipelineAnalysis>(analyze(baking_snapshot()));
    Picture p;
    p.context = "demo";
    p.pipelines.push_back({a->diagnosis.pipeline, a, false});
    tui::ViewState s;
    s.wall_now = a->snapshot.now;
    s.pipeline = a->diagnosis.pipeline;
    s.pinned = true;
    s.screen = tui::Screen::pane;
    s.stage = 4;  // tasks
    std::string text = tui::render(p, s, {160, 48}).to_text();
    EXPECT_NE(text.find("blue/green: green app:24 2/2 running, blue app:23 still up (bake time 10m)"), std::string::npos) << text;
    EXPECT_NE(text.find("deployment strategy     BLUE_GREEN, bake time 10m"), std::string::npos) << text;
    EXPECT_NE(text.find("alternate target group  app-tg-green (beside app-tg)"), std::string::npos) << text;
    EXPECT_EQ(text.find("rolling out"), std::string::npos) << text;
}

// The fault matrix: the real-data path (config → make_live → libcurl with SigV4 → retries →
// collectors → the background Scheduler) against `shipwatch sim` on loopback, with faults
// injected into the running simulator. For each fault: nothing crashes or hangs, the affected
// stages go `unknown` with the error and its age on screen, the pipelines and sources the fault
// does not touch keep refreshing, and everything recovers by itself once the fault is cleared.
//
// The world joins three scenarios in three regions: payments-api (ECS, us-west-2, live),
// agricultural-core and monitoring-dashboards (ECS, us-east-1, stuck), streamr-p2p-ec2 (EC2,
// eu-west-1). Faults scoped to us-east-1 must leave the other regions refreshing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "engine/live_sources.hpp"
#include "engine/scheduler.hpp"
#include "sim/sim_server.hpp"
#include "model/analysis.hpp"
#include "tui/render.hpp"

namespace shipwatch {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr auto kPatience = 60s;  // generous: CI machines are slow; a hang fails here, not forever

// Three built-in scenarios as one world: regions, repositories and URLs do not overlap.
sim::Scenario joined_scenario() {
    json base = json::parse(sim::embedded_scenarios().at("stuck-rollouts"));
    const std::string account = base["account"];
    for (const char* other : {"healthy", "ec2-never-updated"}) {
        // One account holds every pipeline: the others' ARNs and ECR hosts move into it, or their
        // images would be another account's registry (ECR calls send the host's registryId).
        std::string text = sim::embedded_scenarios().at(other);
        const std::string own = json::parse(text)["account"];
        for (size_t at = text.find(own); at != std::string::npos; at = text.find(own, at + account.size()))
            text.replace(at, own.size(), account);
        json doc = json::parse(text);
        for (auto& p : doc["pipelines"]) base["pipelines"].push_back(p);
        for (auto& [k, v] : doc["expect"].items()) base["expect"][k] = v;
        for (auto& [region, v] : doc["world"]["aws"].items()) base["world"]["aws"][region] = v;
        for (auto& [repo, v] : doc["world"]["github"].items()) base["world"]["github"][repo] = v;
        for (auto& [url, v] : doc["world"]["http"].items()) base["world"]["http"][url] = v;
    }
    base["name"] = "fault-matrix";
    auto parsed = sim::parse_scenario(base.dump());
    if (!parsed) throw std::runtime_error(parsed.error().message);
    return std::move(parsed).value();
}

// A SimServer serving on its own thread until destroyed.
struct Serving {
    std::unique_ptr<sim::SimServer> server;
    std::thread thread;
    explicit Serving(std::unique_ptr<sim::SimServer> s) : server(std::move(s)) {
        thread = std::thread([this] { server->run(); });
        while (!server->running()) std::this_thread::sleep_for(5ms);
    }
    ~Serving() {
        server->stop();
        thread.join();
    }
};

const PipelineAnalysis* find(const Picture& p, const std::string& name) {
    for (const auto& e : p.pipelines)
        if (e.name == name) return e.analysis.get();
    return nullptr;
}

const StageReport* stage(const PipelineAnalysis& a, const std::string& id) {
    for (const auto& s : a.diagnosis.stages)
        if (to_string(s.id) == id) return &s;
    return nullptr;
}

std::string stage_text(const StageReport& s) {
    std::string text = s.summary;
    for (const auto& e : s.evidence) text += " | " + e.label + ": " + e.value;
    return text;
}

// Every source of a snapshot that answered with an error, as "source: message".
std::vector<std::string> source_errors(const PipelineSnapshot& s) {
    std::vector<std::string> out;
    auto check = [&](const char* name, const auto& fetched) {
        if (fetched.error) out.push_back(fmt::format("{}: {}", name, fetched.error->message));
    };
    check("commits", s.commits);
    check("builds", s.builds);
    check("images", s.images);
    check("service", s.service);
    check("task_definitions", s.task_definitions);
    check("tasks", s.tasks);
    check("target_groups", s.target_groups);
    check("instances", s.instances);
    check("versions", s.versions);
    return out;
}

class FaultMatrix : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        sim::SimServerOptions options;
        options.threads = 16;
        auto main = sim::SimServer::create(joined_scenario(), options);
        ASSERT_TRUE(main) << main.error().message;
        main_ = new Serving(std::move(main).value());
        start_ecs_endpoint(0);

        const sim::Scenario& scenario = main_->server->world().scenario();
        // The real-data path reads the process environment, as it does for a person.
        setenv("AWS_ACCESS_KEY_ID", scenario.access_key_id.c_str(), 1);
        setenv("AWS_SECRET_ACCESS_KEY", scenario.secret_access_key.c_str(), 1);
        unsetenv("AWS_SESSION_TOKEN");
        unsetenv("AWS_PROFILE");
        setenv("AWS_CONFIG_FILE", "/nonexistent/shipwatch-test", 1);
        setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/shipwatch-test", 1);
        setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
        setenv("AWS_ENDPOINT_URL", main_->server->base_url().c_str(), 1);
        setenv("AWS_ENDPOINT_URL_ECS", ecs_->server->base_url().c_str(), 1);
        setenv("GITHUB_API_URL", main_->server->base_url().c_str(), 1);
        setenv("GH_TOKEN", "fault-matrix-token", 1);

        Config config;
        config.refresh.ecs = config.refresh.github = config.refresh.ecr = 1s;
        config.http.timeout = 1s;
        config.http.connect_timeout = 1s;
        // Refreshing every second asks more than a real account's budget allows; the budget is
        // not what this test is about.
        config.budget.requests_per_second = 200;
        config.budget.burst = 200;
        config.budget.services.clear();
        auto urls = main_->server->version_urls();
        for (auto spec : scenario.pipelines) {
            for (const auto& [original, here] : urls)
                if (spec.version_url == original) spec.version_url = here;
            PipelineConfig p;
            p.spec = spec;
            config.pipelines.push_back(p);
        }
        auto live = make_live(config);
        ASSERT_TRUE(live) << live.error().message;
        live_ = std::move(live).value().release();
        SchedulerOptions so;
        so.live_interval = so.slow_interval = 1s;
        so.fetch_threads = kFetchThreads;
        so.source_states = [] { return source_states(*live_); };
        scheduler_ = new Scheduler(std::move(live_->collectors), so);
        scheduler_->start();
    }

    static void TearDownTestSuite() {
        delete scheduler_;
        delete live_;
        delete ecs_;
        delete main_;
    }

    // The ECS endpoint is a second server on the same world, so a test can take it away
    // (connections refused) and bring it back on the same port.
    static void start_ecs_endpoint(int port) {
        sim::SimServerOptions options;
        options.port = port;
        auto ecs = sim::SimServer::create_sharing(*main_->server, options);
        ASSERT_TRUE(ecs) << ecs.error().message;
        ecs_ = new Serving(std::move(ecs).value());
    }

    void SetUp() override {
        ASSERT_NE(scheduler_, nullptr);
        main_->server->world().faults().clear();
        baseline_ = wait_for("a clean picture of every pipeline", [&](const Picture& p) {
            for (const auto& e : p.pipelines)
                if (!e.analysis || !source_errors(e.analysis->snapshot).empty()) return false;
            return true;
        });
    }

    // Polls the newest picture until `ok` holds; fails (with the last picture's errors) if not in time.
    std::shared_ptr<const Picture> wait_for(const std::string& what, const std::function<bool(const Picture&)>& ok) {
        auto deadline = steady::now() + kPatience;
        std::shared_ptr<const Picture> p;
        while (steady::now() < deadline) {
            p = scheduler_->latest();
            if (ok(*p)) return p;
            std::this_thread::sleep_for(50ms);
        }
        std::string state;
        for (const auto& e : p->pipelines)
            if (e.analysis)
                state += fmt::format("\n  {} {} [{}]", e.name, to_string(e.analysis->diagnosis.verdict.code),
                                     fmt::join(source_errors(e.analysis->snapshot), "; "));
        ADD_FAILURE() << "timed out waiting for " << what << "; last picture:" << state;
        return p;
    }

    VerdictCode baseline_verdict(const std::string& name) { return find(*baseline_, name)->diagnosis.verdict.code; }

    struct Expect {
        std::vector<std::string> pipelines;  // affected
        std::vector<std::string> stages;  // that go unknown
        std::string error;  // text each of them shows
        std::vector<std::string> untouched;  // pipelines that must keep refreshing meanwhile
        // A source every pipeline keeps refreshing meanwhile (for faults that touch them all).
        std::function<const std::optional<TimePoint>*(const PipelineSnapshot&)> untouched_source;
    };

    // Injects, checks the matrix's promises, clears, and waits for the recovery.
    void run_case(const std::vector<std::string>& faults, const Expect& expect,
                  const std::function<void()>& inject = nullptr, const std::function<void()>& clear = nullptr) {
        TimePoint injected = SystemClock().now();
        if (inject) inject();
        std::vector<sim::FaultRule> rules;
        for (const auto& spec : faults) {
            auto rule = sim::parse_fault(spec);
            ASSERT_TRUE(rule) << rule.error().message;
            rules.push_back(*rule);
        }
        main_->server->world().faults().set(rules);

        auto during = wait_for("the affected stages to go unknown with '" + expect.error + "'", [&](const Picture& p) {
            for (const auto& name : expect.pipelines) {
                const PipelineAnalysis* a = find(p, name);
                if (!a || a->snapshot.now <= injected) return false;
                for (const auto& id : expect.stages) {
                    const StageReport* s = stage(*a, id);
                    if (!s || s->health != Health::unknown || stage_text(*s).find(expect.error) == std::string::npos)
                        return false;
                }
            }
            for (const auto& name : expect.untouched) {
                const PipelineAnalysis* a = find(p, name);
                if (!a || a->snapshot.now <= injected + 1s || !source_errors(a->snapshot).empty()) return false;
            }
            if (expect.untouched_source)
                for (const auto& e : p.pipelines) {
                    const auto* at = e.analysis ? expect.untouched_source(e.analysis->snapshot) : nullptr;
                    if (!at || !*at || **at <= injected + 1s) return false;
                }
            return true;
        });

        for (const auto& name : expect.pipelines) {
            const PipelineAnalysis* a = find(*during, name);
            ASSERT_NE(a, nullptr);
            EXPECT_NE(a->diagnosis.verdict.code, VerdictCode::live) << name << " is live while its data failed";
            // On screen: the pipeline view shows the error and how old the failed fetch is.
            tui::ViewState view;
            view.screen = tui::Screen::pipeline;
            view.pipeline = name;
            view.pinned = true;
            view.wall_now = SystemClock().now();
            std::string screen = tui::render(*during, view, {200, 60}).to_text();
            EXPECT_NE(screen.find(expect.error), std::string::npos) << "the pipeline view of " << name << " does not show '"
                                                                   << expect.error << "':\n" << screen;
            EXPECT_NE(screen.find("✖ failing "), std::string::npos)
                << "no age of the failure on the pipeline view of " << name << ":\n" << screen;
            EXPECT_NE(screen.find("?"), std::string::npos) << screen;
        }

        main_->server->world().faults().clear();
        if (clear) clear();
        TimePoint cleared = SystemClock().now();
        wait_for("recovery after the fault cleared", [&](const Picture& p) {
            for (const auto& name : expect.pipelines) {
                const PipelineAnalysis* a = find(p, name);
                if (!a || a->snapshot.now <= cleared || !source_errors(a->snapshot).empty() ||
                    a->diagnosis.verdict.code != baseline_verdict(name))
                    return false;
            }
            return true;
        });
    }

    static Serving* main_;
    static Serving* ecs_;
    static LiveSources* live_;
    static Scheduler* scheduler_;
    std::shared_ptr<const Picture> baseline_;
};

Serving* FaultMatrix::main_ = nullptr;
Serving* FaultMatrix::ecs_ = nullptr;
LiveSources* FaultMatrix::live_ = nullptr;
Scheduler* FaultMatrix::scheduler_ = nullptr;

const std::vector<std::string> kEast = {"agricultural-core", "monitoring-dashboards"};
const std::vector<std::string> kElsewhere = {"payments-api", "streamr-p2p-ec2"};

const std::optional<TimePoint>* commits_fetched(const PipelineSnapshot& s) { return &s.commits.fetched_at; }
const std::optional<TimePoint>* service_fetched(const PipelineSnapshot& s) {
    return s.spec.kind == PipelineKind::ecs ? &s.service.fetched_at : &s.instances.fetched_at;
}

TEST_F(FaultMatrix, BaselineMatchesTheScenarios) {
    for (const auto& [name, code] : main_->server->world().scenario().expect)
        EXPECT_EQ(to_string(baseline_verdict(name)), code) << name;
}

TEST_F(FaultMatrix, Throttling) {
    run_case({"aws@us-east-1=throttle"}, {kEast, {"tasks"}, "ThrottlingException", kElsewhere});
}

TEST_F(FaultMatrix, InternalServerError) {
    run_case({"ecs:*@us-east-1=500"}, {kEast, {"taskdef", "tasks"}, "InternalFailure", kElsewhere});
}

TEST_F(FaultMatrix, ServiceUnavailable) {
    run_case({"ecs:DescribeServices@us-east-1=503"}, {kEast, {"tasks"}, "ServiceUnavailable", kElsewhere});
}

TEST_F(FaultMatrix, SlowPastTheTimeout) {
    run_case({"ecs:*@us-east-1=slow,delay=3s"}, {kEast, {"tasks"}, "timed out", kElsewhere});
}

TEST_F(FaultMatrix, DroppedConnection) {
    run_case({"ecs:*@us-east-1=refuse"}, {kEast, {"tasks"}, "transport", kElsewhere});
}

TEST_F(FaultMatrix, ConnectionRefused) {
    // The ECS endpoint goes away entirely: every ECS pipeline's ECS stages go unknown, while
    // GitHub keeps refreshing for all of them. It comes back on the same port.
    int port = ecs_->server->port();
    Expect e{{"payments-api", "agricultural-core", "monitoring-dashboards"}, {"tasks"}, "onnect", {"streamr-p2p-ec2"}};
    e.untouched_source = commits_fetched;
    run_case({}, e, [&] {
        delete ecs_;
        ecs_ = nullptr;
    }, [&] { start_ecs_endpoint(port); });
}

TEST_F(FaultMatrix, TruncatedJson) {
    run_case({"ecs:DescribeServices@us-east-1=truncate"}, {kEast, {"tasks"}, "parse", kElsewhere});
}

TEST_F(FaultMatrix, MalformedXml) {
    run_case({"elasticloadbalancing:DescribeTargetHealth@us-east-1=malformed"},
             {{"monitoring-dashboards"}, {"alb"}, "XML", kElsewhere});
}

TEST_F(FaultMatrix, MalformedJson) {
    run_case({"ecs:DescribeTasks@us-east-1=malformed"}, {kEast, {"tasks"}, "JSON", kElsewhere});
}

TEST_F(FaultMatrix, UnexpectedEnumValues) {
    run_case({"ecs:DescribeServices@us-east-1=bad-enum"}, {kEast, {"tasks"}, std::string(sim::kUnexpectedEnum), kElsewhere});
}

TEST_F(FaultMatrix, UnexpectedTargetState) {
    run_case({"elasticloadbalancing:DescribeTargetHealth@us-east-1=bad-enum"},
             {{"monitoring-dashboards"}, {"alb"}, std::string(sim::kUnexpectedEnum), kElsewhere});
}

TEST_F(FaultMatrix, MissingFields) {
    run_case({"ecs:DescribeTasks@us-east-1=missing-fields"}, {kEast, {"tasks"}, "is missing", kElsewhere});
}

TEST_F(FaultMatrix, ExpiredCredentials) {
    run_case({"aws@us-east-1=expired-credentials"}, {kEast, {"tasks"}, "ExpiredToken", kElsewhere});
}

TEST_F(FaultMatrix, GithubRateLimit) {
    // Every pipeline's repository stages go unknown; the AWS sources keep refreshing. The client
    // stops asking until the reset (3 s here), then recovers.
    Expect e{{"payments-api", "agricultural-core", "monitoring-dashboards", "streamr-p2p-ec2"},
             {"push"},
             "rate limit",
             {}};
    e.untouched_source = service_fetched;
    run_case({"github=rate-limit,delay=3s"}, e);
}

}  // namespace
}  // namespace shipwatch

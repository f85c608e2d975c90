// Images outside this account's private ECR, on the collector's real path against the simulator
// (tests/data/sim/registries.json, made by make_registries.py there): Docker Hub by an immutable
// and by a mutable tag, GHCR, ECR of another account and region, a private Docker Hub repository.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <mutex>
#include <sstream>

#include "engine/collector.hpp"
#include "engine/live_sources.hpp"
#include "model/analysis.hpp"
#include "sim/sim_server.hpp"
#include "sim/simulator.hpp"

using namespace shipwatch;

namespace {

// Passes requests on and keeps them, to see what was asked where.
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

sim::Scenario registries_scenario() {
    std::ifstream in(std::string(SHIPWATCH_TEST_DATA) + "/sim/registries.json");
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = sim::parse_scenario(text.str());
    if (!parsed) throw std::runtime_error(parsed.error().message);
    return std::move(parsed).value();
}

struct Collected {
    std::map<std::string, PipelineAnalysis> by_name;
    std::vector<HttpRequest> requests;
};

Collected collect(const sim::Scenario& scenario, std::shared_ptr<const oci::RegistryAccess> registries = nullptr) {
    ManualClock clock(scenario.start);
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
        src.registries = registries;
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
    return run;
}

}  // namespace

TEST(RegistriesOnTheRealPath, EachRegistryGivesTheVerdictTheScenarioExpects) {
    sim::Scenario scenario = registries_scenario();
    Collected run = collect(scenario);
    ASSERT_EQ(run.by_name.size(), scenario.expect.size());
    for (const auto& [name, verdict] : scenario.expect) {
        SCOPED_TRACE(name);
        const PipelineAnalysis& a = run.by_name.at(name);
        EXPECT_EQ(to_string(a.diagnosis.verdict.code), verdict) << a.diagnosis.verdict.summary;
    }
}

TEST(RegistriesOnTheRealPath, NoErrorNamesAnotherRegistry) {
    Collected run = collect(registries_scenario());
    for (const auto& [name, a] : run.by_name) {
        SCOPED_TRACE(name);
        const auto& images = a.snapshot.images;
        if (name == "hub-private") {
            ASSERT_TRUE(images.error);
            EXPECT_EQ(images.error->source, Source::registry);
            EXPECT_EQ(images.error->message.rfind("cannot read registry docker.io: access to acmepay/private-api refused (HTTP 401 with a token; private images need credentials)", 0), 0u)
                << images.error->message;
            continue;
        }
        ASSERT_FALSE(images.error) << describe(*images.error);
        ASSERT_TRUE(images.value);
        EXPECT_EQ(images.value->size(), 1u);
        for (const auto& stage : a.diagnosis.stages) {
            EXPECT_EQ(stage.summary.find("RepositoryNotFoundException"), std::string::npos) << stage.summary;
            EXPECT_EQ(stage.summary.find("not, "), std::string::npos) << stage.summary;
        }
    }
    // The mutable tag cannot be tied to a commit without a push time: unknown, and it says why.
    const auto& latest = run.by_name.at("hub-latest").diagnosis;
    EXPECT_NE(latest.verdict.summary.find("tells no push time"), std::string::npos) << latest.verdict.summary;
}

TEST(RegistriesOnTheRealPath, AskEachRegistryAtItsOwnHostAndEcrInTheHostsAccountAndRegion) {
    Collected run = collect(registries_scenario());
    int hub = 0, ghcr = 0, shared_ecr = 0;
    for (const auto& r : run.requests) {
        UrlParts url = split_url(r.url);
        if (url.host == "registry-1.docker.io") ++hub;
        if (url.host == "ghcr.io") ++ghcr;
        if (r.headers.count("X-Amz-Target") && r.headers.at("X-Amz-Target").ends_with("DescribeImages")) {
            auto body = nlohmann::json::parse(r.body);
            // Every DescribeImages is for the shared registry: the others are not ECR at all.
            EXPECT_EQ(body.value("registryId", ""), "210987654321") << r.body;
            EXPECT_EQ(body.value("repositoryName", ""), "shared/payments-api");
            EXPECT_EQ(r.aws_region, "eu-west-1");
            ++shared_ecr;
        }
    }
    EXPECT_GT(hub, 0);
    EXPECT_GT(ghcr, 0);
    EXPECT_EQ(shared_ecr, 1);
}

TEST(RegistriesOnTheRealPath, DockerCredentialsReachOnlyTheirRegistrysTokenService) {
    sim::Scenario scenario = registries_scenario();
    auto access = std::make_shared<oci::RegistryAccess>();
    auto docker = oci::DockerConfig::parse(R"({"auths":{"https://index.docker.io/v1/":{"auth":"YWNtZXBheTpub3QtZ2l2ZW4="}}})",
                                           "config.json");
    ASSERT_TRUE(docker);
    access->docker = docker.value();
    Collected run = collect(scenario, access);
    EXPECT_EQ(to_string(run.by_name.at("hub-private").diagnosis.verdict.code), "live")
        << run.by_name.at("hub-private").diagnosis.verdict.summary;
    int sent = 0;
    for (const auto& r : run.requests) {
        auto auth = r.headers.find("Authorization");
        if (auth == r.headers.end() || !auth->second.starts_with("Basic ")) continue;
        ++sent;
        EXPECT_EQ(split_url(r.url).host, "registry-1.docker.io") << r.url;
        EXPECT_EQ(split_url(r.url).path, "/token") << r.url;
    }
    EXPECT_GT(sent, 0);
}

// The whole real-data path over loopback HTTP: config with [registry."<host>"] endpoints,
// credentials from the environment, libcurl with SigV4 for ECR, the Docker config file.
TEST(RegistriesOverLoopback, CheckGivesEachVerdictThroughTheConfiguredEndpoints) {
    sim::Scenario scenario = registries_scenario();
    auto server = sim::SimServer::create(scenario, sim::SimServerOptions{});
    ASSERT_TRUE(server) << server.error().message;
    auto& sim = *server.value();
    std::thread serving([&] { sim.run(); });
    while (!sim.running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::string home = ::testing::TempDir() + "/registries-home";
    std::filesystem::create_directories(home + "/.docker");
    std::ofstream(home + "/.docker/config.json") << R"({"auths":{"docker.io":{"auth":"YWNtZXBheTpub3QtZ2l2ZW4="}}})";
    setenv("HOME", home.c_str(), 1);
    unsetenv("DOCKER_CONFIG");
    setenv("AWS_ACCESS_KEY_ID", scenario.access_key_id.c_str(), 1);
    setenv("AWS_SECRET_ACCESS_KEY", scenario.secret_access_key.c_str(), 1);
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_PROFILE");
    setenv("AWS_CONFIG_FILE", "/nonexistent/shipwatch-test", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/shipwatch-test", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_ENDPOINT_URL", sim.base_url().c_str(), 1);
    setenv("GITHUB_API_URL", sim.base_url().c_str(), 1);
    setenv("GH_TOKEN", "registries-test-token", 1);

    Config config;
    for (const auto& [host, endpoint] : sim.registry_endpoints()) config.registries[host].endpoint = endpoint;
    ASSERT_EQ(config.registries.size(), 2u);
    auto urls = sim.version_urls();
    for (auto spec : scenario.pipelines) {
        for (const auto& [original, here] : urls)
            if (spec.version_url == original) spec.version_url = here;
        config.pipelines.push_back(PipelineConfig{spec, "", 0});
    }
    auto live = make_live(config);
    ASSERT_TRUE(live) << live.error().message;
    std::vector<PipelineCollector*> all;
    for (auto& c : live.value()->collectors) all.push_back(c.get());
    std::map<std::string, PipelineAnalysis> by_name;
    for (auto& snap : collect_all(all)) {
        std::string name = snap.spec.name;
        by_name.emplace(name, analyze(std::move(snap)));
    }
    live.value().reset();
    sim.stop();
    serving.join();
    auto expect = scenario.expect;
    expect["hub-private"] = "live";  // the Docker config holds its credentials here
    for (const auto& [name, verdict] : expect) {
        SCOPED_TRACE(name);
        const auto& a = by_name.at(name);
        EXPECT_EQ(to_string(a.diagnosis.verdict.code), verdict)
            << a.diagnosis.verdict.summary << (a.snapshot.images.error ? " / " + describe(*a.snapshot.images.error) : "");
    }
}

// One refresh runs its chains at once (source control, AWS, the endpoint); an exception in one
// chain's fetch becomes that chain's typed error while the others go on. This test makes the
// GitHub chain throw while the AWS chain is busy filling the parts it discovers on the way (the
// image repository, the target groups the service names, the secrets its task definition
// references), many times with the throw landing at different moments. Without a sanitizer it
// checks the outcome: the failed parts carry the exception's text, the AWS parts are the same as
// in a refresh where nothing threw. Under ThreadSanitizer (.ci/tsan) it fails as soon as the
// barrier's bookkeeping and the AWS chain touch one member of the snapshot from two threads.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "engine/collector.hpp"
#include "sim/simulator.hpp"

namespace shipwatch {
namespace {

using namespace std::chrono_literals;

constexpr const char* kBoom = "github transport exploded";
constexpr int kRounds = 48;

// Counts what the AWS chain has sent. Relaxed on purpose: a counter that synchronised would give
// TSan a happens-before edge between the chains and hide a race behind it.
class CountingTransport final : public Transport {
public:
    explicit CountingTransport(Transport& inner) : inner_(inner) {}
    HttpResponse send(const HttpRequest& request) override {
        sent_.fetch_add(1, std::memory_order_relaxed);
        return inner_.send(request);
    }
    int sent() const { return sent_.load(std::memory_order_relaxed); }

private:
    Transport& inner_;
    std::atomic<int> sent_{0};
};

// GitHub broken the way a client bug or a library breaks it: every request throws, after a
// pause that moves the throw to a different point of the AWS chain each round. The pause waits
// for nothing (no lock, no other thread), so it adds no synchronisation either.
class ThrowingGithub final : public Transport {
public:
    ThrowingGithub(std::chrono::microseconds pause, const CountingTransport& aws) : pause_(pause), aws_(aws) {}
    HttpResponse send(const HttpRequest&) override {
        std::this_thread::sleep_for(pause_);
        int unset = -1;  // the first throw counts: GitHub's requests may run on several threads
        aws_sent_at_throw_.compare_exchange_strong(unset, aws_.sent(), std::memory_order_relaxed);
        throw std::runtime_error(kBoom);
    }
    int aws_sent_at_throw() const { return aws_sent_at_throw_.load(std::memory_order_relaxed); }

private:
    std::chrono::microseconds pause_;
    const CountingTransport& aws_;
    std::atomic<int> aws_sent_at_throw_{-1};  // read after collect() returned
};

// merged-after-deploy: an ECS service behind a load balancer whose task definition references a
// Secrets Manager secret, with a version endpoint and its repository on GitHub; the image
// repository is not configured, so the AWS chain discovers it. The clock is frozen: every
// refresh sees the same world.
struct Fixture {
    ManualClock clock{TimePoint{}};
    std::shared_ptr<sim::World> world;
    std::unique_ptr<sim::SimTransport> sim;
    PipelineSpec spec;
    Fixture() {
        auto s = sim::load_builtin("merged-after-deploy");
        if (!s) throw std::runtime_error(s.error().message);
        clock.set(s->start);
        spec = s->pipelines.front();
        world = std::make_shared<sim::World>(std::move(s).value(), clock);
        sim = std::make_unique<sim::SimTransport>(world);
    }
    PipelineCollector collector(Transport& aws, Transport& github) const {
        CollectorSources src;
        src.aws = aws::AwsContext{&aws, spec.region, aws::Endpoints(spec.region)};
        github::GithubContext gh{&github, "https://api.github.com", ""};
        src.github = std::make_shared<github::GithubClient>(gh);
        src.http = sim.get();
        return PipelineCollector(spec, std::move(src), clock);
    }
};

void expect_failed_with_the_exception(const char* name, const std::optional<FetchError>& error, Source source) {
    ASSERT_TRUE(error.has_value()) << name << " has no error";
    EXPECT_EQ(error->source, source) << name;
    EXPECT_EQ(error->message, kBoom) << name;
}

std::vector<std::string> task_arns(const PipelineSnapshot& s) {
    std::vector<std::string> arns;
    for (const auto& t : *s.tasks.value) arns.push_back(t.arn);
    return arns;
}
std::vector<std::string> target_ids(const PipelineSnapshot& s) {
    std::vector<std::string> ids;
    for (const auto& g : *s.target_groups.value)
        for (const auto& t : g.targets) ids.push_back(g.arn + " " + t.id);
    return ids;
}
std::vector<std::string> secret_uses(const PipelineSnapshot& s) {
    std::vector<std::string> uses;
    for (const auto& secret : *s.secrets.value) uses.push_back(secret.used_by);
    return uses;
}

// What the AWS chain and the endpoint found: the same whether or not GitHub threw meanwhile.
void expect_aws_parts_as_in(const PipelineSnapshot& got, const PipelineSnapshot& want) {
    for (const auto* part : {&got.service.error, &got.tasks.error, &got.task_definitions.error, &got.images.error,
                             &got.target_groups.error, &got.secrets.error, &got.versions.error})
        EXPECT_FALSE(part->has_value()) << describe(**part);
    ASSERT_TRUE(got.service.ok() && got.tasks.ok() && got.task_definitions.ok() && got.images.ok());
    ASSERT_TRUE(got.target_groups.configured && got.target_groups.ok());
    ASSERT_TRUE(got.secrets.configured && got.secrets.ok());
    ASSERT_TRUE(got.versions.ok());
    EXPECT_EQ(got.spec.image_repository, want.spec.image_repository);
    EXPECT_EQ(got.service.value->task_definition, want.service.value->task_definition);
    EXPECT_EQ(task_arns(got), task_arns(want));
    EXPECT_EQ(got.task_definitions.value->size(), want.task_definitions.value->size());
    EXPECT_EQ(got.images.value->size(), want.images.value->size());
    EXPECT_EQ(target_ids(got), target_ids(want));
    EXPECT_EQ(secret_uses(got), secret_uses(want));
    EXPECT_EQ(got.versions.value->back().reported, want.versions.value->back().reported);
}

// The refresh to compare with: GitHub answers, nothing throws.
PipelineSnapshot undisturbed(const Fixture& f) {
    CountingTransport aws(*f.sim);
    PipelineSnapshot s = f.collector(aws, *f.sim).collect();
    EXPECT_TRUE(s.commits.ok() && s.builds.ok()) << "the scenario's GitHub side must work for the comparison";
    return s;
}

TEST(CollectorConcurrency, AThrowingGithubChainLeavesTheAwsChainsPartsIntact) {
    Fixture f;
    const PipelineSnapshot want = undisturbed(f);
    ASSERT_FALSE(want.spec.image_repository.empty()) << "the AWS chain must discover the image repository";
    ASSERT_FALSE(want.secrets.value->empty()) << "the scenario must reference a secret";
    ASSERT_FALSE(want.target_groups.value->empty()) << "the service must name a target group";

    int mid_chain = 0;  // rounds whose throw came after the AWS chain's first request and before its last
    int aws_requests = 0;
    for (int round = 0; round < kRounds; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        CountingTransport aws(*f.sim);
        ThrowingGithub github(std::chrono::microseconds(250 * (round % 16)), aws);
        PipelineCollector collector = f.collector(aws, github);
        // Twice: the first refresh discovers (secrets and target groups become configured, the
        // image repository is filled in); the second runs with what the first one kept.
        for (int refresh = 0; refresh < 2; ++refresh) {
            PipelineSnapshot got = collector.collect(RefreshParts::all());
            ASSERT_TRUE(got.commits.configured && got.builds.configured);
            expect_failed_with_the_exception("commits", got.commits.error, Source::github);
            expect_failed_with_the_exception("builds", got.builds.error, Source::github);
            expect_aws_parts_as_in(got, want);
            if (refresh == 0) {
                aws_requests = aws.sent();
                if (github.aws_sent_at_throw() > 0 && github.aws_sent_at_throw() < aws_requests) ++mid_chain;
            }
        }
    }
    std::printf("GitHub threw in the middle of the AWS chain (%d requests) in %d of %d rounds\n", aws_requests,
                mid_chain, kRounds);
}

}  // namespace
}  // namespace shipwatch

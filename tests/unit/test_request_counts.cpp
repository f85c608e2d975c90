// What shipwatch_api_requests_total counts an exchange under: AWS operations by name, other APIs'
// routes with their names left out (bounded labels), outcomes by what the answer says.
#include <gtest/gtest.h>

#include "http/request_counts.hpp"

namespace shipwatch {
namespace {

HttpRequest get(const std::string& url, const std::string& budget) {
    HttpRequest r;
    r.url = url;
    r.budget = budget;
    return r;
}

TEST(RequestCounts, AwsOperationsByNameAndOtherRoutesWithoutTheirNames) {
    HttpRequest ecs;
    ecs.method = "POST";
    ecs.url = "https://ecs.eu-west-1.amazonaws.com/";
    ecs.aws_service = "ecs";
    ecs.headers["X-Amz-Target"] = "AmazonEC2ContainerServiceV20141113.DescribeServices";
    EXPECT_EQ(counted_operation(ecs), "DescribeServices");
    HttpRequest query;
    query.method = "POST";
    query.url = "https://elasticloadbalancing.eu-west-1.amazonaws.com/";
    query.aws_service = "elasticloadbalancing";
    query.body = "Action=DescribeTargetHealth&Version=2015-12-01";
    EXPECT_EQ(counted_operation(query), "DescribeTargetHealth");
    EXPECT_EQ(counted_operation(get("https://api.github.com/repos/acme/orders-api/commits?sha=main", "github")),
              "/repos/{}/commits");
    EXPECT_EQ(counted_operation(get("https://api.github.com/repos/acme/api/actions/runs/9500000000/jobs", "github")),
              "/repos/{}/actions/runs/{}/jobs");
    EXPECT_EQ(counted_operation(get("https://ghcr.io/v2/acme/team/orders/manifests/194af44", "registry")),
              "/v2/{}/manifests/{}");
    EXPECT_EQ(counted_operation(get("https://orders.example.com/internal/version?x=1", "version")), "GET");
}

TEST(RequestCounts, OutcomesAndTheCountsByLabel) {
    HttpResponse ok;
    ok.status = 200;
    HttpResponse throttled;
    throttled.status = 400;
    throttled.body = R"({"__type":"ThrottlingException","message":"Rate exceeded"})";
    HttpResponse refused;
    refused.status = 403;
    refused.body = R"({"__type":"AccessDeniedException"})";
    HttpResponse none;  // status 0: no answer
    none.error = "connection refused";
    EXPECT_EQ(counted_outcome(ok), "ok");
    EXPECT_EQ(counted_outcome(throttled), "throttled");
    EXPECT_EQ(counted_outcome(refused), "error");
    EXPECT_EQ(counted_outcome(none), "transport");

    RequestCounts counts;
    HttpRequest r = get("https://api.github.com/repos/a/b/commits", "github");
    counts.record(r, ok);
    counts.record(get("https://api.github.com/repos/c/d/commits", "github"), ok);
    counts.record(r, none);
    counts.record(r, cancelled_response());  // given up here: not a request of the API's
    auto rows = counts.counts();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].service, "github");
    EXPECT_EQ(rows[0].operation, "/repos/{}/commits");
    EXPECT_EQ(rows[0].outcome, "ok");
    EXPECT_EQ(rows[0].count, 2u);
    EXPECT_EQ(rows[1].outcome, "transport");
    EXPECT_EQ(rows[1].count, 1u);
}

}  // namespace
}  // namespace shipwatch

// Every request that went on the wire, counted by service, operation and outcome, for the
// metrics `shipwatch serve` exports (shipwatch_api_requests_total). Process-wide: one count per
// process whatever transports it builds; LoggingTransport, which every transport chain has
// below its retries, records each attempt.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "http/transport.hpp"

namespace shipwatch {

struct RequestCount {
    std::string service;  // "ecs", "elasticloadbalancing", "github", "version", "registry"
    std::string operation;  // "DescribeServices"; for other APIs their route with the names left out
    std::string outcome;  // "ok", "error", "throttled", "transport"
    unsigned long long count = 0;
};

class RequestCounts {
public:
    void record(const HttpRequest& request, const HttpResponse& response);
    std::vector<RequestCount> counts() const;  // sorted by service, operation, outcome

private:
    mutable std::mutex mutex_;
    std::map<std::tuple<std::string, std::string, std::string>, unsigned long long> counts_;
};

RequestCounts& request_counts();  // the process's

// The labels a request is counted under. A route outside AWS keeps its API words and turns every
// run of other segments (owner and repository, ids, SHAs, image names) into one "{}", so the
// operations of one API stay a handful whatever it is asked about: "/repos/{}/actions/runs".
std::string counted_operation(const HttpRequest& request);
std::string counted_outcome(const HttpResponse& response);

}  // namespace shipwatch

// The Prometheus metrics `shipwatch serve` exports (README "Metrics"): what each pipeline's
// verdict and stages are, which revision serves traffic, how long the branch head has waited,
// the sources' health, the requests made, and how long commits took to be verified live. The
// families are built from the newest picture at each scrape and serialised by prometheus-cpp;
// only the lead-time histogram keeps state, observed as pictures are published.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include "http/request_counts.hpp"
#include "model/picture.hpp"

namespace shipwatch::server {

// The labels of a source's state: "prod · ecs eu-west-1" -> source ecs, region eu-west-1,
// profile prod; "github" -> source github.
struct SourceLabels {
    std::string source;
    std::string region;
    std::string profile;
};
SourceLabels source_labels(const std::string& name);

// Seconds from the commit's time to the refresh that first showed it live, for the commits this
// process saw not live first (a commit already live when shipwatch started went live at a time
// nobody saw, and a verdict that could not be told is no evidence that it was not live).
class LeadTimes {
public:
    LeadTimes();
    void observe(const Picture& picture);
    std::vector<prometheus::MetricFamily> collect() const;

private:
    prometheus::Registry registry_;
    prometheus::Histogram* histogram_;
    mutable std::mutex mutex_;
    std::map<std::string, std::string> waiting_;  // pipeline -> the branch head last seen not live
};

// Every family for one scrape, in a stable order.
std::vector<prometheus::MetricFamily> picture_families(const Picture& picture, const std::vector<RequestCount>& requests);

// The text exposition format (version 0.0.4) of the families.
std::string serialize(const std::vector<prometheus::MetricFamily>& families);

}  // namespace shipwatch::server

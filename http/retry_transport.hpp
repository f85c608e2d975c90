// A Transport that is polite under load: it paces requests per source (a token bucket), retries
// what the request's own reading of an error answer calls retryable (throttling, 429, 5xx) and
// transport failures with exponential backoff and full jitter, waits out a rate limit that lifts
// soon, and keeps each source's state (ok, backing off, failing) for the status bar. It knows no
// protocol: the source name, budget and reading come with the request (HttpRequest).
// https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "http/transport.hpp"
#include "model/picture.hpp"

namespace shipwatch {

struct RetryOptions {
    int max_attempts = 4;  // including the first
    Duration base_delay = std::chrono::milliseconds(250);
    Duration max_delay = std::chrono::seconds(20);  // cap of one backoff, and of an honoured Retry-After
    double requests_per_second = 10;  // per source, unless its service has its own; <= 0: no pacing
    double burst = 10;  // requests a source may send at once after being idle
    // Budgets of single services, by HttpRequest::budget ("ecs", "github", "version"): a
    // source's rate is its service's entry, else requests_per_second.
    std::map<std::string, double> service_rates;
    // Put before every source name, when several accounts/profiles share one status bar
    // (one RetryTransport each, since AWS rate limits are per account and region): "prod · ".
    std::string source_prefix;
    // Uniform in [0, 1); null: a seeded generator. Tests pin it.
    std::function<double()> random;
    // Asked to stop when the dashboard quits: the real sleeps end at once, and a request not
    // yet sent, or given up below (LocalFailure::cancelled), is answered as cancelled, never retried.
    std::stop_token stop;
};

// Blocks the calling thread; tests advance a ManualClock instead. The real one ends early when
// stop is requested on `stop`.
using SleepFunction = std::function<void(Duration)>;
SleepFunction real_sleep(std::stop_token stop = {});

class RetryTransport final : public Transport {
public:
    // Without `sleep`, real_sleep(options.stop).
    RetryTransport(Transport& inner, const ClockSource& clock, RetryOptions options = {}, SleepFunction sleep = {});

    HttpResponse send(const HttpRequest& request) override;

    // Every source seen so far, by name.
    std::vector<SourceState> states() const;

private:
    struct Bucket {
        double tokens = 0;
        TimePoint updated{};
        bool started = false;
    };
    enum class Outcome { success, retry, fail };

    Duration take_token(const std::string& source, double rate);
    Duration backoff(int attempt, const HttpResponse& response);
    // How this answer reads for its source; transport failures and successes need no protocol.
    AnswerReading read(const HttpRequest& request, const HttpResponse& response) const;
    void record(const std::string& source, Outcome outcome, const std::string& error, std::optional<TimePoint> retry_at);
    double uniform();

    Transport& inner_;
    const ClockSource& clock_;
    RetryOptions options_;
    SleepFunction sleep_;

    mutable std::mutex mutex_;
    std::map<std::string, Bucket> buckets_;
    std::map<std::string, SourceState> states_;
};

}  // namespace shipwatch

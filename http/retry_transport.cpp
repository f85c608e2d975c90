#include "http/retry_transport.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <random>

#include "base/log.hpp"
#include "base/stop.hpp"
#include "http/log_transport.hpp"

namespace shipwatch {
namespace {

// Status bar and log lines stay one readable line, whatever a server puts in its error.
std::string shortened(std::string text) {
    if (text.size() > 300) text = text.substr(0, 300) + "…";
    return text;
}

// What the status bar shows of a failure: the call it was ("ecs:DescribeServices", "GET
// /repos/o/r/commits"; the source's name says the region or host), then the answer's words.
std::string failure_line(const HttpRequest& request, const std::string& description) {
    std::string call = operation_of(request);
    if (request.aws_service.empty()) call = request.method + " " + call;
    return call + ": " + description;
}

std::optional<long long> header_number(const HttpResponse& response, const char* name) {
    auto it = response.headers.find(name);
    if (it == response.headers.end()) return std::nullopt;
    long long value = 0;
    const std::string& text = it->second;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

SleepFunction real_sleep(std::stop_token stop) {
    return [stop = std::move(stop)](Duration d) { sleep_unless_stopped(d, stop); };
}

RetryTransport::RetryTransport(Transport& inner, const ClockSource& clock, RetryOptions options, SleepFunction sleep)
    : inner_(inner), clock_(clock), options_(std::move(options)), sleep_(std::move(sleep)) {
    if (!sleep_) sleep_ = real_sleep(options_.stop);
    if (options_.max_attempts < 1) options_.max_attempts = 1;
    if (options_.burst < 1) options_.burst = 1;
}

double RetryTransport::uniform() {
    if (options_.random) return std::clamp(options_.random(), 0.0, 1.0);
    thread_local std::mt19937_64 generator{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
}

// A reservation bucket: a request always takes a token, possibly going into debt, and waits
// until the debt is repaid; concurrent callers thus queue up evenly spaced.
Duration RetryTransport::take_token(const std::string& source, double rate) {
    if (rate <= 0) return Duration::zero();
    std::lock_guard lock(mutex_);
    Bucket& bucket = buckets_[source];
    TimePoint now = clock_.now();
    if (!bucket.started) {
        bucket = Bucket{options_.burst, now, true};
    } else if (now > bucket.updated) {
        double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
        bucket.tokens = std::min(options_.burst, bucket.tokens + elapsed * rate);
        bucket.updated = now;
    }
    bucket.tokens -= 1;
    if (bucket.tokens >= 0) return Duration::zero();
    double ms = -bucket.tokens / rate * 1000.0;
    return Duration(static_cast<long long>(std::ceil(ms - 1e-6)));  // whole ms, never early
}

Duration RetryTransport::backoff(int retry, const HttpResponse& response) {
    double ceiling = static_cast<double>(options_.base_delay.count()) * std::pow(2.0, retry);
    ceiling = std::min(ceiling, static_cast<double>(options_.max_delay.count()));
    Duration delay(static_cast<long long>(uniform() * ceiling));
    if (auto after = header_number(response, "Retry-After"); after && *after > 0)
        delay = std::max(delay, std::min(Duration(std::chrono::seconds(*after)), options_.max_delay));
    return delay;
}

void RetryTransport::record(const std::string& source, Outcome outcome, const std::string& error,
                            std::optional<TimePoint> retry_at) {
    std::lock_guard lock(mutex_);
    TimePoint now = clock_.now();
    SourceState& state = states_[source];
    state.name = source;
    switch (outcome) {
        case Outcome::success:
            state.state = SourceState::State::ok;
            state.last_success = now;
            state.failing_since.reset();
            state.error.clear();
            state.retry_at.reset();
            break;
        case Outcome::retry:
            state.state = SourceState::State::backing_off;
            state.error = error;
            state.retry_at = retry_at;
            break;
        case Outcome::fail:
            state.state = retry_at ? SourceState::State::backing_off : SourceState::State::failing;
            if (!state.failing_since) state.failing_since = now;
            state.error = error;
            state.retry_at = retry_at;
            break;
    }
}

std::vector<SourceState> RetryTransport::states() const {
    std::lock_guard lock(mutex_);
    std::vector<SourceState> out;
    out.reserve(states_.size());
    for (const auto& [name, state] : states_) out.push_back(state);
    return out;
}

AnswerReading RetryTransport::read(const HttpRequest& request, const HttpResponse& response) const {
    AnswerReading reading;
    if (response.failed_for_good()) {
        reading.source_broken = true;  // e.g. no credentials: asking again changes nothing
    } else if (response.transport_failed()) {
        reading.retryable = true;
    } else {
        reading = request.read_answer ? request.read_answer(response) : read_status(response);
    }
    if (response.transport_failed()) reading.description = response.error.empty() ? "no answer" : response.error;
    reading.description = shortened(std::move(reading.description));
    return reading;
}

HttpResponse RetryTransport::send(const HttpRequest& request) {
    const std::string source = options_.source_prefix + source_name(request);
    auto own = options_.service_rates.find(request.budget);
    const double rate = own != options_.service_rates.end() ? own->second : options_.requests_per_second;
    for (int attempt = 1;; ++attempt) {
        if (Duration wait = take_token(source, rate); wait > Duration::zero()) sleep_(wait);
        // A quit during a pacing, backoff or rate-limit wait ends the request here.
        if (options_.stop.stop_requested()) return cancelled_response();
        HttpResponse response = inner_.send(request);
        // Given up below because of a quit: neither retried nor the source's failure.
        if (response.cancelled()) return response;

        if (!response.transport_failed() && response.status < 400) {
            record(source, Outcome::success, {}, std::nullopt);
            return response;
        }
        AnswerReading reading = read(request, response);
        const std::string failure = failure_line(request, reading.description);
        bool retryable = reading.retryable || reading.keys_refused;  // refused keys are dropped below us
        bool source_broken = reading.source_broken;
        std::optional<TimePoint> until;
        if (reading.rate_limited) {
            // Wait for the reset if it is near, else report it.
            TimePoint reset_at = reading.reset.value_or(clock_.now() + options_.max_delay);
            if (reset_at - clock_.now() <= options_.max_delay && attempt < options_.max_attempts) {
                Duration delay = std::max(Duration::zero(), reset_at - clock_.now());
                logging::logger().debug("retry {} {}: rate limit exhausted, waiting {} ms for its reset", source,
                                        operation_of(request), delay.count());
                record(source, Outcome::retry, failure, clock_.now() + delay);
                sleep_(delay);
                continue;
            }
            until = reset_at;
            retryable = false;
            source_broken = true;
        }

        if (retryable && attempt < options_.max_attempts) {
            Duration delay = backoff(attempt - 1, response);
            logging::logger().debug("retry {} {}: {}; attempt {} of {} in {} ms", source, operation_of(request),
                                    logging::first_line(reading.description), attempt + 1, options_.max_attempts,
                                    delay.count());
            record(source, Outcome::retry, failure, clock_.now() + delay);
            sleep_(delay);
            continue;
        }
        if (retryable || source_broken) {
            logging::logger().warn("{} {} failed after {} attempt(s): {}", source, operation_of(request), attempt,
                                   logging::first_line(reading.description));
            record(source, Outcome::fail, failure, until);
        } else {
            // A definite answer (not found, validation): the source itself works.
            record(source, Outcome::success, {}, std::nullopt);
        }
        return response;
    }
}

}  // namespace shipwatch

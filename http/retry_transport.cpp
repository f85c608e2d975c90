#include "http/retry_transport.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "sources/aws/aws_error.hpp"
#include "http/curl_transport.hpp"
#include "base/log.hpp"
#include "http/log_transport.hpp"

namespace shipwatch {
namespace {

struct AnswerError {
    std::string code;
    std::string message;
};

std::string between(const std::string& text, const std::string& open, const std::string& close) {
    auto b = text.find(open);
    if (b == std::string::npos) return {};
    b += open.size();
    auto e = text.find(close, b);
    return e == std::string::npos ? std::string() : text.substr(b, e - b);
}

AnswerError read_error(const HttpResponse& response) {
    AnswerError error;
    const std::string& body = response.body;
    auto first = body.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && body[first] == '{') {
        auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
        if (doc.is_object()) {
            for (const char* key : {"__type", "code", "Code"})
                if (auto it = doc.find(key); error.code.empty() && it != doc.end() && it->is_string())
                    error.code = it->get<std::string>();
            for (const char* key : {"message", "Message"})
                if (auto it = doc.find(key); error.message.empty() && it != doc.end() && it->is_string())
                    error.message = it->get<std::string>();
        }
    } else if (first != std::string::npos && body[first] == '<') {
        // Query-protocol errors: <ErrorResponse><Error><Code>..</Code><Message>..</Message>.
        error.code = between(body, "<Code>", "</Code>");
        error.message = between(body, "<Message>", "</Message>");
    }
    if (error.code.empty())
        if (auto it = response.headers.find("x-amzn-ErrorType"); it != response.headers.end()) error.code = it->second;
    if (!error.code.empty()) error.code = aws::bare_error_code(error.code);
    return error;
}

std::string describe(const HttpResponse& response) {
    if (response.transport_failed()) return response.error.empty() ? "no answer" : response.error;
    AnswerError error = read_error(response);
    std::string text = error.code.empty() ? "HTTP " + std::to_string(response.status) : error.code;
    if (!error.message.empty() && error.message != error.code) text += ": " + error.message;
    if (text.size() > 300) text = text.substr(0, 300) + "…";
    return text;
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

SleepFunction real_sleep() {
    return [](Duration d) { std::this_thread::sleep_for(d); };
}

namespace {
// GitHub Enterprise and test servers have other hosts; the API version header tells GitHub's
// REST API wherever it is served.
bool is_github(const HttpRequest& request, const std::string& host) {
    return host == "api.github.com" || host.find("github") != std::string::npos || request.headers.count("X-GitHub-Api-Version");
}
}  // namespace

std::string source_name(const HttpRequest& request) {
    if (!request.aws_service.empty()) {
        std::string service = budget_service(request);
        return request.aws_region.empty() ? service : service + " " + request.aws_region;
    }
    std::string host = split_url(request.url).host;
    if (is_github(request, host)) return "github";
    return host;
}

std::string budget_service(const HttpRequest& request) {
    if (!request.aws_service.empty()) return request.aws_service == "elasticloadbalancing" ? "elbv2" : request.aws_service;
    return is_github(request, split_url(request.url).host) ? "github" : "version";
}

std::string answer_error_code(const HttpResponse& response) { return read_error(response).code; }

RetryTransport::RetryTransport(Transport& inner, const ClockSource& clock, RetryOptions options, SleepFunction sleep)
    : inner_(inner), clock_(clock), options_(std::move(options)), sleep_(std::move(sleep)) {
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

HttpResponse RetryTransport::send(const HttpRequest& request) {
    const std::string source = options_.source_prefix + source_name(request);
    auto own = options_.service_rates.find(budget_service(request));
    const double rate = own != options_.service_rates.end() ? own->second : options_.requests_per_second;
    for (int attempt = 1;; ++attempt) {
        if (Duration wait = take_token(source, rate); wait > Duration::zero()) sleep_(wait);
        HttpResponse response = inner_.send(request);

        bool retryable = false;
        bool source_broken = false;  // the answer says this source cannot work: keys, permissions
        std::optional<TimePoint> until;
        if (response.headers.count(kLocalFailureHeader)) {
            source_broken = true;  // no credentials: asking again changes nothing
        } else if (response.transport_failed()) {
            retryable = true;
        } else if (response.status < 400) {
            record(source, Outcome::success, {}, std::nullopt);
            return response;
        } else if (auto remaining = response.headers.find("x-ratelimit-remaining");
                   (response.status == 403 || response.status == 429) && remaining != response.headers.end() &&
                   remaining->second == "0") {
            // GitHub's primary rate limit: wait for the reset if it is near, else report it.
            auto reset = header_number(response, "x-ratelimit-reset");
            TimePoint reset_at = reset ? TimePoint(std::chrono::seconds(*reset)) : clock_.now() + options_.max_delay;
            if (reset_at - clock_.now() <= options_.max_delay && attempt < options_.max_attempts) {
                Duration delay = std::max(Duration::zero(), reset_at - clock_.now());
                logging::logger().debug("retry {} {}: rate limit exhausted, waiting {} ms for its reset", source,
                                        operation_of(request), delay.count());
                record(source, Outcome::retry, describe(response), clock_.now() + delay);
                sleep_(delay);
                continue;
            }
            until = reset_at;
            source_broken = true;
        } else {
            retryable = aws::is_retryable(answer_error_code(response), response.status);
            source_broken = !retryable && (response.status == 401 || response.status == 403);
        }

        if (retryable && attempt < options_.max_attempts) {
            Duration delay = backoff(attempt - 1, response);
            logging::logger().debug("retry {} {}: {}; attempt {} of {} in {} ms", source, operation_of(request),
                                    logging::first_line(describe(response)), attempt + 1, options_.max_attempts,
                                    delay.count());
            record(source, Outcome::retry, describe(response), clock_.now() + delay);
            sleep_(delay);
            continue;
        }
        if (retryable || source_broken) {
            logging::logger().warn("{} {} failed after {} attempt(s): {}", source, operation_of(request), attempt,
                                   logging::first_line(describe(response)));
            record(source, Outcome::fail, describe(response), until);
        } else {
            // A definite answer (not found, validation): the source itself works.
            record(source, Outcome::success, {}, std::nullopt);
        }
        return response;
    }
}

}  // namespace shipwatch

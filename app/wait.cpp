// `shipwatch wait`: refreshes one pipeline until its commit is live (0), has definitely failed or
// the timeout passes (1), printing each change of state on io.err as it happens.
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/attach.hpp"
#include "app/commands.hpp"
#include "app/sources.hpp"
#include "model/analysis.hpp"
#include "model/wait_judge.hpp"
#include "report/report.hpp"

namespace shipwatch::app {
namespace {

// The wait's own time: the injected clock and sleep (tests), else the steady clock.
class WaitTime {
public:
    explicit WaitTime(const Io& io) : io_(io) {}
    TimePoint now() const {
        if (io_.clock) return io_.clock->now();
        return TimePoint{std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch())};
    }
    void sleep_until(TimePoint t) const {
        if (io_.sleep_until) return io_.sleep_until(t);
        std::this_thread::sleep_until(std::chrono::steady_clock::time_point(t.time_since_epoch()));
    }

private:
    const Io& io_;
};

constexpr const char* kDefaultTimeout = "20m";

std::optional<std::string> check_flags(const Options& o) {
    if (auto error = timeout_problem(o.timeout.empty() ? kDefaultTimeout : o.timeout)) return error;
    bool hex = o.sha.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
    if (!o.sha.empty() && (o.sha.size() < 7 || o.sha.size() > 40 || !hex))
        return fmt::format("--sha: '{}' is not a commit SHA (7 to 40 hex characters)", o.sha);
    return std::nullopt;
}

// The index of --pipeline among `names`, or of the only one there is; else the line naming the
// choices (`where`: " on the server" when they are a server's).
Result<size_t> choose_pipeline(const Options& o, const std::vector<std::string>& names, std::string_view where = "") {
    for (size_t i = 0; i < names.size(); ++i)
        if (names[i] == o.pipeline || (o.pipeline.empty() && names.size() == 1)) return i;
    const std::string choices = fmt::format("{}", fmt::join(names, ", "));
    return usage_problem(o.pipeline.empty() ? fmt::format("--pipeline is required: one of {}", choices)
                                            : fmt::format("no pipeline '{}'{}: one of {}", o.pipeline, where, choices));
}

Result<PipelineCollector*> find_pipeline(const Options& o, const Sources& sources) {
    std::vector<std::string> names;
    for (const auto& c : sources.collectors) names.push_back(c->spec().name);
    auto at = choose_pipeline(o, names);
    if (!at) return at.error();
    return sources.collectors[at.value()].get();
}

struct WaitLimits {
    std::string timeout;  // as given: "20m"
    Duration interval;
    std::stop_source stop;  // the collectors' transports: a refresh cut short by the deadline ends its calls
    int fetch_threads;  // the pool, sized from the request budget
};

int watch(const Options& o, Io& io, PipelineCollector& collector, const WaitLimits& limits) {
    WaitTime time(io);
    WaitJudge judge(o.sha);
    auto start = time.now();
    auto deadline = start + *parse_duration(limits.timeout);
    for (;;) {
        // The deadline holds inside a refresh too: a call that hangs is given up on at the deadline.
        // The refresh that starts at the deadline (after the last sleep) still gets a moment.
        Duration left = std::max<Duration>(deadline - time.now(), std::chrono::milliseconds(500));
        CollectDeadline cut{std::chrono::steady_clock::now() + left, limits.timeout, limits.stop};
        PipelineAnalysis a =
            analyze(judge.focus(std::move(collect_all({&collector}, RefreshParts::all(), limits.fetch_threads, &cut).front())));
        WaitOutcome outcome = judge.judge(a);
        auto elapsed = time.now() - start;
        if (auto line = judge.change_line()) io.err << fmt::format("[{:>6}] {}\n", format_duration(elapsed), *line);
        if (outcome == WaitOutcome::live) return 0;
        if (outcome == WaitOutcome::failed) {
            io.out << tui::render_text({a});
            return 1;
        }
        if (time.now() >= deadline) {
            io.err << fmt::format("shipwatch: timed out after {}{}: {}\n", limits.timeout,
                                  judge.sha_found() ? "" : fmt::format(" ({} is not on the branch)", o.sha),
                                  to_string(a.diagnosis.verdict.code));
            io.out << tui::render_text({a});
            return 1;
        }
        time.sleep_until(std::min(deadline, time.now() + limits.interval));
    }
}

// The pipeline in a server's picture: --pipeline, or the only one; none while the picture is empty.
Result<const Picture::Entry*> find_entry(const Options& o, const Picture& picture) {
    if (picture.pipelines.empty()) return static_cast<const Picture::Entry*>(nullptr);
    std::vector<std::string> names;
    for (const auto& e : picture.pipelines) names.push_back(e.name);
    auto at = choose_pipeline(o, names, " on the server");
    if (!at) return at.error();
    return &picture.pipelines[at.value()];
}

// What the servers said about themselves, for a line when it changes (a lost connection).
std::string server_states(const Picture& picture) {
    std::string text;
    for (const auto& s : picture.sources)
        if (s.name.rfind("server ", 0) == 0 && s.state != SourceState::State::ok) text += s.name + ": " + s.error + "; ";
    return text;
}

// Each picture the server publishes is one refresh: the same judgement, lines and exit codes.
int wait_attached(const Options& o, Io& io) {
    auto servers = attach(o);
    if (!servers) return error_exit(io, servers.error());
    MergedPictures& pictures = *servers.value();
    pictures.start();
    WaitTime time(io);
    WaitJudge judge(o.sha);
    const std::string timeout = o.timeout.empty() ? kDefaultTimeout : o.timeout;
    auto start = time.now();
    auto deadline = start + *parse_duration(timeout);
    std::string said_of_servers;
    std::optional<PipelineAnalysis> last;
    for (;;) {
        auto picture = pictures.latest();
        auto elapsed = format_duration(time.now() - start);
        if (auto states = server_states(*picture); states != said_of_servers) {
            if (!states.empty()) io.err << fmt::format("[{:>6}] {}\n", elapsed, states.substr(0, states.size() - 2));
            said_of_servers = states;
        }
        auto entry = find_entry(o, *picture);
        if (!entry) return error_exit(io, entry.error());
        if (entry.value() && entry.value()->ready()) {
            last = analyze(judge.focus(entry.value()->analysis->snapshot));
            WaitOutcome outcome = judge.judge(*last);
            if (auto line = judge.change_line()) io.err << fmt::format("[{:>6}] {}\n", elapsed, *line);
            if (outcome == WaitOutcome::live) return 0;
            if (outcome == WaitOutcome::failed) {
                io.out << tui::render_text({*last});
                return 1;
            }
        }
        if (time.now() >= deadline) {
            io.err << fmt::format("shipwatch: timed out after {}: {}\n", timeout,
                                  last ? std::string(to_string(last->diagnosis.verdict.code)) : "no picture from the server");
            if (last) io.out << tui::render_text({*last});
            return 1;
        }
        pollfd fd{pictures.notify_fd(), POLLIN, 0};
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - time.now()).count();
        ::poll(&fd, 1, static_cast<int>(std::clamp<long long>(left, 1, 1000)));
        pictures.drain_notifications();
    }
}

}  // namespace

int run_wait(const Options& o, Io& io) {
    if (auto error = check_flags(o)) return usage_error(io, *error);
    if (!o.servers.empty()) {
        if (!o.interval.empty()) return usage_error(io, "--interval does not apply with --server: the server refreshes on its own plan");
        return wait_attached(o, io);
    }
    auto sources = load_sources(o, io, DemoTime{.follow = io.clock});
    if (!sources) return error_exit(io, sources.error());
    auto ecs_refresh = std::chrono::duration_cast<std::chrono::seconds>(sources.value().refresh.ecs);
    std::string default_interval = o.demo ? "1s" : fmt::format("{}s", ecs_refresh.count());
    auto interval = parse_duration(o.interval.empty() ? default_interval : o.interval);
    if (!interval || interval->count() <= 0)
        return usage_error(io, fmt::format("--interval: '{}' is not a duration like 10s", o.interval));
    auto collector = find_pipeline(o, sources.value());
    if (!collector) return error_exit(io, collector.error());
    WaitLimits limits{o.timeout.empty() ? kDefaultTimeout : o.timeout, *interval, sources.value().stop,
                      sources.value().fetch_threads};
    return watch(o, io, *collector.value(), limits);
}

}  // namespace shipwatch::app

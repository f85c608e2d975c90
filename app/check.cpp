// `shipwatch check`: every pipeline collected once, all at once (one fetch pool, one merge
// thread), and diagnosed; a text or JSON report on io.out and the exit status (model/analysis.hpp:
// a known failure outranks a pipeline that cannot be told).
#include <chrono>
#include <cstdlib>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "app/attach.hpp"
#include "app/commands.hpp"
#include "app/sources.hpp"
#include "model/analysis.hpp"
#include "model/visible.hpp"
#include "report/report.hpp"

namespace shipwatch::app {

namespace {

constexpr auto kAttachPatience = std::chrono::seconds(60);  // without --timeout: a server's first picture

void report(const Options& o, Io& io, const std::vector<PipelineAnalysis>& results) {
    if (o.json) {
        io.out << json_visible(tui::to_json(results).dump(2)) << '\n';  // C1 and bidi escaped too
    } else {
        tui::TextOptions t;
        t.color = !o.no_color && io.out_is_terminal && !std::getenv("NO_COLOR");
        io.out << tui::render_text(results, t);
    }
}

// The servers' newest picture, judged here: the same report and exit status as watching AWS.
// A pipeline the server has not judged yet cannot be told (exit 2 unless another is not live).
int check_attached(const Options& o, Io& io) {
    auto servers = attach(o);
    if (!servers) return error_exit(io, servers.error());
    MergedPictures& pictures = *servers.value();
    pictures.start();
    Duration patience = o.timeout.empty() ? Duration(kAttachPatience) : *parse_duration(o.timeout);
    auto problem = pictures.wait_whole(std::chrono::steady_clock::now() + patience);
    std::vector<PipelineAnalysis> results;
    for (const auto& e : pictures.latest()->pipelines)
        if (e.ready()) results.push_back(*e.analysis);
    pictures.stop();
    if (problem) io.err << fmt::format("shipwatch: {}\n", *problem);
    if (results.empty()) return 2;
    report(o, io, results);
    int status = exit_status(results);
    return problem && status == 0 ? 2 : status;
}

}  // namespace

int run_check(const Options& o, Io& io) {
    if (auto error = o.timeout.empty() ? std::nullopt : timeout_problem(o.timeout)) return usage_error(io, *error);
    if (!o.servers.empty()) return check_attached(o, io);
    if (o.demo && o.speed != 1.0)
        return usage_error(io, "--speed has no effect on check; use --at to look later into a scenario");
    auto sources = load_sources(o, io, DemoTime{.frozen = true});
    if (!sources) return error_exit(io, sources.error());
    std::vector<PipelineCollector*> collectors;
    for (auto& c : sources.value().collectors) collectors.push_back(c.get());
    std::optional<CollectDeadline> cut;
    if (!o.timeout.empty())
        cut = CollectDeadline{std::chrono::steady_clock::now() + *parse_duration(o.timeout), o.timeout,
                              sources.value().stop};
    std::vector<PipelineAnalysis> results;
    const CollectDeadline* deadline = cut ? &*cut : nullptr;
    for (auto& snap : collect_all(collectors, RefreshParts::all(), sources.value().fetch_threads, deadline))
        results.push_back(analyze(std::move(snap)));
    if (cut && std::chrono::steady_clock::now() >= cut->at)
        io.err << fmt::format("shipwatch: gave up waiting after {} (--timeout): what did not answer is unknown\n",
                              o.timeout);
    report(o, io, results);
    return exit_status(results);
}

}  // namespace shipwatch::app

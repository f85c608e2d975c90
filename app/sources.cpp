#include "app/sources.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "base/log.hpp"

namespace shipwatch::app {
namespace {

// The code string stays as it was before ErrorKind; app decides by kind.
Error config_error(std::string message) { return error_of(ErrorKind::config, "config", std::move(message)); }

// --cluster/--service/--target-group without a file, else the configuration file.
Result<Config> load_config(const Options& o) {
    Config config;
    if (!o.flags_pipeline.spec.cluster.empty() || !o.flags_pipeline.spec.service.empty() || !o.target_group.empty()) {
        PipelineConfig p = o.flags_pipeline;
        if (p.spec.cluster.empty() != p.spec.service.empty())
            return usage_problem("--cluster and --service go together");
        if (!o.target_group.empty()) p.spec.target_groups = {o.target_group};
        p.spec.kind = p.spec.cluster.empty() ? PipelineKind::ec2 : PipelineKind::ecs;
        p.spec.name = p.spec.kind == PipelineKind::ecs ? p.spec.service : o.target_group;
        config.pipelines.push_back(p);
        return config;
    }
    auto path = find_config_file(o.config);
    if (!path)
        return usage_problem("no configuration: create ./shipwatch.toml (see README), pass --config FILE, "
                     "use --cluster C --service S, or try --demo");
    auto loaded = load_config_file(*path);
    if (!loaded) return config_error(loaded.error().message);
    return std::move(loaded).value();
}

Result<Sources> load_live(const Options& o) {
    if (!o.at.empty()) return usage_problem("--at only applies to --demo");
    if (!o.faults.empty()) return usage_problem("--fault only applies to --demo and sim");
    auto config = load_config(o);
    if (!config) return config.error();
    auto live = make_live(config.value());
    if (!live) return config_error(live.error().message);
    Sources s;
    s.live = std::move(live).value();
    s.collectors = std::move(s.live->collectors);
    s.context = s.live->context;
    s.stop = s.live->stop;
    s.fetch_threads = s.live->fetch_threads;
    s.refresh = config->refresh;
    return s;
}

}  // namespace

Result<Sources> load_sources(const Options& o, Io& io, DemoTime time) {
    if (!o.demo) return load_live(o);
    if (!io.simulator) return usage_problem("--demo needs the built-in simulator, which this program was built without");
    return io.simulator->load(o, time);
}

SchedulerOptions scheduler_options(const Options& o, const Sources& sources) {
    SchedulerOptions so;
    so.context = sources.context;
    so.stop = sources.stop;  // quitting does not wait for a backoff, a slow answer or curl
    if (o.demo) so.world_rate = o.speed;  // the scenarios' data ages at their speed
    so.fetch_threads = sources.fetch_threads;
    if (!o.demo) {
        LiveSources* live = sources.live.get();
        so.source_states = [live] { return source_states(*live); };
        so.live_interval = sources.refresh.ecs;
        so.slow_interval = std::min(sources.refresh.github, sources.refresh.ecr);
    }
    return so;
}

// Logs go to --log FILE; without it, only commands that do not own the terminal may log, to
// stderr, and only with --debug. The dashboard never logs to the screen it draws on.
std::optional<std::string> start_logging(const Options& o) {
    bool dashboard = o.command == Command::dashboard;
    if (dashboard && o.debug && o.log_file.empty())
        return std::string("--debug needs --log FILE with the dashboard (it never logs to the terminal)");
    logging::LogOptions lo;
    lo.file = o.log_file;
    lo.debug = o.debug;
    lo.to_stderr = !dashboard && o.debug;
    return logging::start(lo);
}

}  // namespace shipwatch::app

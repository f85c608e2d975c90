// The simulated week: a generated fleet with a 7-day script of deployments and incidents, served
// by the in-process simulator on a fast clock to the real collectors and the background
// Scheduler. Samples every picture it sees and judges each `live` verdict against the fleet's
// ground truth; reads resident memory and open descriptors along the way. Shared by the soak
// test (assertions) and bench_soak (numbers).
#pragma once

#include <dirent.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "sim/demo_sources.hpp"
#include "engine/scheduler.hpp"
#include "sim/fleet.hpp"

namespace shipwatch::soak {

inline long rss_kb() {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

inline int open_fds() {
    int n = 0;
    if (DIR* d = opendir("/proc/self/fd")) {
        while (readdir(d)) ++n;
        closedir(d);
    }
    return n - 3;  // ".", ".." and the directory's own descriptor
}

struct Options {
    int pipelines = 50;
    double speed = 4000;  // simulated seconds per real second: a week in ~151 s
    Duration live_interval = std::chrono::milliseconds(50);  // real time
    Duration slow_interval = std::chrono::milliseconds(150);
    size_t timeline_limit = 500;
};

struct Report {
    long rss_start_kb = 0;  // after the first full picture
    std::vector<long> rss_by_day_kb;  // at the end of each simulated day
    long rss_end_kb = 0;
    int fds_start = 0;
    int fds_end = 0;
    size_t max_timeline = 0;
    long judged = 0;  // analyses judged (each new one once)
    std::map<std::string, long> live;  // per pipeline: analyses that said live
    std::map<std::string, long> not_live;
    std::vector<std::string> violations;  // live while the truth says broken throughout
    sim::FleetTruth truth;
    std::vector<std::string> pipelines;
};

// The oldest and newest time the parts of a snapshot were fetched at.
inline std::pair<TimePoint, TimePoint> data_window(const PipelineSnapshot& s) {
    TimePoint oldest = s.now;
    auto take = [&](const auto& part) {
        if (part.configured && part.fetched_at && *part.fetched_at < oldest) oldest = *part.fetched_at;
    };
    take(s.commits);
    take(s.builds);
    take(s.images);
    take(s.service);
    take(s.task_definitions);
    take(s.tasks);
    take(s.target_groups);
    take(s.versions);
    return {oldest, s.now};
}

inline Report run(const Options& o, const std::function<void(int day, const Report&)>& on_day = nullptr) {
    sim::FleetOptions fo;
    fo.pipelines = o.pipelines;
    fo.week = true;
    auto fleet = sim::make_fleet(fo);
    if (!fleet) throw std::runtime_error(fleet.error().message);
    Report r;
    r.truth = fleet->truth;
    for (const auto& p : fleet->scenario.pipelines) r.pipelines.push_back(p.name);
    const TimePoint start = fleet->scenario.start;

    DemoClock clock;
    clock.speed = o.speed;
    auto demo = make_demo_from({fleet->scenario}, clock);
    const ClockSource& world_clock = *demo->clocks.front();
    SchedulerOptions so;
    so.live_interval = o.live_interval;
    so.slow_interval = o.slow_interval;
    so.timeline_limit = o.timeline_limit;
    so.world_rate = o.speed;  // the world's data ages `speed` times faster than the plan's clock runs
    Scheduler scheduler(std::move(demo->collectors), so);
    scheduler.start();

    // The first full picture.
    for (;;) {
        auto p = scheduler.latest();
        bool all = std::all_of(p->pipelines.begin(), p->pipelines.end(), [](const auto& e) { return e.analysis != nullptr; });
        if (all) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    r.rss_start_kb = rss_kb();
    r.fds_start = open_fds();

    std::map<std::string, const PipelineAnalysis*> seen;
    std::vector<std::shared_ptr<const Picture>> keep;  // so pointers in `seen` stay unique
    int day = 0;
    while (world_clock.now() < start + std::chrono::hours(24 * 7)) {
        auto p = scheduler.latest();
        for (const auto& e : p->pipelines) {
            const PipelineAnalysis* a = e.analysis.get();
            if (!a || seen[e.name] == a) continue;
            seen[e.name] = a;
            ++r.judged;
            r.max_timeline = std::max(r.max_timeline, a->timeline.size());
            if (a->diagnosis.verdict.code != VerdictCode::live) {
                ++r.not_live[e.name];
                continue;
            }
            ++r.live[e.name];
            auto [from, to] = data_window(a->snapshot);
            if (r.truth.broken_throughout(e.name, from, to) && r.violations.size() < 20)
                r.violations.push_back(fmt::format("{} live at {} (data {} .. {}) while the truth says broken", e.name,
                                                   format_iso8601(a->snapshot.now), format_iso8601(from), format_iso8601(to)));
        }
        keep.assign(1, p);
        int now_day = static_cast<int>((world_clock.now() - start) / std::chrono::hours(24));
        while (day < now_day && day < 7) {
            ++day;
            r.rss_by_day_kb.push_back(rss_kb());
            if (on_day) on_day(day, r);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    while (day < 7) {  // the last boundary is the loop's end
        ++day;
        r.rss_by_day_kb.push_back(rss_kb());
        if (on_day) on_day(day, r);
    }
    scheduler.stop();
    keep.clear();
    r.rss_end_kb = rss_kb();
    r.fds_end = open_fds();
    return r;
}

}  // namespace shipwatch::soak

// The simulated week in numbers: 50 generated pipelines through a 7-day script of deployments
// and incidents (tests/soak.hpp), on the in-process simulator with a fast clock. Prints resident
// memory after the first full picture, at the end of every simulated day and after the week,
// open descriptors, the largest timeline, and live verdicts judged against the ground truth.
//   bench_soak [SPEED]      simulated seconds per real second (default 3000: ~3.4 minutes)
#include <cstdio>
#include <cstdlib>

#include "soak.hpp"

int main(int argc, char** argv) {
    shipwatch::soak::Options o;
    o.speed = argc > 1 ? std::atof(argv[1]) : 3000;
    std::printf("simulated week, %d pipelines, clock x%.0f\n", o.pipelines, o.speed);
    auto r = shipwatch::soak::run(o, [](int day, const shipwatch::soak::Report& so_far) {
        std::printf("  day %d: RSS %.1f MB\n", day, so_far.rss_by_day_kb.back() / 1024.0);
        std::fflush(stdout);
    });
    long live = 0;
    for (const auto& [name, n] : r.live) live += n;
    std::printf("RSS after the first picture %.1f MB, after the week %.1f MB\n", r.rss_start_kb / 1024.0,
                r.rss_end_kb / 1024.0);
    std::printf("open descriptors %d -> %d; largest timeline %zu entries\n", r.fds_start, r.fds_end, r.max_timeline);
    std::printf("%ld analyses judged, %ld live; %zu live while broken\n", r.judged, live, r.violations.size());
    for (const auto& v : r.violations) std::printf("  %s\n", v.c_str());
    return r.violations.empty() ? 0 : 1;
}

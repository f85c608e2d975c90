// How long one full dashboard frame takes to render: 100 pipelines (the demo's analyses
// replicated) at 200x60, for the overview, a pipeline view and the tasks pane. The event loop
// renders at most a few frames a second, so anything under a millisecond leaves the UI idle.
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include "sim/demo_sources.hpp"
#include "model/analysis.hpp"
#include "tui/render.hpp"

using namespace shipwatch;

namespace {

Picture replicated(int n) {
    {
        DemoClock clock;
        clock.frozen = true;
        auto demo = make_demo({}, clock);
        std::vector<std::shared_ptr<const PipelineAnalysis>> analyses;
        for (auto& c : demo.value()->collectors) analyses.push_back(std::make_shared<const PipelineAnalysis>(analyze(c->collect())));
        Picture p;
        p.context = "bench";
        for (int i = 0; i < n; ++i) {
            const auto& a = analyses[i % analyses.size()];
            p.pipelines.push_back({fmt::format("{}-{:02}", a->diagnosis.pipeline, i), a, false});
        }
        return p;
    }
}

const Picture& hundred_pipelines() {
    static const Picture picture = replicated(100);
    return picture;
}

void run(benchmark::State& st, tui::Screen screen, int stage) {
    const Picture& p = hundred_pipelines();
    tui::ViewState s;
    s.screen = screen;
    s.stage = stage;
    s.pipeline = p.pipelines[6].name;  // agricultural-core: the longest timeline and most findings
    for (auto _ : st) {
        auto grid = tui::render(p, s, {200, 60});
        benchmark::DoNotOptimize(grid);
    }
    st.SetLabel("100 pipelines, 200x60");
}

void BM_render_overview(benchmark::State& st) { run(st, tui::Screen::overview, 0); }

// 200 pipelines: the overview with the selection at the bottom (G) and with a filter typed, the
// cases the scale goal names.
void BM_render_overview_200(benchmark::State& st) {
    static const Picture p = replicated(200);
    tui::ViewState s;
    s.pipeline = p.pipelines[150].name;
    if (st.range(0) == 1) s.filter = "core";
    for (auto _ : st) {
        auto grid = tui::render(p, s, {200, 60});
        benchmark::DoNotOptimize(grid);
    }
    st.SetLabel(st.range(0) ? "200 pipelines, filter 'core', 200x60" : "200 pipelines, row 150 selected, 200x60");
}
// What Scheduler::publish pays per new picture: a copy of the entries (names and shared
// pointers to the analyses, never the analyses themselves), twice per refresh.
void BM_publish_copy_200(benchmark::State& st) {
    static const Picture p = replicated(200);
    for (auto _ : st) {
        auto next = std::make_shared<Picture>(p);
        benchmark::DoNotOptimize(next);
    }
    st.SetLabel("200 pipelines");
}

void BM_render_pipeline(benchmark::State& st) { run(st, tui::Screen::pipeline, 1); }
void BM_render_tasks_pane(benchmark::State& st) { run(st, tui::Screen::pane, 4); }
void BM_render_timeline(benchmark::State& st) { run(st, tui::Screen::timeline, 0); }

}  // namespace

BENCHMARK(BM_render_overview)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_publish_copy_200)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_render_overview_200)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_render_pipeline)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_render_tasks_pane)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_render_timeline)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();

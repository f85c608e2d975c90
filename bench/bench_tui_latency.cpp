// Key-to-screen latency of the overview: the real binary on a generated fleet (default
// `--demo fleet-200`) in a 200x60 pseudo-terminal. After the first full picture it presses keys
// as a person would (j, PgDn, G, g, n, N, / and a filter typed letter by letter, Esc) and times each
// from the write of the key to the last byte of the frame it causes (the output then stays
// quiet for 30 ms). Background refreshes also redraw now and then, so the p95 includes a few
// presses that shared a frame with one; the median does not.
//   bench_tui_latency [SCENARIO] [PRESSES] [SHIPWATCH_BINARY]
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "pty_session.hpp"

using namespace shipwatch::bench;
using ms = std::chrono::duration<double, std::milli>;

namespace {

struct Key {
    const char* name;
    const char* bytes;
};

// One round over the overview; Esc in the filter prompt clears the filter again.
const std::vector<Key> kRound = {
    {"j", "j"}, {"j", "j"}, {"PgDn", "\x1b[6~"}, {"PgDn", "\x1b[6~"}, {"G", "G"}, {"g", "g"},
    {"n", "n"}, {"N", "N"}, {"/", "/"}, {"filter", "e"}, {"filter", "u"}, {"Esc", "\x1b"},
};

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    std::string scenario = argc > 1 ? argv[1] : "fleet-200";
    int presses = argc > 2 ? std::atoi(argv[2]) : 100;
    std::string binary = argc > 3 ? argv[3] : SHIPWATCH_BINARY;
    if (presses < 1) {
        std::fprintf(stderr, "bench_tui_latency: PRESSES must be at least 1\n");
        return 2;
    }

    auto started = steady::now();
    PtySession term({binary, "--demo", scenario}, 200, 60);
    if (!term.wait_settled("not live", "loading…", std::chrono::milliseconds(1500), std::chrono::seconds(120))) {
        std::fprintf(stderr, "bench_tui_latency: no full picture of '%s' within 120 s\n", scenario.c_str());
        return 1;
    }
    double first = ms(steady::now() - started).count() - 1500;  // the settle wait is not the program's
    std::printf("%s: first full picture after %.0f ms (200x60 terminal)\n", scenario.c_str(), first);

    std::map<std::string, std::vector<double>> by_key;
    std::vector<double> all;
    size_t bytes = 0;
    int missed = 0;
    for (int i = 0; i < presses; ++i) {
        const Key& k = kRound[static_cast<size_t>(i) % kRound.size()];
        term.drain(std::chrono::milliseconds(30));  // start from a quiet screen
        auto sent = steady::now();
        term.send(k.bytes);
        auto last = sent;
        bool any = false;
        // The frame for the key: everything until the output is quiet for 30 ms. Nothing within
        // 500 ms means the key changed nothing on screen (what comes later is the clock's tick).
        while (ms(steady::now() - sent).count() < 2000) {
            std::string out = term.read_some(std::chrono::milliseconds(any ? 30 : 500));
            if (out.empty()) break;
            any = true;
            bytes += out.size();
            last = steady::now();
        }
        if (!any) {
            ++missed;
            continue;
        }
        double t = ms(last - sent).count();
        by_key[k.name].push_back(t);
        all.push_back(t);
    }
    std::printf("%-7s %6s %9s %9s\n", "key", "n", "median", "p95");
    for (const auto& [name, v] : by_key)
        std::printf("%-7s %6zu %7.2fms %7.2fms\n", name.c_str(), v.size(), percentile(v, 0.5), percentile(v, 0.95));
    std::printf("%-7s %6zu %7.2fms %7.2fms   (%zu bytes of output)\n", "all", all.size(),
                percentile(all, 0.5), percentile(all, 0.95), bytes);
    if (missed > 0) std::printf("%d presses drew nothing within 500 ms: a key with nothing to change, or a stall\n", missed);
    return all.empty() ? 1 : 0;
}

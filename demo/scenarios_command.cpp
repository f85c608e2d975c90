// `shipwatch scenarios`: the built-in scenarios, each with its title and expected verdicts.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "demo/simulator.hpp"
#include "sim/simulator.hpp"

namespace shipwatch::demo {

using app::Io;
using app::Options;

int run_scenarios(const Options&, Io& io) {
    for (const auto& name : sim::scenario_names()) {
        auto s = sim::load_builtin(name);
        if (!s) {
            io.out << fmt::format("{:<22} (invalid: {})\n", name, s.error().message);
            continue;
        }
        std::vector<std::string> expect;
        for (const auto& [p, v] : s->expect) expect.push_back(fmt::format("{}={}", p, v));
        io.out << fmt::format("{:<22} {}  [{}]\n", name, s->title, fmt::join(expect, ", "));
    }
    io.out << fmt::format("{:<22} {}\n", "fleet-N[-week]",
                          "generated: N pipelines (1-10000) over clusters and regions, some in incidents; "
                          "-week: a 7-day script");
    return 0;
}

}  // namespace shipwatch::demo

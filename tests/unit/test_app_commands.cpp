// The command table: what main.cpp dispatches through and builds its usage text from.
#include <gtest/gtest.h>

#include <set>

#include "app/commands.hpp"

namespace shipwatch {
namespace {

using app::Command;

TEST(CommandTable, EveryCommandOnceAndTheWordsMainAccepts) {
    std::set<Command> seen;
    for (const auto& c : app::commands()) {
        EXPECT_TRUE(seen.insert(c.command).second);
        EXPECT_NE(c.run, nullptr);
        EXPECT_FALSE(c.usage.empty());
        EXPECT_EQ(&app::command_info(c.command), &c);
    }
    EXPECT_EQ(seen.size(), 6u);
    EXPECT_EQ(app::find_command("check")->command, Command::check);
    EXPECT_EQ(app::find_command("wait")->command, Command::wait);
    EXPECT_EQ(app::find_command("scenarios")->command, Command::scenarios);
    EXPECT_EQ(app::find_command("sim")->command, Command::sim);
    EXPECT_EQ(app::find_command("serve")->command, Command::serve);
    // The dashboard runs without a command word; these stay "unknown command".
    EXPECT_EQ(app::find_command(""), nullptr);
    EXPECT_EQ(app::find_command("dashboard"), nullptr);
    EXPECT_EQ(app::find_command("deploy"), nullptr);
    EXPECT_EQ(app::command_info(Command::dashboard).run, &app::run_dashboard);
}

// The text --help printed when it was one string literal in main.cpp.
TEST(CommandTable, UsageTextIsTheOneHelpPrinted) {
    EXPECT_EQ(app::usage_text(),
              "Usage:\n"
              "  shipwatch [--config FILE]                  the dashboard (config: ./shipwatch.toml, then\n"
              "                                             $XDG_CONFIG_HOME/shipwatch/config.toml)\n"
              "  shipwatch --demo [SCENARIO]                the dashboard on the built-in simulator\n"
              "  shipwatch --server URL [--server URL...]   the dashboard on shipwatch servers (serve), no AWS\n"
              "                                             credentials needed; check and wait take --server too\n"
              "  shipwatch check [--config FILE | --cluster C --service S [--repo o/r]] [--json] [--timeout D]\n"
              "  shipwatch check --demo [SCENARIO...]       diagnose once; exit 1 any not live, else 2 cannot tell, else 0\n"
              "  shipwatch wait --pipeline NAME [--sha SHA] [--timeout 20m]\n"
              "                                             poll until the commit is live (0), definitely failed or timed out (1)\n"
              "  shipwatch serve [--config FILE | --demo [SCENARIO...]] [--listen 127.0.0.1:9464]\n"
              "  shipwatch serve ... [--token-file F [--metrics-open]] [--shard K/N]\n"
              "                                             one watcher for a team: the JSON API, an event\n"
              "                                             stream for attached dashboards, /metrics\n"
              "  shipwatch scenarios                        list the built-in scenarios\n"
              "  shipwatch sim --scenario NAME [--port N]   serve a scenario over loopback HTTP (AWS, GitHub, version URLs)\n"
              "\nOptions");
}

TEST(ErrorExit, DecidesByKindNotByCode) {
    std::ostringstream out, err;
    app::Io io{out, err};
    Error usage{"whatever", "a flag is wrong", 0, false, ErrorKind::usage};
    EXPECT_EQ(app::error_exit(io, usage), 2);
    Error config{"usage", "the file is wrong", 0, false, ErrorKind::config};
    EXPECT_EQ(app::error_exit(io, config), 2);
    EXPECT_EQ(err.str(), "shipwatch: a flag is wrong (see 'shipwatch --help')\nshipwatch: the file is wrong\n");
    EXPECT_EQ(out.str(), "");
}

// app does not link the simulator; a program built without it says so instead of crashing.
TEST(Simulator, CommandsWithoutItSayWhatIsMissing) {
    std::ostringstream out, err;
    app::Io io{out, err};
    app::Options check;
    check.command = app::Command::check;
    check.demo = true;
    EXPECT_EQ(app::command_info(app::Command::check).run(check, io), 2);
    app::Options sim;
    sim.command = app::Command::sim;
    EXPECT_EQ(app::command_info(app::Command::sim).run(sim, io), 2);
    EXPECT_EQ(err.str(),
              "shipwatch: --demo needs the built-in simulator, which this program was built without (see 'shipwatch --help')\n"
              "shipwatch: this program was built without the simulator\n");
    EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace shipwatch

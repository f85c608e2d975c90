// The commands of shipwatch, one file each, every one a function of parsed options and an Io, so
// tests run each command in-process; main.cpp only parses flags and dispatches via commands().
#pragma once

#include <optional>
#include <string>

#include "app/io.hpp"
#include "app/options.hpp"
#include "base/result.hpp"

namespace shipwatch::app {

int run_dashboard(const Options& o, Io& io);  // dashboard.cpp
int run_check(const Options& o, Io& io);  // check.cpp
int run_wait(const Options& o, Io& io);  // wait.cpp
int run_serve(const Options& o, Io& io);  // serve.cpp
// Through Io::simulator (demo/): sim/ is linked by the binary and the tests, not by app.
int run_scenarios(const Options& o, Io& io);  // commands.cpp
int run_sim(const Options& o, Io& io);  // commands.cpp

// Exit status 2 with one line on io.err: a usage error points at --help, a data error (a bad
// configuration, an unknown scenario's file) does not.
int usage_error(Io& io, const std::string& message);
int data_error(Io& io, const std::string& message);
// A flag or argument the command cannot take, as an error value (code "usage", as before ErrorKind).
Error usage_problem(std::string message);
// usage_error or data_error, by the error's kind.
int error_exit(Io& io, const Error& error);
// Why `text` is no --timeout ("--timeout: 'x' is not a duration like 20m"); nullopt when it is one.
std::optional<std::string> timeout_problem(const std::string& text);

}  // namespace shipwatch::app

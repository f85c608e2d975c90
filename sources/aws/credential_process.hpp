// Running an external credentials command (credential_process, `aws configure
// export-credentials`) with a time limit and a stop request, without a shell.
#pragma once

#include <stop_token>
#include <string>
#include <vector>

#include "model/time.hpp"

namespace shipwatch::aws {

struct CommandResult {
    bool started = false;  // false: the program could not be run (see `error`)
    bool timed_out = false;
    bool cancelled = false;  // stop was requested: the command was killed (or never started)
    int exit_code = -1;
    std::string out;
    std::string err;
    std::string error;  // why it did not start
};

// Runs argv[0] (looked up in PATH) with stdin from /dev/null; kills it (and its process group)
// after `timeout`, or at once when stop is requested.
CommandResult run_command(const std::vector<std::string>& argv, Duration timeout, const std::stop_token& stop = {});

// Splits a command line as botocore does on POSIX (shlex): whitespace separates words,
// '...' is literal, "..." allows \" and \\, a backslash outside quotes escapes one character.
std::vector<std::string> split_command_line(const std::string& line);

// The first non-empty line of a command's stderr, trimmed and shortened, for an error message.
std::string first_line(const std::string& text, size_t max = 200);

}  // namespace shipwatch::aws

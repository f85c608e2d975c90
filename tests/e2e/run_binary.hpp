// Runs the real shipwatch binary and captures its exit code, stdout and stderr.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace shipwatch::e2e {

struct Run {
    int exit_code = -1;
    std::string out;
    std::string err;
};

inline std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// `prefix` goes before the binary on the shell line: "env -i HOME=... timeout 60 ".
inline Run run_shipwatch_with(const std::string& prefix, const std::string& args) {
    char err_path[] = "/tmp/shipwatch-e2e-XXXXXX";
    int fd = mkstemp(err_path);
    close(fd);
    std::string cmd = prefix + std::string(SHIPWATCH_BINARY) + " " + args + " 2>" + err_path + " </dev/null";
    Run r;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 65536> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    int status = pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream in(err_path);
    std::stringstream ss;
    ss << in.rdbuf();
    r.err = ss.str();
    unlink(err_path);
    return r;
}

inline Run run_shipwatch(const std::string& args) { return run_shipwatch_with("", args); }

}  // namespace shipwatch::e2e

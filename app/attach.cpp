#include "app/attach.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "base/bounded_read.hpp"

namespace shipwatch::app {
namespace {

constexpr size_t kMaxTokenBytes = 4096;

// The flags a server makes meaningless: it has the configuration and the accounts.
std::optional<std::string> ignored_flag(const Options& o) {
    if (o.demo) return "--demo";
    if (!o.config.empty()) return "--config";
    if (!o.flags_pipeline.spec.cluster.empty() || !o.flags_pipeline.spec.service.empty()) return "--cluster/--service";
    if (!o.target_group.empty()) return "--target-group";
    if (!o.faults.empty()) return "--fault";
    if (!o.at.empty()) return "--at";
    return std::nullopt;
}

}  // namespace

Result<std::string> read_token(const std::string& path) {
    BoundedRead file = read_bounded(path, kMaxTokenBytes, "token file");
    if (file.missing) return usage_problem(fmt::format("--token-file {}: no such file", path));
    if (!file.problem.empty()) return usage_problem(file.problem);
    std::string token = file.text;  // without the line break an editor leaves
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
    bool printable = std::all_of(token.begin(), token.end(), [](unsigned char c) { return c > ' ' && c < 0x7f; });
    if (token.empty() || !printable)
        return usage_problem(fmt::format("--token-file {}: the token must be one line of printable ASCII without "
                                         "spaces (e.g. `openssl rand -hex 32 > {}`)",
                                         path, path));
    return token;
}

Result<std::unique_ptr<MergedPictures>> attach(const Options& o) {
    if (auto flag = ignored_flag(o))
        return usage_problem(fmt::format("{} does not apply with --server: the server has the configuration", *flag));
    std::string token;
    if (!o.token_file.empty()) {
        auto read = read_token(o.token_file);
        if (!read) return read.error();
        token = std::move(read).value();
    }
    std::vector<RemoteOptions> servers;
    for (const auto& url : o.servers) {
        if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
            return usage_problem(fmt::format("--server '{}' is not a URL like http://127.0.0.1:9464", url));
        RemoteOptions r;
        r.url = url;
        r.token = token;
        servers.push_back(std::move(r));
    }
    return std::make_unique<MergedPictures>(servers);
}

}  // namespace shipwatch::app

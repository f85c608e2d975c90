// GitHub REST answers: the fuzz bytes are the body of every answer (commits, workflow runs, jobs),
// as a success, as an error, and with a Link header that keeps pointing at a next page.
// An input whose first line starts with '<' is a Link header followed by the body.
#include "sources/github/github_client.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace shipwatch;
using namespace shipwatch::github;

namespace {

void exercise_client(Transport& transport) {
    GithubClient client(GithubContext{&transport, "https://api.github.com", ""});
    (void)client.commits("acme/api", "main", 30);
    (void)client.workflow_runs("acme/api", "main", "", 20);
    (void)client.workflow_runs("acme/api", "main", "deploy.yml", 20);
    (void)client.run_steps("acme/api", "42");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string input = fuzzing::as_text(data, size);
    std::string link;
    std::string body = input;
    if (!input.empty() && input.front() == '<') {
        size_t end = input.find('\n');
        link = input.substr(0, end);
        body = end == std::string::npos ? std::string() : input.substr(end + 1);
    }

    fuzzing::Answering ok(200, body);
    exercise_client(ok.transport());
    // A server that always offers a next page must not keep the client asking forever.
    if (link.empty()) link = "<https://api.github.com/repositories/1/commits?page=2>; rel=\"next\"";
    fuzzing::Answering paged(200, body, Headers{{"Link", link}});
    exercise_client(paged.transport());
    fuzzing::Answering failed(403, body, Headers{{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", "1750000000"}});
    exercise_client(failed.transport());
    return 0;
}

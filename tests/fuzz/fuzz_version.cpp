// Version endpoint bodies: the fuzz bytes are the endpoint's answer, read without a JSON pointer
// (the hex-run rule) and with the pointers configs use. An input whose first line starts with
// '/' also supplies its own pointer (as a config could).
#include "sources/version/version_client.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace shipwatch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string input = fuzzing::as_text(data, size);
    fuzzing::Answering answering(200, input);
    const std::string url = "https://api.example/version";
    for (const char* pointer : {"", "/version", "/build/sha", "/0"})
        (void)fetch_version(answering.transport(), url, pointer, TimePoint{});
    if (!input.empty() && input.front() == '/') {
        size_t end = input.find('\n');
        std::string pointer = input.substr(0, end);
        fuzzing::Answering rest(200, end == std::string::npos ? std::string() : input.substr(end + 1));
        (void)fetch_version(rest.transport(), url, pointer, TimePoint{});
    }
    return 0;
}

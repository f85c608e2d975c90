// The TOML configuration file: the fuzz bytes are the whole file.
#include "config/config.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)shipwatch::parse_config(shipwatch::fuzzing::as_text(data, size), "fuzz.toml");
    return 0;
}

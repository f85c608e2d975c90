// The wire document a server sends (wire/): the fuzz bytes, parsed as JSON, decoded as a snapshot
// and as a frame. A document the decoder accepts must encode to one it accepts again with the
// same encoding, and its snapshots are diagnosed as the attached client would.
#include "model/analysis.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "wire/wire.hpp"

using namespace shipwatch;

namespace {

void judge_accepted(const PipelineSnapshot& s) {
    auto again = wire::decode_snapshot(wire::encode(s));
    if (!again || wire::encode(again.value()) != wire::encode(s)) __builtin_trap();
    (void)analyze(s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto doc = nlohmann::json::parse(fuzzing::as_text(data, size), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return 0;
    if (auto snapshot = wire::decode_snapshot(doc)) judge_accepted(snapshot.value());
    if (auto frame = wire::decode_frame(doc)) {
        auto again = wire::decode_frame(wire::encode(frame.value()));
        if (!again || wire::encode(again.value()) != wire::encode(frame.value())) __builtin_trap();
        for (const auto& p : frame.value().pipelines)
            if (p.snapshot) judge_accepted(*p.snapshot);
    }
    return 0;
}

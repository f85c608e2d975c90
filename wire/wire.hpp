// The document a server sends its attached clients: a pipeline's snapshot, and a picture's frame
// of them, as JSON that decodes back to the same values. The client runs analyze() on what it
// decodes, at its own clock, so its verdicts, stages and evidence are the server's.
//
// Lossless: every member of a snapshot travels. Times and durations are integers counting the
// TimePoint's own tick (milliseconds since the Unix epoch, model/time.hpp), so none is rounded;
// an API state (ApiEnum) travels as the API's text and is read again through its spelling table,
// so a value the API added stays unknown with its text; shipwatch's own enums as their names.
// An absent optional is an absent member (null is read as absent too).
//
// Strict: a member missing or of the wrong type, an unknown name, a frame of another wire
// version or with more than kMaxFrameEntries pipelines or sources is refused with one Error
// (ErrorKind::parse) naming the member's path: "pipelines[3].snapshot.tasks.value[2].last_status:
// expected a string". Decoding never throws. Members it does not know are ignored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "model/picture.hpp"
#include "model/snapshot.hpp"

namespace shipwatch::wire {

inline constexpr int kWireVersion = 1;
// More pipelines or sources than any fleet a server watches: a frame beyond it is refused.
inline constexpr size_t kMaxFrameEntries = 10'000;

nlohmann::json encode(const PipelineSnapshot& snapshot);
Result<PipelineSnapshot> decode_snapshot(const nlohmann::json& document);

// A picture as it travels: what the attached client needs to draw the server's picture.
struct Frame {
    uint64_t generation = 0;
    std::string context;
    TimePoint server_now{};  // the server's clock when it sent the frame
    double world_rate = 1.0;  // simulated seconds per real second (1 for real AWS)
    std::vector<SourceState> sources;
    struct Pipeline {
        std::string name;
        bool refreshing = false;
        std::optional<PipelineSnapshot> snapshot;  // none until the server's first refresh ends
    };
    std::vector<Pipeline> pipelines;
};

// {"wire":1, "generation", "context", "server_now", "world_rate", "sources":[...],
//  "pipelines":[{"name", "refreshing", "snapshot": {...} | null}]}: each pipeline's snapshot is
// its analysis's (`analysis->snapshot`).
nlohmann::json encode_frame(const Picture& picture, TimePoint server_now, double world_rate);
// The same document from a decoded frame (a client that relays or merges servers' frames).
nlohmann::json encode(const Frame& frame);
Result<Frame> decode_frame(const nlohmann::json& document);

}  // namespace shipwatch::wire

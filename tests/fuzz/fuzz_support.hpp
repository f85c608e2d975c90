// What every fuzz target shares: the fuzz bytes as the answer to every request the client under
// test sends, through the same scripted Transport the unit tests use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "unit/scripted_transport.hpp"

namespace shipwatch::fuzzing {

inline std::string as_text(const uint8_t* data, size_t size) {
    return std::string(reinterpret_cast<const char*>(data), size);
}

// A transport that answers every request with `status` and `body` (and optional headers).
class Answering {
public:
    Answering(int status, std::string body, Headers headers = {}) {
        transport_.on_request([status, body = std::move(body), headers = std::move(headers)](const HttpRequest&) {
            return testing::response(status, body, headers);
        });
    }
    Transport& transport() { return transport_; }

private:
    testing::ScriptedTransport transport_;
};

}  // namespace shipwatch::fuzzing

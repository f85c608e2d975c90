// Reading a Server-Sent Events stream (the `text/event-stream` of the HTML standard) over
// libcurl: what an attached dashboard or `check --server` reads from `shipwatch serve`. One
// call is one connection: it returns when the stream ends, fails, stays silent too long, or
// stop is requested; reconnecting (with Last-Event-ID and a backoff) is the caller's.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>

#include "http/transport.hpp"

namespace shipwatch {

struct StreamEvent {
    std::string id;  // the last `id:` seen (it carries over to later events, as the standard says)
    std::string event = "message";
    std::string data;  // `data:` lines joined by '\n'
};

struct EventStreamOptions {
    std::string url;
    Headers headers;  // Authorization, Last-Event-ID
    Duration connect_timeout = std::chrono::seconds(5);
    // No byte for this long is a lost connection (the server comments every 10 s when idle).
    Duration idle_timeout = std::chrono::seconds(30);
    size_t max_event_bytes = 256u << 20;  // one event's data at most: a larger one ends the stream
    std::string ca_bundle;  // empty: the system store
    std::stop_token stop;
};

// What ended the stream: nullopt when stop was requested, else why (a status other than 200,
// not an event stream, a transport failure, silence, an event past its bound, the server
// closing it).
using EventHandler = std::function<void(StreamEvent&&)>;
std::optional<std::string> read_event_stream(const EventStreamOptions& options, const EventHandler& on_event);

// The parser on its own (tests, fuzzing): feed bytes as they come, complete events are handed
// on. Lines end with "\r\n", "\n" or "\r"; comments (":...") are skipped.
class EventStreamParser {
public:
    explicit EventStreamParser(size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}
    // false once an event passed max_event_bytes (the stream must end).
    bool feed(std::string_view bytes, const EventHandler& on_event);

private:
    void line(std::string_view text, const EventHandler& on_event);
    size_t max_event_bytes_;
    std::string pending_;  // an incomplete line
    bool after_cr_ = false;  // the last byte was '\r': a '\n' right after it ends nothing more
    std::string last_id_;
    StreamEvent building_;
    bool has_data_ = false;
};

}  // namespace shipwatch

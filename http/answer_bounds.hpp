// How many bytes an answer may bring, by what it is, and how many all answers being received at
// once may hold together (README "Bounds"). An API answer past its bound is not read: the call
// fails ("answer larger than 4 MiB") and the part resting on it is unknown.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>

namespace shipwatch {

// AWS JSON and XML, GitHub JSON. The largest realistic answers are a few hundred KiB to 1 MiB:
// FilterLogEvents pages stop at 1 MB, a task definition at 64 KiB, 100 GitHub runs or 100 tasks
// are under 1 MiB, 1,000 ECR images about 500 KiB.
inline constexpr size_t kMaxApiAnswerBytes = 4u << 20;
// OCI registries (tokens, manifests): the distribution spec asks clients to support manifests
// of 4 MB; real ones are KiBs.
inline constexpr size_t kMaxRegistryAnswerBytes = 4u << 20;
// A version endpoint's body names a revision: kilobytes.
inline constexpr size_t kMaxVersionAnswerBytes = 64u << 10;
// The EC2 and ECS metadata services' credential answers: a few KiB.
inline constexpr size_t kMaxCredentialAnswerBytes = 64u << 10;
// Every answer being received at once, together: 64 transfers of 4 MiB cannot add up to 256 MiB.
inline constexpr size_t kMaxBytesInFlight = 64u << 20;

// "64 KiB", "4 MiB", "100 bytes" (base/bounded_read.cpp): the bounds as the errors name them.
std::string byte_size_text(size_t bytes);

// Bytes of answers being received, against one limit shared by every transfer of the process.
// A transfer takes bytes as they come and gives them back when it ends; one that would pass the
// limit fails (it is not made to wait: transfers waiting for each other's bytes could wait forever,
// and a failed one frees its bytes at once so the others finish; the retry layer asks again).
class BytesInFlight {
public:
    explicit BytesInFlight(size_t limit) : limit_(limit) {}
    BytesInFlight(const BytesInFlight&) = delete;
    BytesInFlight& operator=(const BytesInFlight&) = delete;

    // False, taking nothing, when `n` more would pass the limit.
    bool take(size_t n);
    void give_back(size_t n) { held_.fetch_sub(n); }
    size_t held() const { return held_.load(); }
    size_t limit() const { return limit_; }

    // The process-wide budget, of kMaxBytesInFlight.
    static BytesInFlight& process();

private:
    const size_t limit_;
    std::atomic<size_t> held_{0};
};

}  // namespace shipwatch

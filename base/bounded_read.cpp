#include "base/bounded_read.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "model/visible.hpp"

namespace shipwatch {

std::string byte_size_text(size_t bytes) {
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
    if (bytes >= 1024 && bytes % 1024 == 0) return fmt::format("{} KiB", bytes >> 10);
    return fmt::format("{} bytes", bytes);
}

BoundedRead read_bounded(const std::string& path, size_t limit, std::string_view what) {
    BoundedRead out;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        int e = errno;
        if (e == ENOENT) out.missing = true;
        else out.problem = fmt::format("{} {}: cannot be read: {}", what, visible(path), std::strerror(e));
        return out;
    }
    // In chunks, never more than one past the bound: that byte tells a file that is too large
    // without reading the rest of it (of /dev/zero there is no rest).
    std::string text;
    char chunk[16384];
    while (text.size() <= limit) {
        size_t want = std::min(sizeof chunk, limit + 1 - text.size());
        in.read(chunk, static_cast<std::streamsize>(want));
        text.append(chunk, static_cast<size_t>(in.gcount()));
        if (!in) break;
    }
    if (in.bad()) {
        out.problem = fmt::format("{} {}: cannot be read", what, visible(path));
        return out;
    }
    if (text.size() > limit) {
        out.problem = fmt::format("{} {} is larger than {}: is it the right file?", what, visible(path), byte_size_text(limit));
        return out;
    }
    out.text = std::move(text);
    return out;
}

}  // namespace shipwatch

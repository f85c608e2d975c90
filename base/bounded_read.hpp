// Reading a file the user named (a config, the AWS config and credentials files, a token file,
// Docker's config) without trusting its size: `--config /dev/zero` or AWS_CONFIG_FILE=/dev/zero
// read until bad_alloc. Each caller names its bound (README, "Bounds").
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace shipwatch {

struct BoundedRead {
    std::string text;  // the whole file, when it was read
    bool missing = false;  // no such file (callers decide whether that is fine)
    std::string problem;  // why it was not read: too large, unreadable; empty when read or missing
};

// At most `limit` bytes of `path`; a file with more is not read at all, and `problem` says so,
// naming `what` ("config file", "AWS config file") and the path.
BoundedRead read_bounded(const std::string& path, size_t limit, std::string_view what);

// "16 MiB", "64 KiB", "300 bytes".
std::string byte_size_text(size_t bytes);

}  // namespace shipwatch

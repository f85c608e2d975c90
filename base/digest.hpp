// Hashing and decoding through OpenSSL, for EC2 user data and anyone else who needs them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shipwatch {

// Lower-case hex SHA-256 of `data` (64 characters).
std::string sha256_hex(std::string_view data);

// Standard base64 (RFC 4648) with or without '=' padding; whitespace and line breaks ignored.
// nullopt when the text is not base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace shipwatch

// UTF-8 decoding shared by the layers that read text byte by byte: the dashboard lays text out
// by columns, the config reader screens code points before its TOML parser sees them.
#pragma once

#include <string_view>

namespace shipwatch::utf8 {

// Decodes one code point at `pos` and advances it; an invalid byte (a stray continuation, a lead
// without its continuations, an overlong form, a surrogate, past U+10FFFF) decodes as U+FFFD and
// advances by one (so `pos - before == 1` with U+FFFD tells it from a real U+FFFD).
char32_t next_codepoint(std::string_view s, size_t& pos);

}  // namespace shipwatch::utf8

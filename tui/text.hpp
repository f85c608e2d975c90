// UTF-8 text measured in terminal columns: the dashboard lays out by columns, never by bytes,
// so AWS messages, commit subjects and our glyphs (▸ ✔ …) line up.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/utf8.hpp"

namespace shipwatch::tui::text {

using utf8::next_codepoint;  // one code point at `pos`, advancing it; invalid bytes are U+FFFD
// Columns one code point takes: 0 (combining/control), 1, or 2 (East Asian wide, emoji).
int codepoint_width(char32_t c);
int width(std::string_view s);

// At most `cols` columns; cut text ends with "…".
std::string truncate(std::string_view s, int cols);
// Exactly `cols` columns: truncated or padded with spaces on the right (left when `right`).
std::string fit(std::string_view s, int cols, bool right = false);
// Word-wrapped lines of at most `cols` columns; a word longer than a line is cut hard.
std::vector<std::string> wrap(std::string_view s, int cols);

// "sha256:964c2fff3b0b…" -> "sha256:964c2ff" (the 7 hex digits people compare by eye).
std::string short_digest(std::string_view digest);
// Last path segment of an ARN: ".../task/cluster/0abbd7e5…" -> "0abbd7e5…", "…:task-definition/x:6" -> "x:6".
std::string arn_tail(std::string_view arn);
// Shell-style lower-case substring test, for the / filter and : jump.
bool contains_ci(std::string_view haystack, std::string_view needle);

}  // namespace shipwatch::tui::text

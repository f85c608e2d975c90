// Text from strangers (commit messages, author names, events, stopped-task reasons, version
// bodies, config keys) made safe to show: every character a terminal would obey instead of
// print, or that reorders what follows it, is written visibly. One function for every sink:
// the dashboard's cells, the text report, the process's stdout/stderr (base/visible_stream.hpp),
// the log file and the JSON writer (which escapes the same set as \uXXXX).
#pragma once

#include <string>
#include <string_view>

namespace shipwatch {

// C0 controls, DEL, C1 controls (U+0080–U+009F: U+009B is a CSI on its own), the bidi
// embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069, and the direction marks
// U+200E, U+200F and U+061C.
bool is_hidden_control(char32_t cp);

// `s` with each such character written as an escape: ESC as \e, tab, newline and carriage
// return as \t \n \r, other C0 and DEL as \xNN, the rest as \uNNNN; a byte that is not UTF-8
// as \xNN. With `keep_newlines`, a newline stays one (for whole lines written to a stream).
// Text without any of them comes back unchanged.
std::string visible(std::string_view s, bool keep_newlines = false);

// A JSON document (already serialised) with the hidden controls its serialiser leaves raw (DEL,
// C1, bidi) escaped as \uNNNN. Outside strings a JSON text holds only ASCII structure, so the
// characters can only be inside strings, where the escape means the same character.
std::string json_visible(std::string json_text);

}  // namespace shipwatch

// Semantic presentation of health and severity, shared by every presenter: a glyph so the
// state reads without colour, and a role the colour themes map in one place.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/diagnosis.hpp"

namespace shipwatch::tui {

enum class Role { normal, dim, ok, progressing, stale, failed, unknown, info, warning, error, selected, title, accent };

Role role_of(Health h);
Role role_of(Severity s);
Role role_of(VerdictCode v);
std::string_view glyph(Health h);  // ✔ ↻ ◆ ✖ ?
std::string_view glyph(Severity s);
// ANSI SGR sequence for a role (16 colours), for the plain reporter on a terminal.
std::string_view ansi(Role r);
// Every sequence ansi() gives, the reset included: the only escapes the program's own output may
// carry (base/visible_stream.hpp lets exactly these through).
std::vector<std::string> ansi_sequences();

}  // namespace shipwatch::tui

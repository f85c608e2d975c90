#include "model/visible.hpp"

#include <fmt/format.h>

#include "model/utf8.hpp"

namespace shipwatch {

bool is_hidden_control(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x200E || cp == 0x200F || cp == 0x061C;
}

namespace {

void append_escape(std::string& out, char32_t cp) {
    switch (cp) {
        case 0x1B: out += "\\e"; return;
        case '\t': out += "\\t"; return;
        case '\n': out += "\\n"; return;
        case '\r': out += "\\r"; return;
        default: break;
    }
    if (cp < 0x80) out += fmt::format("\\x{:02x}", static_cast<unsigned>(cp));
    else out += fmt::format("\\u{:04x}", static_cast<unsigned>(cp));
}

}  // namespace

std::string visible(std::string_view s, bool keep_newlines) {
    std::string out;
    out.reserve(s.size());
    for (size_t pos = 0; pos < s.size();) {
        // Plain ASCII is by far the most common: copy it without decoding.
        unsigned char b = static_cast<unsigned char>(s[pos]);
        if (b >= 0x20 && b < 0x7F) {
            out += static_cast<char>(b);
            ++pos;
            continue;
        }
        size_t start = pos;
        char32_t cp = utf8::next_codepoint(s, pos);
        if (cp == 0xFFFD && pos - start == 1) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned>(b));  // not UTF-8
        } else if (cp == '\n' && keep_newlines) {
            out += '\n';
        } else if (is_hidden_control(cp)) {
            append_escape(out, cp);
        } else {
            out.append(s.substr(start, pos - start));
        }
    }
    return out;
}

std::string json_visible(std::string json_text) {
    // Fast path: no DEL and no byte that could start C1 (0xC2) or a bidi/mark (0xE2, 0xD8).
    bool suspect = false;
    for (char c : json_text) {
        unsigned char b = static_cast<unsigned char>(c);
        if (b == 0x7F || b == 0xC2 || b == 0xE2 || b == 0xD8) {
            suspect = true;
            break;
        }
    }
    if (!suspect) return json_text;
    std::string out;
    out.reserve(json_text.size() + 16);
    std::string_view s(json_text);
    for (size_t pos = 0; pos < s.size();) {
        size_t start = pos;
        char32_t cp = utf8::next_codepoint(s, pos);
        bool invalid = cp == 0xFFFD && pos - start == 1;
        // The serialiser already escaped C0; what is left raw is DEL, C1, bidi and marks.
        if (!invalid && cp >= 0x7F && is_hidden_control(cp)) out += fmt::format("\\u{:04x}", static_cast<unsigned>(cp));
        else out.append(s.substr(start, pos - start));
    }
    return out;
}

}  // namespace shipwatch

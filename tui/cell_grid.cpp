#include "tui/cell_grid.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "model/visible.hpp"
#include "tui/text.hpp"

namespace shipwatch::tui {

CellGrid::CellGrid(Size size) : size_(size), cells_(static_cast<size_t>(std::max(0, size.width)) * std::max(0, size.height)) {}

int CellGrid::put(int x, int y, std::string_view s, Attr attr, int max_x) {
    if (y < 0 || y >= size_.height) return x;
    int limit = max_x < 0 ? size_.width : std::min(max_x, size_.width);
    size_t pos = 0;
    while (pos < s.size() && x < limit) {
        size_t start = pos;
        char32_t cp = text::next_codepoint(s, pos);
        int w = text::codepoint_width(cp);
        // Fold following combining marks into this cell.
        while (pos < s.size()) {
            size_t p2 = pos;
            char32_t next = text::next_codepoint(s, p2);
            if (text::codepoint_width(next) != 0 || next < 0x20) break;
            pos = p2;
        }
        std::string_view g = s.substr(start, pos - start);
        if (is_hidden_control(cp)) {
            // Never written raw: whitespace shows as a space, any other control (ESC, C1, a bidi
            // override that would reverse the line) as the replacement glyph.
            g = cp == '\t' || cp == '\n' || cp == '\r' ? std::string_view(" ") : std::string_view("\xEF\xBF\xBD");
            w = 1;
        } else if (w == 0 || cp == 0xFFFD) {  // strays render as a space
            g = cp == 0xFFFD ? std::string_view("\xEF\xBF\xBD") : std::string_view(" ");
            w = 1;
        }
        if (x + w > limit) break;
        if (x >= 0) {
            Cell& c = at(x, y);
            if (g.size() > c.glyph.size()) g = "?";
            std::memcpy(c.glyph.data(), g.data(), g.size());
            c.len = static_cast<uint8_t>(g.size());
            c.role = attr.role;
            c.reverse = attr.reverse;
            c.bold = attr.bold;
            if (w == 2 && x + 1 < size_.width) {
                Cell& pad = at(x + 1, y);
                pad.len = 0;  // the terminal fills it with the wide glyph's right half
                pad.role = attr.role;
                pad.reverse = attr.reverse;
                pad.bold = attr.bold;
            }
        }
        x += w;
    }
    return x;
}

void CellGrid::fill(Rect r, Attr attr, std::string_view glyph) {
    for (int y = std::max(0, r.y); y < std::min(size_.height, r.bottom()); ++y)
        for (int x = std::max(0, r.x); x < std::min(size_.width, r.right()); ++x) put(x, y, glyph, attr);
}

void CellGrid::restyle(Rect r, Attr attr) {
    for (int y = std::max(0, r.y); y < std::min(size_.height, r.bottom()); ++y)
        for (int x = std::max(0, r.x); x < std::min(size_.width, r.right()); ++x) {
            Cell& c = at(x, y);
            c.role = attr.role;
            c.reverse = attr.reverse;
            c.bold = attr.bold;
        }
}

void CellGrid::set_reverse(Rect r, bool on) {
    for (int y = std::max(0, r.y); y < std::min(size_.height, r.bottom()); ++y)
        for (int x = std::max(0, r.x); x < std::min(size_.width, r.right()); ++x) at(x, y).reverse = on;
}

void CellGrid::box(Rect r, Attr attr, std::string_view title, Attr title_attr) {
    if (r.width < 2 || r.height < 2) return;
    put(r.x, r.y, "╭", attr);
    put(r.right() - 1, r.y, "╮", attr);
    put(r.x, r.bottom() - 1, "╰", attr);
    put(r.right() - 1, r.bottom() - 1, "╯", attr);
    for (int x = r.x + 1; x < r.right() - 1; ++x) {
        put(x, r.y, "─", attr);
        put(x, r.bottom() - 1, "─", attr);
    }
    for (int y = r.y + 1; y < r.bottom() - 1; ++y) {
        put(r.x, y, "│", attr);
        put(r.right() - 1, y, "│", attr);
    }
    if (!title.empty() && r.width > 4) put(r.x + 1, r.y, text::truncate(title, r.width - 2), title_attr, r.right() - 1);
}

std::string CellGrid::to_text() const {
    std::string out;
    for (int y = 0; y < size_.height; ++y) {
        for (int x = 0; x < size_.width; ++x) out += at(x, y).text();
        out += '\n';
    }
    return out;
}

char role_letter(Role r) {
    switch (r) {
        case Role::normal: return '.';
        case Role::dim: return 'd';
        case Role::ok: return 'o';
        case Role::progressing: return 'p';
        case Role::stale: return 's';
        case Role::failed: return 'f';
        case Role::unknown: return 'u';
        case Role::info: return 'i';
        case Role::warning: return 'w';
        case Role::error: return 'e';
        case Role::selected: return 'l';
        case Role::title: return 't';
        case Role::accent: return 'a';
    }
    return '?';
}

std::string CellGrid::to_roles() const {
    std::string out;
    for (int y = 0; y < size_.height; ++y) {
        for (int x = 0; x < size_.width; ++x) {
            const Cell& c = at(x, y);
            char l = role_letter(c.role);
            if (c.reverse) l = l == '.' ? '#' : static_cast<char>(std::toupper(static_cast<unsigned char>(l)));
            out += l;
        }
        out += '\n';
    }
    return out;
}

}  // namespace shipwatch::tui

// The frame as data: a grid of cells, each a UTF-8 glyph with a style role. Views render into
// it without knowing the terminal; blit() diffs it against the last frame; tests print it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "report/style.hpp"

namespace shipwatch::tui {

struct Size {
    int width = 0;
    int height = 0;
    bool operator==(const Size&) const = default;
};

struct Rect {
    int x = 0, y = 0, width = 0, height = 0;
    int bottom() const { return y + height; }
    int right() const { return x + width; }
};

struct Cell {
    // One code point plus combining marks; a wide glyph's second column holds an empty glyph.
    std::array<char, 11> glyph{' '};
    uint8_t len = 1;
    Role role = Role::normal;
    bool reverse = false;  // selection bar: reverse video over the role's colour
    bool bold = false;

    std::string_view text() const { return {glyph.data(), len}; }
    bool operator==(const Cell& o) const {
        return len == o.len && role == o.role && reverse == o.reverse && bold == o.bold &&
               std::string_view(glyph.data(), len) == std::string_view(o.glyph.data(), o.len);
    }
};

struct Attr {
    Role role = Role::normal;
    bool reverse = false;
    bool bold = false;
};

class CellGrid {
public:
    CellGrid() = default;
    explicit CellGrid(Size size);

    Size size() const { return size_; }
    int width() const { return size_.width; }
    int height() const { return size_.height; }
    const Cell& at(int x, int y) const { return cells_[static_cast<size_t>(y) * size_.width + x]; }
    Cell& at(int x, int y) { return cells_[static_cast<size_t>(y) * size_.width + x]; }

    // Writes `s` from (x, y), clipped at `max_x` (exclusive; -1 = grid edge). Returns the column
    // after the last written one. Tabs and newlines become spaces; every other hidden control
    // (model/visible.hpp: ESC, C1, bidi overrides) the replacement glyph U+FFFD.
    int put(int x, int y, std::string_view s, Attr attr = {}, int max_x = -1);
    void fill(Rect r, Attr attr, std::string_view glyph = " ");
    // Restyles cells without changing their glyphs (selection bars, whole-row verdict colour).
    void restyle(Rect r, Attr attr);
    void set_reverse(Rect r, bool on);
    void box(Rect r, Attr attr, std::string_view title = {}, Attr title_attr = {});

    // The glyphs, one line per row, trailing spaces kept (golden files compare exact frames).
    std::string to_text() const;
    // One letter per cell naming its role (upper case when reverse), for colour regressions.
    std::string to_roles() const;

private:
    Size size_;
    std::vector<Cell> cells_;
};

char role_letter(Role r);

}  // namespace shipwatch::tui

// Styled text that does not know the terminal: lines of role-tagged spans. Panes build a Doc
// from the data; one scroll view lays any Doc into a rectangle, wrapping or cutting lines.
#pragma once

#include <string>
#include <vector>

#include "tui/cell_grid.hpp"

namespace shipwatch::tui {

struct Span {
    std::string text;
    Attr attr;
};

struct Line {
    std::vector<Span> spans;
    bool wrap = false;  // long evidence (stopped reasons, messages) wraps instead of being cut
    int indent = 0;  // continuation lines start at this column

    Line& add(std::string t, Role r = Role::normal) {
        spans.push_back({std::move(t), {r}});
        return *this;
    }
    Line& add(std::string t, Attr a) {
        spans.push_back({std::move(t), a});
        return *this;
    }
    int width() const;
};

struct Doc {
    std::vector<Line> lines;

    Line& line() { return lines.emplace_back(); }
    Line& line(std::string t, Role r = Role::normal) { return line().add(std::move(t), r); }
    void blank() { lines.emplace_back(); }
    void heading(std::string t) { line().add(std::move(t), Attr{Role::title, false, true}); }
};

// The Doc's lines after wrapping to `width` (cut lines end with "…").
std::vector<Line> layout(const Doc& doc, int width);
// Draws `lines` from `scroll` into `r`; returns the largest useful scroll offset.
int draw_lines(CellGrid& g, Rect r, const std::vector<Line>& lines, int scroll);
// Draws one line at (x, y), clipped at max_x; returns the next column.
int draw_line(CellGrid& g, int x, int y, const Line& line, int max_x);

}  // namespace shipwatch::tui

#include "tui/doc.hpp"

#include <algorithm>

#include "tui/text.hpp"

namespace shipwatch::tui {

int Line::width() const {
    int w = 0;
    for (const auto& s : spans) w += text::width(s.text);
    return w;
}

namespace {

// Splits a wrapping line into rows: words keep their span's style across the break.
void wrap_line(const Line& in, int width, std::vector<Line>& out) {
    int indent = std::min(in.indent, width / 2);
    Line cur;
    int col = 0;
    auto flush = [&] {
        out.push_back(std::move(cur));
        cur = Line{};
        cur.spans.push_back({std::string(indent, ' '), {}});
        col = indent;
    };
    for (const auto& span : in.spans) {
        size_t i = 0;
        const std::string& t = span.text;
        while (i < t.size()) {
            // Take the next chunk: leading spaces plus one word.
            size_t j = i;
            while (j < t.size() && t[j] == ' ') ++j;
            while (j < t.size() && t[j] != ' ') ++j;
            std::string chunk = t.substr(i, j - i);
            int cw = text::width(chunk);
            if (col + cw > width && col > indent) {
                flush();
                size_t k = chunk.find_first_not_of(' ');
                chunk = k == std::string::npos ? std::string() : chunk.substr(k);
                cw = text::width(chunk);
            }
            while (cw > width - col) {  // a word longer than the row: cut it hard
                std::string head = text::truncate(chunk, width - col);
                if (!head.empty() && head.size() >= 3 && head.compare(head.size() - 3, 3, "…") == 0) head.resize(head.size() - 3);
                if (head.empty()) break;
                cur.spans.push_back({head, span.attr});
                chunk = chunk.substr(head.size());
                cw = text::width(chunk);
                flush();
            }
            if (!chunk.empty()) {
                cur.spans.push_back({chunk, span.attr});
                col += cw;
            }
            i = j;
        }
    }
    out.push_back(std::move(cur));
}

}  // namespace

std::vector<Line> layout(const Doc& doc, int width) {
    std::vector<Line> out;
    out.reserve(doc.lines.size());
    for (const auto& l : doc.lines) {
        if (l.wrap && width > 8 && l.width() > width) wrap_line(l, width, out);
        else out.push_back(l);
    }
    return out;
}

int draw_line(CellGrid& g, int x, int y, const Line& line, int max_x) {
    int total = line.width();
    if (x + total <= max_x) {
        for (const auto& s : line.spans) x = g.put(x, y, s.text, s.attr, max_x);
        return x;
    }
    // Cut: leave one column for the ellipsis, in the style of the span it cuts.
    Attr last{};
    for (const auto& s : line.spans) {
        int room = max_x - 1 - x;
        if (room <= 0) break;
        last = s.attr;
        int w = text::width(s.text);
        if (w <= room) {
            x = g.put(x, y, s.text, s.attr, max_x - 1);
        } else {
            std::string t = text::truncate(s.text, room + 1);  // its own "…" lands on max_x-1
            x = g.put(x, y, t, s.attr, max_x);
            return x;
        }
    }
    return g.put(x, y, "…", last, max_x);
}

int draw_lines(CellGrid& g, Rect r, const std::vector<Line>& lines, int scroll) {
    int max_scroll = std::max(0, static_cast<int>(lines.size()) - r.height);
    scroll = std::clamp(scroll, 0, max_scroll);
    for (int row = 0; row < r.height; ++row) {
        size_t i = static_cast<size_t>(scroll + row);
        if (i >= lines.size()) break;
        draw_line(g, r.x, r.y + row, lines[i], r.right());
    }
    return max_scroll;
}

}  // namespace shipwatch::tui

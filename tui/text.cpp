#include "tui/text.hpp"

#include <algorithm>
#include <cctype>

#include "model/visible.hpp"

namespace shipwatch::tui::text {

int codepoint_width(char32_t c) {
    // Controls and bidi overrides take a cell: the grid shows each as a visible glyph.
    if (is_hidden_control(c)) return 1;
    if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) || (c >= 0xFE00 && c <= 0xFE0F)) return 0;
    // East Asian wide and fullwidth blocks, and the emoji planes: two columns.
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
        (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
        (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1FAFF) || (c >= 0x20000 && c <= 0x3FFFD))
        return 2;
    return 1;
}

int width(std::string_view s) {
    int w = 0;
    for (size_t pos = 0; pos < s.size();) w += codepoint_width(next_codepoint(s, pos));
    return w;
}

std::string truncate(std::string_view s, int cols) {
    if (cols <= 0) return {};
    if (width(s) <= cols) return std::string(s);
    std::string out;
    int w = 0;
    for (size_t pos = 0; pos < s.size();) {
        size_t start = pos;
        int cw = codepoint_width(next_codepoint(s, pos));
        if (w + cw > cols - 1) break;
        out.append(s.substr(start, pos - start));
        w += cw;
    }
    return out + "…";
}

std::string fit(std::string_view s, int cols, bool right) {
    std::string t = truncate(s, cols);
    int pad = std::max(0, cols - width(t));
    return right ? std::string(pad, ' ') + t : t + std::string(pad, ' ');
}

std::vector<std::string> wrap(std::string_view s, int cols) {
    std::vector<std::string> lines;
    if (cols <= 0) return lines;
    std::string line;
    int lw = 0;
    size_t i = 0;
    while (i < s.size()) {
        size_t j = s.find(' ', i);
        if (j == std::string_view::npos) j = s.size();
        std::string_view word = s.substr(i, j - i);
        int ww = width(word);
        if (lw > 0 && lw + 1 + ww > cols) {
            lines.push_back(std::move(line));
            line.clear();
            lw = 0;
        }
        while (ww > cols) {  // a word wider than the line: cut it hard
            std::string head;
            int hw = 0;
            size_t pos = 0;
            while (pos < word.size()) {
                size_t st = pos;
                int cw = codepoint_width(next_codepoint(word, pos));
                if (hw + cw > cols - lw - (lw ? 1 : 0)) {
                    pos = st;
                    break;
                }
                head.append(word.substr(st, pos - st));
                hw += cw;
            }
            if (pos == 0 && lw == 0) pos = 1;  // never loop without progress
            if (lw) line += ' ';
            line += head;
            lines.push_back(std::move(line));
            line.clear();
            lw = 0;
            word = word.substr(pos);
            ww = width(word);
        }
        if (lw) {
            line += ' ';
            ++lw;
        }
        line.append(word);
        lw += ww;
        i = j + 1;
    }
    if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
    return lines;
}

std::string short_digest(std::string_view digest) {
    if (digest.rfind("sha256:", 0) == 0) return std::string(digest.substr(0, std::min<size_t>(digest.size(), 14)));
    return std::string(digest.substr(0, std::min<size_t>(digest.size(), 12)));
}

std::string arn_tail(std::string_view arn) {
    auto slash = arn.rfind('/');
    return std::string(slash == std::string_view::npos ? arn : arn.substr(slash + 1));
}

bool contains_ci(std::string_view haystack, std::string_view needle) {
    auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    });
    return it != haystack.end();
}

}  // namespace shipwatch::tui::text

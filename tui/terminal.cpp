#include "tui/terminal.hpp"

#include <langinfo.h>
#include <unistd.h>

#include <clocale>
#include <cstring>
#include <string>

// The wide-character API: glyphs are UTF-8 and must reach the terminal as such.
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>

namespace shipwatch::tui {
namespace {

// attrs[role] = colour pair and attributes, filled once at start-up for this terminal.
attr_t role_attrs[16];
short role_pairs[16];
bool curses_active = false;

int idx(Role r) { return static_cast<int>(r); }

void define(Role r, short fg, attr_t extra, bool color) {
    static short next_pair = 1;
    if (color && fg >= 0) {
        init_pair(next_pair, fg, -1);
        role_pairs[idx(r)] = next_pair++;
    }
    role_attrs[idx(r)] = extra;
}

}  // namespace

void restore_terminal() {
    if (!curses_active) return;
    curses_active = false;
    endwin();
}

Terminal::Terminal(bool color, bool mouse) {
    std::setlocale(LC_ALL, "");
    if (std::strcmp(nl_langinfo(CODESET), "UTF-8") != 0) std::setlocale(LC_CTYPE, "C.UTF-8");
    setenv("ESCDELAY", "25", 0);  // Esc must feel instant; escape sequences arrive within 25 ms
    initscr();
    curses_active = true;
    cbreak();  // Ctrl-C still raises SIGINT, which the event loop turns into a clean exit
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    leaveok(stdscr, TRUE);
    setup_colors(color && has_colors());
    if (mouse) mousemask(BUTTON4_PRESSED | BUTTON5_PRESSED, nullptr);
}

Terminal::~Terminal() { restore_terminal(); }

void Terminal::setup_colors(bool color) {
    if (color) {
        start_color();
        use_default_colors();
    }
    // 16+ colours: bright black reads as grey. With 8 colours grey falls back to A_DIM, and
    // without colour (NO_COLOR) roles become attributes and the glyphs carry the meaning.
    bool rich = color && COLORS >= 16;
    short grey = rich ? 8 : -1;
    attr_t grey_attr = rich ? A_NORMAL : A_DIM;
    define(Role::normal, -1, A_NORMAL, color);
    define(Role::dim, grey, grey_attr, color);
    define(Role::ok, COLOR_GREEN, A_NORMAL, color);
    define(Role::progressing, COLOR_CYAN, A_NORMAL, color);
    define(Role::stale, COLOR_YELLOW, color ? A_NORMAL : A_BOLD, color);
    define(Role::failed, COLOR_RED, A_BOLD, color);
    define(Role::unknown, grey, grey_attr, color);
    define(Role::info, COLOR_BLUE, color ? A_NORMAL : A_NORMAL, color);
    define(Role::warning, COLOR_YELLOW, A_NORMAL, color);
    define(Role::error, COLOR_RED, color ? A_NORMAL : A_BOLD, color);
    define(Role::selected, -1, A_REVERSE, color);
    define(Role::title, -1, A_BOLD, color);
    define(Role::accent, COLOR_MAGENTA, color ? A_NORMAL : A_BOLD, color);
}

Size Terminal::size() const {
    int h, w;
    getmaxyx(stdscr, h, w);
    return {w, h};
}

void Terminal::blit(const CellGrid& grid) {
    const bool full = !have_previous_ || previous_.size() != grid.size();
    std::string run;
    for (int y = 0; y < grid.height(); ++y) {
        int x = 0;
        while (x < grid.width()) {
            const Cell& c = grid.at(x, y);
            if (!full && c == previous_.at(x, y)) {
                ++x;
                continue;
            }
            // A run of changed cells with the same style goes out in one call.
            int start = x;
            run.clear();
            while (x < grid.width()) {
                const Cell& d = grid.at(x, y);
                if (d.role != c.role || d.reverse != c.reverse || d.bold != c.bold) break;
                if (!full && d == previous_.at(x, y) && x > start) break;
                run.append(d.text());  // a wide glyph's second column is empty
                ++x;
            }
            attr_t a = role_attrs[idx(c.role)] | (c.reverse ? A_REVERSE : 0) | (c.bold ? A_BOLD : 0);
            attr_set(a, role_pairs[idx(c.role)], nullptr);
            mvaddstr(y, start, run.c_str());  // ERR on the last cell of the screen is harmless
        }
    }
    attr_set(A_NORMAL, 0, nullptr);
    wnoutrefresh(stdscr);
    doupdate();
    previous_ = grid;
    have_previous_ = true;
}

std::optional<Key> Terminal::read_key() {
    wint_t ch;
    int rc = wget_wch(stdscr, &ch);
    if (rc == ERR) return std::nullopt;
    if (rc == KEY_CODE_YES) {
        switch (ch) {
            case KEY_UP: return keys::up;
            case KEY_DOWN: return keys::down;
            case KEY_LEFT: return keys::left;
            case KEY_RIGHT: return keys::right;
            case KEY_HOME: return keys::home;
            case KEY_END: return keys::end;
            case KEY_PPAGE: return keys::page_up;
            case KEY_NPAGE: return keys::page_down;
            case KEY_ENTER: return keys::enter;
            case KEY_BTAB: return keys::back_tab;
            case KEY_BACKSPACE: return keys::backspace;
            case KEY_RESIZE:
                have_previous_ = false;  // the terminal's contents are unknown after a resize
                return keys::resize;
            case KEY_MOUSE: {
                MEVENT ev;
                if (getmouse(&ev) != OK) return std::nullopt;
                if (ev.bstate & BUTTON4_PRESSED) return keys::wheel_up;
                if (ev.bstate & BUTTON5_PRESSED) return keys::wheel_down;
                return std::nullopt;
            }
            default: return std::nullopt;
        }
    }
    switch (ch) {
        case '\r':
        case '\n': return keys::enter;
        case 27: return keys::esc;
        case '\t': return keys::tab;
        case 127:
        case 8: return keys::backspace;
        case 3: return keys::ctrl_c;
        default: return static_cast<Key>(ch);
    }
}

void Terminal::copy_to_clipboard(std::string_view text) {
    static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out = "\x1b]52;c;";
    size_t i = 0;
    for (; i + 2 < text.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(text[i]) << 16) | (static_cast<unsigned char>(text[i + 1]) << 8) | static_cast<unsigned char>(text[i + 2]);
        out += {b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63], b64[v & 63]};
    }
    if (i < text.size()) {
        unsigned v = static_cast<unsigned char>(text[i]) << 16;
        if (i + 1 < text.size()) v |= static_cast<unsigned char>(text[i + 1]) << 8;
        out += {b64[v >> 18], b64[(v >> 12) & 63], i + 1 < text.size() ? b64[(v >> 6) & 63] : '=', '='};
    }
    out += "\x07";
    [[maybe_unused]] auto n = write(STDOUT_FILENO, out.data(), out.size());
}

}  // namespace shipwatch::tui

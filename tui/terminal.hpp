// The only part of shipwatch that talks to curses: set-up and restore, colours for the style
// roles (with a 16-colour fallback and NO_COLOR), blit() of a CellGrid writing only the cells
// that changed since the last frame, and key input translated to Keys.
#pragma once

#include <optional>
#include <string_view>

#include "tui/cell_grid.hpp"
#include "tui/keymap.hpp"

namespace shipwatch::tui {

class Terminal {
public:
    Terminal(bool color, bool mouse);
    ~Terminal();  // restores the terminal
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    Size size() const;
    // Writes the cells that differ from the previous frame, then one doupdate().
    void blit(const CellGrid& grid);
    // Next pending key, without waiting; nullopt when there is none.
    std::optional<Key> read_key();
    // Copies text to the system clipboard through the terminal (OSC 52); tmux and most
    // terminals honour it, others ignore it.
    void copy_to_clipboard(std::string_view text);
    int input_fd() const { return 0; }

private:
    void setup_colors(bool color);
    CellGrid previous_;
    bool have_previous_ = false;
};

// Restores the terminal from a signal handler or after a crash; safe to call twice.
void restore_terminal();

}  // namespace shipwatch::tui

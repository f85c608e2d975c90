// Overlays drawn over the frame: the key help generated from the keymap, and the JSON of the
// selected evidence (what `y` copied).
#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "tui/format.hpp"
#include "tui/keymap.hpp"
#include "tui/text.hpp"
#include "tui/views.hpp"

namespace shipwatch::tui {
namespace {

Rect centered(Rect screen, int w, int h) {
    w = std::min(w, screen.width - 2);
    h = std::min(h, screen.height - 2);
    return {screen.x + (screen.width - w) / 2, screen.y + (screen.height - h) / 2, w, h};
}

Doc help_doc() {
    Doc d;
    for (const auto& b : keymap()) {
        Line& l = d.line();
        l.add(text::fit(keys_label(b), 16), Attr{Role::accent, false, true});
        l.add(std::string(b.help), Role::normal);
    }
    d.blank();
    d.heading("Reading the diagram");
    for (Health h : {Health::ok, Health::progressing, Health::stale, Health::failed, Health::unknown})
        d.line().add("  " + std::string(glyph(h)) + " ", role_of(h)).add(std::string(to_string(h)), role_of(h));
    d.line("  194af44~  a SHA with ~ was inferred (image pushed during the commit's build),", Role::dim);
    d.line("            without ~ it was read from a tag or the version endpoint", Role::dim);
    d.line("  FOR       live: since the last stage took the commit; not live: since it landed", Role::dim);
    return d;
}

}  // namespace

void draw_overlay(CellGrid& g, Rect screen, const ViewState& s, FrameInfo& info) {
    if (s.overlay != Overlay::help && s.overlay != Overlay::json) return;
    Doc doc;
    std::string title;
    if (s.overlay == Overlay::help) {
        doc = help_doc();
        title = " keys — Esc closes ";
    } else {
        std::istringstream in(s.json);
        for (std::string line; std::getline(in, line);) {
            Line& l = doc.line(line, Role::normal);
            l.wrap = true;
            l.indent = 4;
        }
        title = " evidence as JSON — sent to the clipboard (OSC 52) · Esc closes ";
    }
    Rect box = centered(screen, std::max(64, screen.width * 4 / 5), screen.height - 4);
    g.fill(box, {Role::normal});
    g.box(box, {Role::accent}, title, {Role::accent, false, true});
    Rect inner{box.x + 2, box.y + 1, box.width - 4, box.height - 2};
    info.max_overlay_scroll = draw_lines(g, inner, layout(doc, inner.width), s.overlay_scroll);
    if (info.max_overlay_scroll > 0) {
        std::string more = fmt::format(" {}/{} j/k ", std::min(s.overlay_scroll, info.max_overlay_scroll), info.max_overlay_scroll);
        g.put(box.right() - text::width(more) - 2, box.bottom() - 1, more, {Role::dim});
    }
}

}  // namespace shipwatch::tui

#include "tui/keymap.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "model/stage.hpp"

namespace shipwatch::tui {
namespace {

// The stages at chain position `index` across the pipeline kinds: "image / instances".
std::string stages_at(size_t index) {
    std::vector<std::string_view> labels;
    for (PipelineKind kind : kPipelineKinds) {
        auto c = chain(kind);
        if (index >= c.size()) continue;
        std::string_view label = stage_info(c[index]).label;
        if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
    }
    return fmt::format("{}", fmt::join(labels, " / "));
}

// One key per stage position of the longest chain, from the stage table; the last carries the
// footer hint.
std::vector<Binding> stage_keys() {
    std::vector<Binding> out;
    const size_t n = std::min<size_t>(longest_chain(), 9);  // the keys are the digits 1-9
    for (size_t i = 0; i < n; ++i)
        out.push_back({{static_cast<Key>('1' + i)}, Action::pane, static_cast<int>(i + 1), ctx_all,
                       fmt::format("pane of stage {} ({})", i + 1, stages_at(i)), i + 1 == n ? "pane" : ""});
    return out;
}

}  // namespace

std::string key_name(Key k) {
    switch (k) {
        case keys::up: return "↑";
        case keys::down: return "↓";
        case keys::left: return "←";
        case keys::right: return "→";
        case keys::home: return "Home";
        case keys::end: return "End";
        case keys::page_up: return "PgUp";
        case keys::page_down: return "PgDn";
        case keys::enter: return "Enter";
        case keys::esc: return "Esc";
        case keys::tab: return "Tab";
        case keys::back_tab: return "S-Tab";
        case keys::backspace: return "Bksp";
        case keys::ctrl_c: return "C-c";
        case keys::wheel_up: return "wheel";
        case keys::wheel_down: return "wheel";
        default: break;
    }
    if (k == ' ') return "Space";
    if (k < 0x80) return std::string(1, static_cast<char>(k));
    return "?";
}

const std::vector<Binding>& keymap() {
    using namespace keys;
    static const std::vector<Binding> table = [] {
        std::vector<Binding> t = {
            {{'?'}, Action::help, 0, ctx_all, "this help", "help"},
            {{up, 'k', wheel_up}, Action::up, 0, ctx_all, "move up / scroll up", ""},
            {{down, 'j', wheel_down}, Action::down, 0, ctx_all, "move down / scroll down", "move"},
            {{'g', home}, Action::top, 0, ctx_all, "first row / top", ""},
            {{'G', end}, Action::bottom, 0, ctx_all, "last row / bottom", ""},
            {{page_up, 'u'}, Action::page_up, 0, ctx_all, "page up", ""},
            {{page_down, 'd', ' '}, Action::page_down, 0, ctx_all, "page down", ""},
            {{enter, right, 'l'}, Action::open, 0, ctx_overview, "open the pipeline", "open"},
            {{left, 'h'}, Action::stage_prev, 0, ctx_pipeline | ctx_pane, "previous stage", ""},
            {{right, 'l'}, Action::stage_next, 0, ctx_pipeline | ctx_pane, "next stage", "stage"},
            {{enter}, Action::open, 0, ctx_pipeline, "open the selected stage's pane", "drill in"},
        };
        // The stage keys stand after "drill in", where the help and the footer list them.
        for (auto& b : stage_keys()) t.push_back(std::move(b));
        std::vector<Binding> rest = {
            {{tab}, Action::focus_next, 0, ctx_pipeline | ctx_pane, "next list / next pane", "switch"},
            {{back_tab}, Action::focus_prev, 0, ctx_pipeline | ctx_pane, "previous list / previous pane", ""},
            {{'t'}, Action::timeline, 0, ctx_all, "the merged timeline of the pipeline", "timeline"},
            {{'y'}, Action::copy_json, 0, ctx_all, "the selected evidence as JSON (and OSC 52 clipboard)", "json"},
            {{'c'}, Action::copy_step, 0, ctx_pipeline | ctx_pane,
             "copy a next step's command to the clipboard (again: the one after); shipwatch runs none", "copy step"},
            {{'n'}, Action::next_not_live, 0, ctx_all, "next pipeline that is not live", "n/N not live"},
            {{'N'}, Action::prev_not_live, 0, ctx_all, "previous pipeline that is not live", ""},
            {{'/'}, Action::filter, 0, ctx_overview | ctx_timeline, "filter rows (Esc clears)", "filter"},
            {{':'}, Action::jump, 0, ctx_all, "jump to a pipeline by name", "jump"},
            {{'s'}, Action::toggle_sort, 0, ctx_overview, "toggle not-live first / configured order", "sort"},
            {{'r'}, Action::refresh, 0, ctx_all, "refresh every pipeline now", "refresh"},
            {{esc}, Action::back, 0, ctx_all, "back (clears the filter at the top)", "back"},
            {{'q'}, Action::quit, 0, ctx_all, "back; quits at the overview", "quit"},
            {{'Q', ctrl_c}, Action::quit_now, 0, ctx_all, "quit from anywhere", ""},
        };
        t.insert(t.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
        return t;
    }();
    return table;
}

const Binding* lookup(Key key, uint8_t context) {
    for (const auto& b : keymap()) {
        if (!(b.contexts & context)) continue;
        for (Key k : b.keys)
            if (k == key) return &b;
    }
    return nullptr;
}

std::string stage_keys_label() { return fmt::format("1-{}", std::min<size_t>(longest_chain(), 9)); }

std::string keys_label(const Binding& b) {
    std::string out;
    for (Key k : b.keys) {
        if (!out.empty()) out += "/";
        out += key_name(k);
    }
    return out;
}

}  // namespace shipwatch::tui

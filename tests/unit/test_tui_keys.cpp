// Key handling and the small pieces under the frames: the keymap table, what each action does
// to the view state, text measured in columns, and the cell grid.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tui/cell_grid.hpp"
#include "tui/controller.hpp"
#include "tui/picture_query.hpp"
#include "tui/render.hpp"
#include "tui/text.hpp"
#include "unit/tui_fixtures.hpp"

using namespace shipwatch;
using namespace shipwatch::tui;

namespace {

const Picture& all_demo() {
    static const Picture p = fixtures::demo_picture({});
    return p;
}

Reaction press(ViewState& s, std::initializer_list<Key> keys) {
    Reaction r = react_none;
    for (Key k : keys) r = handle_key(k, s, all_demo());
    return r;
}

TEST(Keymap, NoKeyMeansTwoThingsOnOneScreen) {
    for (uint8_t ctx : {ctx_overview, ctx_pipeline, ctx_pane, ctx_timeline}) {
        std::set<Key> seen;
        for (const auto& b : keymap())
            if (b.contexts & ctx)
                for (Key k : b.keys) EXPECT_TRUE(seen.insert(k).second) << "key " << key_name(k) << " bound twice in context " << int(ctx);
    }
}

TEST(Keymap, EveryBindingHasHelp) {
    for (const auto& b : keymap()) EXPECT_FALSE(b.help.empty()) << keys_label(b);
}

// The controller's handler table has a row per Action (a static_assert); this keeps the other
// side whole: every Action has a key, so the help overlay lists it and a person can reach it.
TEST(Keymap, EveryActionHasAKey) {
    for (size_t i = 0; i < kActionCount; ++i) {
        auto action = static_cast<Action>(i);
        bool bound = std::any_of(keymap().begin(), keymap().end(), [&](const Binding& b) { return b.action == action; });
        EXPECT_TRUE(bound) << "Action " << i << " has no key";
    }
}

// Moving pins the selection; help and refresh choose nothing, so the selection keeps following
// the overview's order.
TEST(Controller, HelpAndRefreshDoNotPinTheSelection) {
    ViewState s;
    press(s, {'r'});
    EXPECT_FALSE(s.pinned);
    press(s, {'?', keys::esc});
    EXPECT_FALSE(s.pinned);
    press(s, {'j'});
    EXPECT_TRUE(s.pinned);
}

TEST(Controller, EnterOpensThePipelineAtItsFirstBrokenLink) {
    ViewState s;
    press(s, {keys::enter});
    EXPECT_EQ(s.screen, Screen::pipeline);
    EXPECT_EQ(s.pipeline, "agricultural-core");  // failed first, chain order within
    EXPECT_EQ(s.stage, 1);  // build
    press(s, {keys::enter});
    EXPECT_EQ(s.screen, Screen::pane);
    press(s, {keys::tab});
    EXPECT_EQ(s.stage, 2);
    EXPECT_EQ(press(s, {'q'}), react_redraw);
    EXPECT_EQ(s.screen, Screen::pipeline);
    press(s, {keys::esc});
    EXPECT_EQ(s.screen, Screen::overview);
    EXPECT_EQ(press(s, {'q'}), react_quit);
}

TEST(Controller, DigitOpensAPaneFromTheOverviewAndQQuitsAnywhere) {
    ViewState s;
    press(s, {'j', '5'});
    EXPECT_EQ(s.screen, Screen::pane);
    EXPECT_EQ(s.pipeline, "monitoring-dashboards");
    EXPECT_EQ(s.stage, 4);
    EXPECT_EQ(press(s, {'Q'}), react_quit);
}

TEST(Controller, NextNotLiveSkipsLivePipelinesAndWraps) {
    ViewState s;
    s.not_live_first = false;  // configuration order: billing-api and payments-api (live) sit in the middle
    std::vector<std::string> seen;
    for (int i = 0; i < 10; ++i) {
        press(s, {'n'});
        seen.push_back(s.pipeline);
    }
    for (const auto& name : seen) {
        EXPECT_NE(name, "payments-api");
        EXPECT_NE(name, "billing-api");
    }
    EXPECT_EQ(seen[0], seen[9]);  // 9 not-live pipelines, then around again
}

TEST(Controller, FilterNarrowsRowsAndEscClearsIt) {
    ViewState s;
    press(s, {'/', 's', 't', 'r', 'e', 'a', 'm'});
    EXPECT_EQ(s.filter, "stream");
    EXPECT_EQ(overview_rows(all_demo(), s).size(), 2u);
    press(s, {keys::enter});
    EXPECT_EQ(s.overlay, Overlay::none);
    EXPECT_EQ(s.filter, "stream");
    press(s, {keys::esc});
    EXPECT_TRUE(s.filter.empty());
}

TEST(Controller, JumpByNamePrefix) {
    ViewState s;
    press(s, {':', 'r', 'e', 'n', keys::enter});
    EXPECT_EQ(s.pipeline, "render-service");
    EXPECT_EQ(s.screen, Screen::pipeline);
    press(s, {':', 'z', 'z', keys::enter});
    EXPECT_EQ(s.pipeline, "render-service");
    EXPECT_NE(s.message.find("no pipeline matches"), std::string::npos);
}

TEST(Controller, YCopiesTheSelectedStageAsJson) {
    ViewState s;
    Reaction r = press(s, {':', 'r', 'e', 'n', 'd', keys::enter, '5', 'y'});
    EXPECT_TRUE(r & react_copy);
    EXPECT_EQ(s.overlay, Overlay::json);
    EXPECT_NE(s.json.find("\"id\": \"tasks\""), std::string::npos);
    EXPECT_NE(s.json.find("sha256:964c2ff"), std::string::npos);
    press(s, {keys::esc});
    EXPECT_EQ(s.overlay, Overlay::none);
}

TEST(Controller, YCarriesTheVerdictsNextSteps) {
    ViewState s;
    press(s, {':', 'r', 'e', 'n', 'd', keys::enter, '5', 'y'});
    EXPECT_NE(s.json.find("\"next_steps\""), std::string::npos);
    EXPECT_NE(s.json.find("--force-new-deployment"), std::string::npos) << s.json;
    EXPECT_EQ(s.clipboard, s.json) << "y puts the JSON on the clipboard";
}

TEST(Controller, CCopiesEachStepsCommandInTurnAndRunsNone) {
    ViewState s;
    press(s, {':', 'r', 'e', 'n', 'd', keys::enter});
    const auto* a = selected_analysis(all_demo(), s);
    ASSERT_TRUE(a);
    ASSERT_EQ(a->next_steps.size(), 3u);
    for (size_t i = 0; i < 4; ++i) {
        Reaction r = press(s, {'c'});
        EXPECT_TRUE(r & react_copy);
        EXPECT_EQ(s.clipboard, a->next_steps[i % 3].command) << "press " << i + 1 << " copies step " << i % 3 + 1;
        EXPECT_NE(s.message.find("not run"), std::string::npos) << s.message;
        press(s, {'j'});  // any key clears the message; the turn is kept
    }
}

TEST(Controller, CSaysSoWhenNoStepHasACommand) {
    Picture p;
    auto a = std::make_shared<PipelineAnalysis>(all_demo().pipelines.front().analysis ? *all_demo().pipelines.front().analysis
                                                                                      : PipelineAnalysis{});
    a->next_steps.clear();
    p.pipelines.push_back({a->diagnosis.pipeline, a, false});
    ViewState s;
    s.screen = Screen::pipeline;
    s.pipeline = a->diagnosis.pipeline;
    Reaction r = handle_key('c', s, p);
    EXPECT_FALSE(r & react_copy);
    EXPECT_NE(s.message.find("no command to copy"), std::string::npos);
}

TEST(Render, TheVerdictsPaneListsNextStepsConfirmFirst) {
    ViewState s;
    press(s, {':', 'r', 'e', 'n', 'd', keys::enter});
    std::string pipeline = render(all_demo(), s, {120, 40}).to_text();
    EXPECT_NE(pipeline.find("confirm ▸ aws ecs describe-tasks --cluster render-prod"), std::string::npos) << pipeline;
    press(s, {'5'});
    std::string pane = render(all_demo(), s, {160, 48}).to_text();
    auto heading = pane.find("Next steps (3)"), confirm = pane.find("confirm  the digest"), fix = pane.find("fix      start new tasks");
    ASSERT_NE(heading, std::string::npos) << pane;
    ASSERT_NE(confirm, std::string::npos) << pane;
    ASSERT_NE(fix, std::string::npos) << pane;
    EXPECT_LT(heading, confirm);
    EXPECT_LT(confirm, fix);
    EXPECT_NE(pane.find("aws ecs update-service --cluster render-prod --service render-service --force-new-deployment"),
              std::string::npos);
    press(s, {'4'});
    EXPECT_EQ(render(all_demo(), s, {160, 48}).to_text().find("Next steps"), std::string::npos)
        << "only the stage the verdict names lists them";
}

TEST(Controller, RefreshAsksTheSource) { ViewState s; EXPECT_TRUE(press(s, {'r'}) & react_refresh); }

TEST(Render, LoadingPipelinesAreGreyNeverGreen) {
    Picture p;
    p.pipelines.push_back({"checkout", nullptr, true});
    CellGrid g = render(p, ViewState{}, {80, 24});
    std::string text = g.to_text(), roles = g.to_roles();
    EXPECT_NE(text.find("loading…"), std::string::npos);
    EXPECT_EQ(roles.find('o'), std::string::npos);  // no cell in the ok (green) role
}

TEST(Render, EverySizeFromTinyToHugeRendersWithoutOverflow) {
    ViewState s;
    for (int w : {1, 20, 59, 60, 61, 79, 80, 123, 124, 200, 300})
        for (int h : {1, 10, 15, 16, 20, 24, 48, 100}) {
            for (Screen screen : {Screen::overview, Screen::pipeline, Screen::pane, Screen::timeline}) {
                s.screen = screen;
                s.stage = 4;
                CellGrid g = render(all_demo(), s, {w, h});
                ASSERT_EQ(g.width(), w);
                ASSERT_EQ(g.height(), h);
            }
        }
}

TEST(Text, WidthTruncateWrap) {
    EXPECT_EQ(text::width("✔ push ▸ 漢字"), 13);
    EXPECT_EQ(text::truncate("ResourceInitializationError", 10), "ResourceI…");
    EXPECT_EQ(text::fit("ab", 4), "ab  ");
    auto lines = text::wrap("unable to pull secrets or registry auth", 12);
    for (const auto& l : lines) EXPECT_LE(text::width(l), 12);
    EXPECT_EQ(lines.front(), "unable to");
    EXPECT_EQ(text::short_digest("sha256:964c2fff3b0ba7332b7a"), "sha256:964c2ff");
}

TEST(CellGrid, WideGlyphsTakeTwoCellsAndClip) {
    CellGrid g({6, 1});
    int x = g.put(0, 0, "漢字漢字", {Role::ok});
    EXPECT_EQ(x, 6);
    EXPECT_EQ(g.to_text(), "漢字漢\n");
    g.put(0, 0, "a\tb", {Role::failed});
    EXPECT_EQ(g.at(1, 0).text(), " ");  // control characters never reach the terminal
    EXPECT_EQ(g.to_roles().substr(0, 3), "fff");
}

}  // namespace

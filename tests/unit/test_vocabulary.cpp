// The descriptor tables of the typed vocabulary (Stage, Part, Source): every value has its row,
// ids round-trip through the parsers, and what lists them (chain order in the JSON report, the
// sources list, the status bar, the stage keys and the footer) follows the tables.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include <fmt/format.h>

#include "model/stage.hpp"
#include "report/report.hpp"
#include "tui/keymap.hpp"
#include "tui/parts.hpp"
#include "tui/render.hpp"
#include "unit/snapshot_builder.hpp"
#include "unit/tui_fixtures.hpp"

using namespace shipwatch;

namespace {

std::vector<std::string> ids(std::span<const Stage> stages) {
    std::vector<std::string> out;
    for (Stage s : stages) out.emplace_back(to_string(s));
    return out;
}

const Picture& all_demo() {
    static const Picture p = fixtures::demo_picture({});
    return p;
}

// The footer row of a rendered frame, as text.
std::string footer_of(const tui::CellGrid& g, int height) {
    std::istringstream in(g.to_text());
    std::string line;
    for (int y = 0; std::getline(in, line); ++y)
        if (y == height - 2) return line;
    return {};
}

}  // namespace

TEST(StageTable, EveryStageHasItsRowAndItsIdRoundTrips) {
    std::set<std::string_view> seen;
    for (size_t i = 0; i < kStageCount; ++i) {
        const Stage s = static_cast<Stage>(i);
        const StageInfo& row = stage_info(s);
        EXPECT_EQ(row.stage, s);
        EXPECT_FALSE(row.id.empty());
        EXPECT_FALSE(row.label.empty()) << row.id;
        EXPECT_FALSE(row.short_label.empty()) << row.id;
        EXPECT_NE(row.kinds, 0u) << row.id << " is in no chain";
        EXPECT_GT(row.parts.count, 0u) << row.id << " reads no part";
        EXPECT_TRUE(seen.insert(row.id).second) << "id " << row.id << " twice";
        EXPECT_EQ(stage_from_string(row.id), s);
    }
    EXPECT_EQ(stage_from_string("tdef"), std::nullopt) << "the short label is not an id";
    EXPECT_EQ(stage_from_string(""), std::nullopt);
    EXPECT_EQ(stage_from_string("Push"), std::nullopt);
}

TEST(StageTable, ChainOrderPerKind) {
    EXPECT_EQ(ids(chain(PipelineKind::ecs)), (std::vector<std::string>{"push", "build", "image", "taskdef", "tasks", "alb"}));
    EXPECT_EQ(ids(chain(PipelineKind::ec2)), (std::vector<std::string>{"push", "build", "instances", "alb"}));
    EXPECT_EQ(longest_chain(), 6u);
}

TEST(StageTable, ShortLabelsAreTheOverviewsAbbreviations) {
    EXPECT_EQ(stage_info(Stage::taskdef).short_label, "tdef");
    EXPECT_EQ(stage_info(Stage::instances).short_label, "inst");
    EXPECT_EQ(stage_info(Stage::tasks).short_label, "tasks");
}

TEST(StageTable, PartsEachStageReads) {
    auto parts = [](Stage s) {
        std::vector<std::string> out;
        for (Part p : stage_info(s).parts) out.emplace_back(to_string(p));
        return out;
    };
    using V = std::vector<std::string>;
    EXPECT_EQ(parts(Stage::push), (V{"commits"}));
    EXPECT_EQ(parts(Stage::build), (V{"builds", "commits"}));
    EXPECT_EQ(parts(Stage::image), (V{"images", "task_definitions"}));
    EXPECT_EQ(parts(Stage::taskdef), (V{"service", "task_definitions", "secrets"}));
    EXPECT_EQ(parts(Stage::tasks), (V{"service", "tasks", "deployment", "logs"}));
    EXPECT_EQ(parts(Stage::alb), (V{"target_groups", "version", "tasks"}));
    EXPECT_EQ(parts(Stage::instances), (V{"instances", "version"}));
}

TEST(StageTable, JsonListsEachPipelinesStagesInChainOrder) {
    std::set<PipelineKind> kinds;
    for (const auto& e : all_demo().pipelines) {
        const auto& a = *e.analysis;
        kinds.insert(a.snapshot.spec.kind);
        auto json = tui::to_json(a);
        std::vector<std::string> listed;
        for (const auto& st : json["stages"]) listed.push_back(st["id"].get<std::string>());
        EXPECT_EQ(listed, ids(chain(a.snapshot.spec.kind))) << e.name;
        const auto& verdict_stage = json["verdict"]["stage"];
        if (a.diagnosis.verdict.stage) EXPECT_EQ(verdict_stage, to_string(*a.diagnosis.verdict.stage)) << e.name;
        else EXPECT_EQ(verdict_stage, "") << e.name << ": schema 1 writes an empty string when live";
    }
    EXPECT_EQ(kinds.size(), 2u) << "the demo should hold both kinds of pipeline";
}

TEST(PartTable, EveryPartHasItsRowAndTheJsonListsThemInTableOrder) {
    ASSERT_EQ(kParts.size(), 12u);
    for (size_t i = 0; i < kParts.size(); ++i) {
        const Part p = static_cast<Part>(i);
        EXPECT_EQ(part_info(p).part, p);
        EXPECT_EQ(part_from_string(to_string(p)), p);
    }
    EXPECT_EQ(part_from_string("versions"), std::nullopt) << "the member is `versions`, the part is `version`";
    auto json = tui::to_json(analyze(shipwatch::testing::healthy_snapshot()));
    ASSERT_EQ(json["sources"].size(), kParts.size());
    for (size_t i = 0; i < kParts.size(); ++i) EXPECT_EQ(json["sources"][i]["source"], to_string(kParts[i].part));
}

TEST(SourceTable, EveryApiHasOneRowWithItsTwoSpellings) {
    for (size_t i = 0; i < kSources.size(); ++i) {
        const Source s = static_cast<Source>(i);
        EXPECT_EQ(source_info(s).source, s);
        EXPECT_EQ(source_from_string(to_string(s)), s);
    }
    // One API, the name an error gives it and the status bar's shorter family label.
    EXPECT_EQ(to_string(Source::elbv2), "elbv2");
    EXPECT_EQ(source_info(Source::elbv2).family, "elb");
    EXPECT_EQ(to_string(Source::version), "version");
    EXPECT_EQ(source_info(Source::version).family, "endpoint");
    EXPECT_EQ(to_string(Source::secretsmanager), "secretsmanager");
    EXPECT_EQ(source_info(Source::secretsmanager).family, "secrets");
    EXPECT_EQ(source_from_string("elb"), std::nullopt) << "the family label is not an id";
    // Images from Docker Hub, GHCR, ECR Public or any OCI registry are not ECR's.
    PipelineSpec spec;
    EXPECT_EQ(source_of(Part::images, spec), Source::ecr);
    spec.image_registry = "docker.io";
    EXPECT_EQ(source_of(Part::images, spec), Source::registry);
}

TEST(SourceTable, ErrorsNameTheApiAndTheStatusBarItsFamily) {
    PipelineSnapshot s = shipwatch::testing::healthy_snapshot();
    s.target_groups.error = FetchError{Source::elbv2, "Throttling", "Rate exceeded", s.now};
    EXPECT_EQ(describe(*s.target_groups.error).rfind("elbv2: Throttling: Rate exceeded", 0), 0u);

    Picture p;
    p.pipelines.push_back({"p", std::make_shared<const PipelineAnalysis>(analyze(s)), false});
    auto sources = tui::summarize_sources(p, s.now, {});
    auto it = std::find_if(sources.begin(), sources.end(), [](const tui::SourceSummary& x) { return x.name == "elb"; });
    ASSERT_NE(it, sources.end());
    EXPECT_EQ(it->state, SourceState::State::failing);
    EXPECT_EQ(it->error.rfind("elbv2: ", 0), 0u);
}

TEST(SourceTable, BuildsComeFromCodeBuildWhenAProjectIsSet) {
    PipelineSpec spec;
    EXPECT_EQ(source_of(Part::builds, spec), Source::github);
    spec.codebuild_project = "api-build";
    EXPECT_EQ(source_of(Part::builds, spec), Source::codebuild);
    EXPECT_EQ(source_of(Part::tasks, spec), Source::ecs);
}

TEST(StageKeys, OneKeyPerStageOfTheLongestChainWithHelpFromTheTable) {
    std::vector<const tui::Binding*> keys;
    for (const auto& b : tui::keymap())
        if (b.action == tui::Action::pane) keys.push_back(&b);
    ASSERT_EQ(keys.size(), longest_chain());
    for (size_t i = 0; i < keys.size(); ++i) {
        EXPECT_EQ(keys[i]->arg, static_cast<int>(i + 1));
        EXPECT_EQ(keys[i]->keys, std::vector<tui::Key>{static_cast<tui::Key>('1' + i)});
        EXPECT_EQ(keys[i]->hint.empty(), i + 1 != keys.size()) << "only the last stage key carries the footer hint";
    }
    EXPECT_EQ(keys[0]->help, "pane of stage 1 (push)");
    EXPECT_EQ(keys[2]->help, "pane of stage 3 (image / instances)");
    EXPECT_EQ(keys[3]->help, "pane of stage 4 (taskdef / alb)");
    EXPECT_EQ(keys[5]->help, "pane of stage 6 (alb)");
}

TEST(StageKeys, FooterDigitsFollowTheChainLength) {
    EXPECT_EQ(tui::stage_keys_label(), fmt::format("1-{}", longest_chain()));
    const Picture& p = all_demo();
    for (auto screen : {tui::Screen::overview, tui::Screen::pipeline, tui::Screen::pane}) {
        tui::ViewState s;
        s.pipeline = p.pipelines.front().name;
        s.screen = screen;
        const std::string footer = footer_of(tui::render(p, s, {160, 48}), 48);
        EXPECT_NE(footer.find(tui::stage_keys_label() + " pane"), std::string::npos) << footer;
    }
}

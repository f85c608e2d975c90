// The links of the chain, one descriptor row each: the id the JSON and text reports write, the
// labels the dashboard shows, which pipeline kinds' chains have the stage, and the snapshot parts
// its evidence comes from. The table is in chain order: a kind's chain is the table's rows for
// that kind, so the order is written here and nowhere else. A stage's diagnosis rule is in the
// table next to the rules (model/diagnosis.cpp), its pane in the one next to the panes (tui/).
#pragma once

#include <array>
#include <iosfwd>
#include <optional>
#include <span>
#include <string_view>

#include "model/enum_table.hpp"
#include "model/snapshot.hpp"
#include "model/source.hpp"

namespace shipwatch {

// In chain order (instances stands where the ECS stages do, before alb).
enum class Stage { push, build, image, taskdef, tasks, instances, alb };

inline constexpr std::array<PipelineKind, 2> kPipelineKinds{PipelineKind::ecs, PipelineKind::ec2};
constexpr unsigned kind_bit(PipelineKind k) { return 1u << static_cast<unsigned>(k); }

// The parts a stage reads, at most four.
struct PartList {
    std::array<Part, 4> items{};
    size_t count = 0;
    constexpr const Part* begin() const { return items.data(); }
    constexpr const Part* end() const { return items.data() + count; }
};

struct StageInfo {
    Stage stage;
    std::string_view id;  // JSON `stages[].id`, text reports: "taskdef"
    std::string_view label;  // on screen: tabs, stage boxes, the diagram
    std::string_view short_label;  // the overview's diagram below 80 columns: "tdef"
    unsigned kinds;  // kind_bit() of every pipeline kind whose chain has the stage
    PartList parts;  // what its pane's data comes from, most telling first
};

inline constexpr unsigned kEcsAndEc2 = kind_bit(PipelineKind::ecs) | kind_bit(PipelineKind::ec2);

inline constexpr std::array<StageInfo, 7> kStages{{
    {Stage::push, "push", "push", "push", kEcsAndEc2, {{Part::commits}, 1}},
    {Stage::build, "build", "build", "build", kEcsAndEc2, {{Part::builds, Part::commits}, 2}},
    {Stage::image, "image", "image", "image", kind_bit(PipelineKind::ecs), {{Part::images, Part::task_definitions}, 2}},
    {Stage::taskdef, "taskdef", "taskdef", "tdef", kind_bit(PipelineKind::ecs),
     {{Part::service, Part::task_definitions, Part::secrets}, 3}},
    {Stage::tasks, "tasks", "tasks", "tasks", kind_bit(PipelineKind::ecs),
     {{Part::service, Part::tasks, Part::deployment, Part::logs}, 4}},
    {Stage::instances, "instances", "instances", "inst", kind_bit(PipelineKind::ec2),
     {{Part::instances, Part::version}, 2}},
    {Stage::alb, "alb", "alb", "alb", kEcsAndEc2, {{Part::target_groups, Part::version, Part::tasks}, 3}},
}};
inline constexpr size_t kStageCount = kStages.size();
static_assert(rows_in_enum_order(kStages, [](const StageInfo& r) { return r.stage; }));
static_assert(kStageCount == static_cast<size_t>(Stage::alb) + 1, "a Stage without a row");

const StageInfo& stage_info(Stage s);
std::string_view to_string(Stage s);  // the id
std::optional<Stage> stage_from_string(std::string_view id);
std::ostream& operator<<(std::ostream& out, Stage s);  // the id, for test and log messages

// The stages of a pipeline kind's chain, in chain order.
std::span<const Stage> chain(PipelineKind kind);
// The longest chain of any kind: how many stage keys (1..n) the dashboard binds.
size_t longest_chain();

}  // namespace shipwatch

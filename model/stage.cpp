#include "model/stage.hpp"

#include <algorithm>
#include <ostream>

namespace shipwatch {
namespace {

constexpr size_t chain_length(PipelineKind k) {
    auto in_chain = [k](const StageInfo& r) { return (r.kinds & kind_bit(k)) != 0; };
    return static_cast<size_t>(std::count_if(kStages.begin(), kStages.end(), in_chain));
}

template <PipelineKind K>
constexpr auto chain_of() {
    std::array<Stage, chain_length(K)> out{};
    size_t n = 0;
    for (const auto& row : kStages)
        if (row.kinds & kind_bit(K)) out[n++] = row.stage;
    return out;
}

constexpr auto kEcsChain = chain_of<PipelineKind::ecs>();
constexpr auto kEc2Chain = chain_of<PipelineKind::ec2>();

}  // namespace

const StageInfo& stage_info(Stage s) { return kStages[static_cast<size_t>(s)]; }

std::string_view to_string(Stage s) { return stage_info(s).id; }

std::optional<Stage> stage_from_string(std::string_view id) {
    for (const auto& row : kStages)
        if (row.id == id) return row.stage;
    return std::nullopt;
}

std::ostream& operator<<(std::ostream& out, Stage s) { return out << to_string(s); }

std::span<const Stage> chain(PipelineKind kind) {
    if (kind == PipelineKind::ecs) return kEcsChain;
    return kEc2Chain;
}

size_t longest_chain() {
    size_t n = 0;
    for (PipelineKind kind : kPipelineKinds) n = std::max(n, chain(kind).size());
    return n;
}

}  // namespace shipwatch

#include "model/wait_judge.hpp"

#include <algorithm>
#include <regex>

#include <fmt/format.h>

namespace shipwatch {

bool is_definite_failure(VerdictCode code) {
    switch (code) {
        case VerdictCode::build_failed:
        case VerdictCode::image_missing:
        case VerdictCode::deploy_failing:
        case VerdictCode::deploy_rolled_back: return true;
        default: return false;
    }
}

PipelineSnapshot WaitJudge::focus(PipelineSnapshot snapshot) const {
    if (sha_.empty() || !snapshot.commits.value) return snapshot;
    auto& commits = *snapshot.commits.value;
    auto it = std::find_if(commits.begin(), commits.end(), [&](const Commit& c) { return c.sha.rfind(sha_, 0) == 0; });
    if (it != commits.end()) commits.erase(commits.begin(), it);
    return snapshot;
}

WaitOutcome WaitJudge::judge(const PipelineAnalysis& a) {
    const Diagnosis& d = a.diagnosis;
    change_.reset();
    sha_found_ = sha_.empty() || d.target_sha.rfind(sha_, 0) == 0;
    std::string stages;
    for (const auto& s : d.stages) stages += fmt::format("{}={} ", to_string(s.id), to_string(s.health));
    // Ages ("for 4m", "12s ago") move on every refresh; they are not a change worth a line.
    static const std::regex ages(R"(\b\d+[smhd](\d+[smh])?\b)");
    std::string key = fmt::format("{}|{}|{}", to_string(d.verdict.code), std::regex_replace(d.verdict.summary, ages, "#"), stages);
    if (key != last_key_) {
        change_ = fmt::format("{}: {} — {}", d.pipeline, to_string(d.verdict.code), d.verdict.summary);
        last_key_ = key;
    }
    if (!sha_found_) return WaitOutcome::waiting;  // the commit is not on the branch (yet)
    if (d.verdict.code == VerdictCode::live) return WaitOutcome::live;
    if (is_definite_failure(d.verdict.code)) return WaitOutcome::failed;
    return WaitOutcome::waiting;
}

}  // namespace shipwatch

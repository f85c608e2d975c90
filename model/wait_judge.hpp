// `shipwatch wait`: decides, refresh after refresh, whether a commit is live, has definitely
// failed, or is still on its way; and says what changed, one line at a time.
#pragma once

#include <optional>
#include <string>

#include "model/analysis.hpp"

namespace shipwatch {

enum class WaitOutcome { waiting, live, failed };

class WaitJudge {
public:
    // `sha`: the commit to wait for (full or 7+ prefix); empty means the newest on the branch.
    explicit WaitJudge(std::string sha = {}) : sha_(std::move(sha)) {}

    // Narrows a snapshot to the awaited commit: commits newer than it are dropped, so the
    // diagnosis judges that commit as "newest". Leaves the snapshot alone when sha is empty.
    PipelineSnapshot focus(PipelineSnapshot snapshot) const;

    WaitOutcome judge(const PipelineAnalysis& analysis);
    // The line to print when the state changed since the last judge(); nullopt when not.
    std::optional<std::string> change_line() const { return change_; }
    bool sha_found() const { return sha_found_; }

private:
    std::string sha_;
    bool sha_found_ = true;
    std::string last_key_;
    std::optional<std::string> change_;
};

// Verdicts that will not fix themselves while you wait.
bool is_definite_failure(VerdictCode code);

}  // namespace shipwatch

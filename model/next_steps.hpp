// What to do about a verdict: the read-only command that confirms it, then the command (or the
// console page) that would fix it, fitted to the service's deployment controller and to how the
// task definition names its image. Pure: shipwatch shows these and never runs any of them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/diagnosis.hpp"

namespace shipwatch {

enum class StepKind { confirm, fix };  // confirm: reads only; fix: changes the account or CI
std::string_view to_string(StepKind k);

struct NextStep {
    StepKind kind = StepKind::confirm;
    std::string why;  // one line: what the step shows or does
    std::string command;  // one shell line, every value quoted; empty when the step is a page or work elsewhere
    std::string console_url;  // the page that shows (or fixes) the same; empty when none
};

// The steps for `d`, judged on `s`: every confirm step before every fix step. A verdict whose
// stage names nothing actionable (live without an endpoint, ...) may have confirm steps only.
std::vector<NextStep> next_steps(const Diagnosis& d, const PipelineSnapshot& s);

// `word` as one POSIX shell word: bare when it holds only characters no shell treats specially,
// else single-quoted; a word with control characters is written $'...' with \xNN escapes, so a
// copied command means what it shows and a terminal never receives the raw byte.
std::string shell_quote(std::string_view word);

// The AWS console's host for a region: commercial, China or GovCloud partition.
std::string console_base(std::string_view region);

}  // namespace shipwatch

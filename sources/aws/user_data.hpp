// EC2 UserData: a fingerprint and the lines that install or start the application, so the
// instances pane can say "installed by UserData at first boot" with evidence.
#pragma once

#include <string>

#include "model/types.hpp"

namespace shipwatch {

// Sets inst.user_data_digest (sha256 hex) and inst.user_data_summary from the decoded script.
void summarize_user_data(const std::string& script, Instance& inst);

}  // namespace shipwatch

// `y`: the evidence under the cursor as a copy-ready JSON document, in the schema of
// `shipwatch check --json` (so a pasted snippet reads the same as the report), with the
// verdict's next steps.
#pragma once

#include <string>

#include "model/picture.hpp"
#include "tui/view_state.hpp"

namespace shipwatch::tui {

std::string evidence_json(const Picture& picture, const ViewState& state);

}  // namespace shipwatch::tui

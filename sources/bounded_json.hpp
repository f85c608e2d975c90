// JSON answers parsed within bounds (README "Bounds"). The byte bound of an answer (4 MiB) alone
// leaves ~110 MiB for parsing the worst 4 MiB body ("[{},{},...]": 1.4 million values at ~80 bytes
// each), so the parse also counts as it goes, in front of nlohmann's own DOM builder, and stops at
// the first array longer than any page an API gives, or at more values than any real answer has.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace shipwatch {

// The largest array a real answer carries: a FilterLogEvents page of 10,000 events (ECR pages are
// 1,000 images, ECS and GitHub pages 100).
inline constexpr size_t kMaxJsonArrayElements = 10'000;
// Every value of one answer (objects, arrays, members' values): a page of 10,000 log events is
// about 60,000, 100 GitHub runs about 30,000. Peak memory of a parse: about 20 MiB.
inline constexpr size_t kMaxJsonValues = 250'000;

struct BoundedJson {
    nlohmann::json value;  // discarded when `problem` is set or the text is not JSON
    std::string problem;  // past a bound: "an array of more than 10000 elements"
};

BoundedJson parse_bounded_json(std::string_view text, size_t max_array_elements = kMaxJsonArrayElements,
                               size_t max_values = kMaxJsonValues);

}  // namespace shipwatch

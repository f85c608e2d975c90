// What a parser insists on. The readers are lenient about members shipwatch can do without, but
// an answer missing a member the diagnosis rests on, or carrying a status value outside the
// documented set, is not guessed at: the fetch fails with a message naming the member and the
// value, so the stage shows `unknown` with that error instead of a verdict built on a guess.
// (A service that adds a new enum value is then visibly not understood, never silently green.)
#pragma once

#include <algorithm>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace shipwatch {

// Thrown inside a parser; the guarded wrappers turn it into an Error of kind parse.
struct UnexpectedAnswer : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// `what` names the member as the API does: "service.taskDefinition".
inline void require_present(bool present, std::string_view what) {
    if (!present) throw UnexpectedAnswer(fmt::format("{} is missing", what));
}

inline const std::string& require_nonempty(const std::string& value, std::string_view what) {
    require_present(!value.empty(), what);
    return value;
}

// `value` must be one of `allowed` ("" is allowed only when listed).
inline const std::string& require_one_of(const std::string& value, std::string_view what,
                                         std::initializer_list<std::string_view> allowed) {
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
        std::string list;
        for (auto a : allowed) {
            if (a.empty()) continue;
            if (!list.empty()) list += ", ";
            list += a;
        }
        if (value.empty()) throw UnexpectedAnswer(fmt::format("{} is missing (expected one of {})", what, list));
        throw UnexpectedAnswer(fmt::format("{} '{}' is not a value shipwatch knows ({})", what, value, list));
    }
    return value;
}

}  // namespace shipwatch

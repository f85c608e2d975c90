// What a parser insists on. The readers are lenient about members shipwatch can do without, but
// an answer missing a member the diagnosis rests on, or carrying a status value outside the
// documented set, is not guessed at: the fetch fails with a message naming the member and the
// value, so the stage shows `unknown` with that error instead of a verdict built on a guess.
// (A service that adds a new enum value is then visibly not understood, never silently green.)
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "model/aws_states.hpp"

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

// The list a refusal names: the table's texts in its order ("" rows, meaning absent, left out).
template <class V>
std::string listed_texts(std::span<const Spelling<V>> table) {
    std::string list;
    for (const auto& row : table) {
        if (row.text.empty()) continue;
        if (!list.empty()) list += ", ";
        list += row.text;
    }
    return list;
}

// `value` must be spelled in `table` ("" is allowed only when the table has a "" row); returns
// the value it means. The parse and this check read the same table.
template <class V>
const V& require_listed(std::span<const Spelling<V>> table, const std::string& value, std::string_view what) {
    if (const V* v = find_spelling(table, value)) return *v;
    const std::string list = listed_texts(table);
    if (value.empty()) throw UnexpectedAnswer(fmt::format("{} is missing (expected one of {})", what, list));
    throw UnexpectedAnswer(fmt::format("{} '{}' is not a value shipwatch knows ({})", what, value, list));
}

template <class V, size_t N>
const V& require_listed(const Spelling<V> (&table)[N], const std::string& value, std::string_view what) {
    return require_listed(std::span<const Spelling<V>>(table), value, what);
}

// A state member whose set is closed: refused (UnexpectedAnswer) unless its enum's table spells it.
template <class E>
ApiEnum<E> require_state(std::string value, std::string_view what) {
    require_listed(spellings(E{}), value, what);
    return ApiEnum<E>(std::move(value));
}

}  // namespace shipwatch

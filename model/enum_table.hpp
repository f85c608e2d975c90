// Descriptor tables keep one row per enum value at the value's index, so a lookup is an index
// and a missing or misplaced row fails the build (static_assert on rows_in_enum_order).
#pragma once

#include <cstddef>

namespace shipwatch {

template <typename Table, typename Key>
constexpr bool rows_in_enum_order(const Table& table, Key key) {
    for (size_t i = 0; i < table.size(); ++i)
        if (static_cast<size_t>(key(table[i])) != i) return false;
    return true;
}

}  // namespace shipwatch

#include "model/snapshot.hpp"

#include <fmt/format.h>

namespace shipwatch {

std::string describe(const FetchError& e) {
    std::string what = e.code.empty() ? e.message : (e.message.empty() ? e.code : e.code + ": " + e.message);
    return fmt::format("{}: {} (at {})", e.source, what, format_clock(e.time));
}

}  // namespace shipwatch

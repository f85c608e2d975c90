#include "http/answer_bounds.hpp"

namespace shipwatch {

bool BytesInFlight::take(size_t n) {
    size_t held = held_.load();
    do {
        if (n > limit_ || held > limit_ - n) return false;
    } while (!held_.compare_exchange_weak(held, held + n));
    return true;
}

BytesInFlight& BytesInFlight::process() {
    static BytesInFlight budget(kMaxBytesInFlight);
    return budget;
}

}  // namespace shipwatch

// The sanitiser (model/visible.hpp) and the stdout/stderr filter (base/visible_stream.hpp): for
// any bytes, what they write holds no hidden control (only the own colour sequences the filter
// is given), text without one passes unchanged, and the filter — fed in the chunks the first
// input byte chooses — writes the same as the sanitiser on the whole.
#include <cstdint>
#include <cstdlib>
#include <sstream>

#include "base/visible_stream.hpp"
#include "model/utf8.hpp"
#include "model/visible.hpp"

using namespace shipwatch;

namespace {

bool clean(std::string_view s, bool newlines_ok) {
    for (size_t pos = 0; pos < s.size();) {
        size_t start = pos;
        char32_t cp = utf8::next_codepoint(s, pos);
        if (cp == 0xFFFD && pos - start == 1) return false;  // not UTF-8 left raw
        if (cp == '\n' && newlines_ok) continue;
        if (is_hidden_control(cp)) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const size_t chunk = 1 + data[0] % 7;
    std::string input(reinterpret_cast<const char*>(data + 1), size - 1);

    std::string shown = visible(input);
    if (!clean(shown, false)) std::abort();
    if (clean(input, false) && shown != input) std::abort();
    if (!clean(visible(input, true), true)) std::abort();

    std::ostringstream sink;
    {
        VisibleStreambuf filter(sink.rdbuf());
        std::ostream os(&filter);
        for (size_t i = 0; i < input.size(); i += chunk) os << std::string_view(input).substr(i, chunk) << std::flush;
    }
    if (sink.str() != visible(input, true)) std::abort();

    std::string json = json_visible(input);
    for (size_t pos = 0; pos < json.size();) {
        size_t start = pos;
        char32_t cp = utf8::next_codepoint(json, pos);
        bool invalid = cp == 0xFFFD && pos - start == 1;
        if (!invalid && cp >= 0x7F && is_hidden_control(cp)) std::abort();
    }
    return 0;
}

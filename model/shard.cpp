#include "model/shard.hpp"

#include <charconv>

namespace shipwatch {

uint64_t fnv1a_64(std::string_view text) {
    uint64_t hash = 14695981039346656037ull;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    return hash;
}

int shard_of(std::string_view pipeline_name, int count) {
    return static_cast<int>(fnv1a_64(pipeline_name) % static_cast<uint64_t>(count)) + 1;
}

bool in_shard(std::string_view pipeline_name, const Shard& shard) {
    return shard.count <= 1 || shard_of(pipeline_name, shard.count) == shard.index;
}

std::optional<Shard> parse_shard(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    Shard s;
    auto read = [](std::string_view part, int& out) {
        auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
        return ec == std::errc() && end == part.data() + part.size();
    };
    if (!read(text.substr(0, slash), s.index) || !read(text.substr(slash + 1), s.count)) return std::nullopt;
    if (s.count < 1 || s.count > 1024 || s.index < 1 || s.index > s.count) return std::nullopt;
    return s;
}

}  // namespace shipwatch

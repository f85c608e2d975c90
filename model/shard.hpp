// Sharding a fleet across `shipwatch serve` processes: `--shard K/N` watches the pipelines whose
// name hashes to K. The hash is FNV-1a (64-bit) of the pipeline's name as configured, taken modulo
// N, plus one: stable across versions, machines and configuration order, so N processes given
// the same configuration split it without talking to each other (README "Sharding").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shipwatch {

struct Shard {
    int index = 1;  // 1..count
    int count = 1;
};

uint64_t fnv1a_64(std::string_view text);
int shard_of(std::string_view pipeline_name, int count);  // 1..count
bool in_shard(std::string_view pipeline_name, const Shard& shard);

// "2/3" -> {2, 3}; nullopt when it is not K/N with 1 <= K <= N <= 1024.
std::optional<Shard> parse_shard(std::string_view text);

}  // namespace shipwatch

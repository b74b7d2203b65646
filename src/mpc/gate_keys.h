#pragma once
// Helpers for gates' key records: dealer-side secret sharing and bit-packed share arrays
// (the same packing as the wire, so an n-bit share costs exactly n bits of key).
#include <cstdint>
#include <span>
#include <vector>

#include "core/bitpack.h"
#include "core/bytes.h"
#include "crypto/prg.h"

namespace fss {

// Elementwise loops in gates' eval run on OpenMP threads from this many elements up; below,
// starting a parallel region costs more than it saves.
inline constexpr int64_t kParallelElements = int64_t{1} << 15;

// Additive sharing mod 2^bits (XOR for bits = 1): share0 uniform, share1 = value - share0.
struct SharePair {
  std::vector<uint64_t> party[2];
};
SharePair share_values(SeededPrg& prg, std::span<const uint64_t> values, int bits);

void write_packed(ByteWriter& out, std::span<const uint64_t> values, int bits);
// Reads `count` values of `bits` bits written by write_packed. Throws kParse if truncated.
std::vector<uint64_t> read_packed(ByteReader& in, size_t count, int bits, const char* what);

}  // namespace fss

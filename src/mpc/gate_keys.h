#pragma once
// Helpers for gates' key records: dealer-side secret sharing and bit-packed share arrays
// (the same packing as the wire, so an n-bit share costs exactly n bits of key).
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "core/bitpack.h"
#include "core/bytes.h"
#include "core/words.h"
#include "crypto/prg.h"

namespace fss {

// Additive sharing mod 2^bits (XOR for bits = 1): share0 uniform, share1 = value - share0.
struct SharePair {
  std::vector<uint64_t> party[2];
};
SharePair share_values(SeededPrg& prg, std::span<const uint64_t> values, int bits);

void write_packed(ByteWriter& out, std::span<const uint64_t> values, int bits);
// Reads `count` values of `bits` bits written by write_packed. Throws kParse if truncated.
Words read_packed(ByteReader& in, size_t count, int bits, const char* what);

// Block-wise evaluation: a gate that reads its key fields as packed bytes and unpacks them block
// by block inside its own loop keeps the unpacked values in cache instead of writing and
// re-reading a vector of 8 bytes per element for each field.
inline constexpr size_t kBlockElements = 2048;  // a multiple of 8: blocks start on byte bounds

// The packed bytes of `count` values of `bits` bits written by write_packed, checked as
// read_packed checks them (kParse) but not unpacked.
std::span<const uint8_t> read_packed_bytes(ByteReader& in, size_t count, int bits,
                                           const char* what);
// The same bytes with their copy's address where the key is resident (ByteReader's
// device_address), for a backend to read them where they lie.
PackedValues read_packed_values(ByteReader& in, size_t count, int bits, const char* what);
// Values [first, first + out.size()) of such bytes; `first` a multiple of 8, and out.size() too
// unless the block ends the buffer.
void unpack_block(std::span<const uint8_t> packed, int bits, size_t first, std::span<uint64_t> out);

// Calls block(first, size) for the blocks [first, first + size) of kBlockElements (the last one
// shorter) that cover `count` elements, on OpenMP threads from kParallelElements elements up.
template <typename Block>
void for_each_block(size_t count, const Block& block) {
  const auto blocks = static_cast<int64_t>((count + kBlockElements - 1) / kBlockElements);
#pragma omp parallel for schedule(static) if (static_cast <int64_t>(count) >= kParallelElements)
  for (int64_t b = 0; b < blocks; ++b) {
    const size_t first = static_cast<size_t>(b) * kBlockElements;
    block(first, std::min(kBlockElements, count - first));
  }
}

}  // namespace fss

#pragma once
// Bit-packing of n-bit ring values: the wire format of every open. Value i occupies bits
// [i*n, (i+1)*n) of a little-endian bit stream (bit k is bit k%8 of byte k/8), so `count`
// values take exactly packed_bytes(count, n) = ceil(count*n / 8) bytes; the unused high bits
// of the last byte are zero. Packing and unpacking move 64-bit words, not single bits.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/hd.h"

namespace fss {

// ceil(count * n / 8). Throws kInvalidArgument unless 1 <= n <= 64.
size_t packed_bytes(size_t count, int n);

// Packs the low n bits of each value (higher bits are ignored). Throws kInvalidArgument if
// n is outside 1..64 or out.size() != packed_bytes(values.size(), n).
void pack(std::span<const uint64_t> values, int n, std::span<uint8_t> out);
std::vector<uint8_t> pack(std::span<const uint64_t> values, int n);

// Inverse of pack: out.size() values of n bits each. Throws kParse if bytes.size() !=
// packed_bytes(out.size(), n) or the padding bits of the last byte are not zero (a packed
// buffer has one valid encoding), kInvalidArgument if n is outside 1..64.
void unpack(std::span<const uint8_t> bytes, int n, std::span<uint64_t> out);
std::vector<uint64_t> unpack(std::span<const uint8_t> bytes, int n, size_t count);

// The checks of unpack without unpacking: throws kParse unless `bytes` holds exactly `count`
// values of n bits with zero padding.
void check_packed(std::span<const uint8_t> bytes, size_t count, int n);

// Values [first, first + out.size()) of a packed buffer of `n`-bit values, checked as unpack
// checks them; `first` a multiple of 8, and out.size() too unless the block ends the buffer.
void unpack_block(std::span<const uint8_t> packed, int n, size_t first, std::span<uint64_t> out);

// Packed values where they lie: the bytes, already checked against their count and width
// (check_packed), and `device`, their copy in GPU memory where the key record holding them is
// resident (nullptr otherwise).
struct PackedValues {
  std::span<const uint8_t> bytes;
  const uint8_t* device = nullptr;
};

// Value i of a packed buffer, 1 <= n <= 64, without unpack's checks: the caller has checked the
// buffer (check_packed) and i < its count. For one value at a time where the bytes lie, e.g. a
// GPU thread reading a key field in device memory; unpack is the faster way to unpack a whole
// buffer on the host.
FSS_HD uint64_t packed_value(const uint8_t* bytes, int n, uint64_t i) {
  const uint64_t first_bit = i * static_cast<uint64_t>(n);
  const uint8_t* at = bytes + first_bit / 8;
  const int shift = static_cast<int>(first_bit % 8);
  const int spanned = (shift + n + 7) / 8;  // bytes the value touches: 1..9
  uint64_t low = 0;
  for (int k = 0; k < spanned && k < 8; ++k) low |= static_cast<uint64_t>(at[k]) << (8 * k);
  uint64_t value = low >> shift;
  if (spanned == 9) value |= static_cast<uint64_t>(at[8]) << (64 - shift);  // shift >= 1 here
  return n == 64 ? value : value & ((uint64_t{1} << n) - 1);
}

// Bit i of packed one-bit values (the packing above at n = 1).
FSS_HD constexpr uint64_t packed_bit(const uint8_t* bits, uint64_t i) {
  return (bits[i / 8] >> (i % 8)) & 1;
}

}  // namespace fss

#pragma once
// Helpers for gates' key records: dealer-side secret sharing and bit-packed share arrays
// (the same packing as the wire, so an n-bit share costs exactly n bits of key).
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

// The packed bytes of `count` values of `bits` bits written by write_packed, checked as
// read_packed checks them (kParse) but not unpacked.
std::span<const uint8_t> read_packed_bytes(ByteReader& in, size_t count, int bits,
                                           const char* what);
// The same bytes with their copy's address where the key is resident (ByteReader's
// device_address), for a backend to read them where they lie.
PackedValues read_packed_values(ByteReader& in, size_t count, int bits, const char* what);

}  // namespace fss

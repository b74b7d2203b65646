#pragma once
// AES-128 encryption from lookup tables, written once for host and device: the GPU backend runs
// it with the tables in shared memory, host tests run it against AES-NI (aes.h), so both
// backends compute the same fixed-key PRG (PROTOCOLS.md §1). CPU hot paths keep AES-NI.
// State layout as aes.h: column c of the AES state is the little-endian 32-bit word c of the
// block (lo = columns 0 and 1, hi = columns 2 and 3). The tables are generated at compile time
// from the field arithmetic of FIPS-197, not typed in.
#include <cstdint>

#include "core/hd.h"
#include "crypto/block.h"

namespace fss::aes_table {

// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
FSS_HD constexpr uint8_t gf_mul(uint8_t a, uint8_t b) {
  uint8_t product = 0;
  for (int i = 0; i < 8; ++i) {
    if (b & 1) product ^= a;
    const bool carry = a & 0x80;
    a = static_cast<uint8_t>(a << 1);
    if (carry) a ^= 0x1b;
    b >>= 1;
  }
  return product;
}

FSS_HD constexpr uint8_t rotl8(uint8_t x, int s) {
  return static_cast<uint8_t>((x << s) | (x >> (8 - s)));
}

// SubBytes: the affine map of FIPS-197 §5.1.1 applied to the inverse x^254 (0 maps to 0).
FSS_HD constexpr uint8_t sbox(uint8_t x) {
  uint8_t inverse = 1;  // x^254 by square-and-multiply over the bits of 254 = 0b11111110
  for (int bit = 7; bit >= 0; --bit) {
    inverse = gf_mul(inverse, inverse);
    if ((254 >> bit) & 1) inverse = gf_mul(inverse, x);
  }
  return inverse ^ rotl8(inverse, 1) ^ rotl8(inverse, 2) ^ rotl8(inverse, 3) ^ rotl8(inverse, 4) ^
         0x63;
}

FSS_HD constexpr uint32_t rotl32(uint32_t x, int s) {
  return s == 0 ? x : (x << s) | (x >> (32 - s));
}

// te[r][x]: the column that input byte x in row r contributes after SubBytes and MixColumns,
// i.e. S(x) times column r of the MixColumns matrix. te[r] is te[0] rotated by 8r bits.
struct Tables {
  uint32_t te[4][256];
};

constexpr Tables make_tables() {
  Tables t{};
  for (int x = 0; x < 256; ++x) {
    const uint8_t s = sbox(static_cast<uint8_t>(x));
    const uint32_t column0 = uint32_t{gf_mul(s, 2)} | uint32_t{s} << 8 | uint32_t{s} << 16 |
                             uint32_t{gf_mul(s, 3)} << 24;
    for (int r = 0; r < 4; ++r) t.te[r][x] = rotl32(column0, 8 * r);
  }
  return t;
}

inline constexpr Tables kTables = make_tables();

FSS_HD constexpr uint32_t column(Block b, int c) {
  return static_cast<uint32_t>((c < 2 ? b.lo : b.hi) >> (32 * (c & 1)));
}
FSS_HD constexpr Block from_columns(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3) {
  return {uint64_t{c0} | uint64_t{c1} << 32, uint64_t{c2} | uint64_t{c3} << 32};
}
FSS_HD constexpr uint32_t byte_of(uint32_t word, int k) { return (word >> (8 * k)) & 0xff; }

// AES_k(in) for the 11 round keys `round_keys` (Aes128::round_keys()). `lookup.te(r, x)` must
// return kTables.te[r][x]; where the tables live (shared memory, replicated per bank, host
// arrays) is the lookup's business. The last round takes S(x) from the bytes of te[0] that
// hold it unmultiplied, so no separate S-box table is needed.
template <typename Lookup>
FSS_HD Block encrypt(const Lookup& lookup, const Block* round_keys, Block in) {
  const Block k0 = round_keys[0];
  uint32_t s0 = column(in, 0) ^ column(k0, 0), s1 = column(in, 1) ^ column(k0, 1);
  uint32_t s2 = column(in, 2) ^ column(k0, 2), s3 = column(in, 3) ^ column(k0, 3);
  // Output column c takes row r from input column c + r (ShiftRows).
  const auto mix = [&](uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    return lookup.te(0, byte_of(a, 0)) ^ lookup.te(1, byte_of(b, 1)) ^ lookup.te(2, byte_of(c, 2)) ^
           lookup.te(3, byte_of(d, 3));
  };
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int round = 1; round < 10; ++round) {
    const Block k = round_keys[round];
    const uint32_t t0 = mix(s0, s1, s2, s3) ^ column(k, 0);
    const uint32_t t1 = mix(s1, s2, s3, s0) ^ column(k, 1);
    const uint32_t t2 = mix(s2, s3, s0, s1) ^ column(k, 2);
    const uint32_t t3 = mix(s3, s0, s1, s2) ^ column(k, 3);
    s0 = t0, s1 = t1, s2 = t2, s3 = t3;
  }
  // te[0][x] = (2 S(x), S(x), S(x), 3 S(x)) byte by byte: S(x) sits in bytes 1 and 2.
  const auto sub_shift = [&](uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    return ((lookup.te(0, byte_of(a, 0)) >> 8) & 0x000000ffu) |
           (lookup.te(0, byte_of(b, 1)) & 0x0000ff00u) |
           (lookup.te(0, byte_of(c, 2)) & 0x00ff0000u) |
           ((lookup.te(0, byte_of(d, 3)) << 8) & 0xff000000u);
  };
  const Block k10 = round_keys[10];
  return from_columns(
      sub_shift(s0, s1, s2, s3) ^ column(k10, 0), sub_shift(s1, s2, s3, s0) ^ column(k10, 1),
      sub_shift(s2, s3, s0, s1) ^ column(k10, 2), sub_shift(s3, s0, s1, s2) ^ column(k10, 3));
}

// Lookup straight from kTables (host code and tests).
struct HostLookup {
  uint32_t te(int r, uint32_t x) const { return kTables.te[r][x]; }
};

}  // namespace fss::aes_table

#pragma once
// Arithmetic in Z_{2^n} for any n in [1, 64]; values live in uint64_t. Functions marked FSS_HD
// run on host and device. Signed values are two's complement in n bits (PROTOCOLS.md §0).
#include <cstdint>

#include "core/hd.h"

namespace fss {

struct Ring {
  int n;  // bit-width, 1..64

  FSS_HD constexpr uint64_t mask() const { return n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1; }
  // x mod 2^n.
  FSS_HD constexpr uint64_t mod(uint64_t x) const { return x & mask(); }
  FSS_HD constexpr uint64_t add(uint64_t a, uint64_t b) const { return mod(a + b); }
  FSS_HD constexpr uint64_t sub(uint64_t a, uint64_t b) const { return mod(a - b); }
  FSS_HD constexpr uint64_t mul(uint64_t a, uint64_t b) const { return mod(a * b); }
  FSS_HD constexpr uint64_t neg(uint64_t a) const { return mod(uint64_t{0} - a); }
  // Most significant bit of x as an n-bit value.
  FSS_HD constexpr uint64_t msb(uint64_t x) const { return (x >> (n - 1)) & 1; }
  // Interprets the low n bits of x as signed and extends to 64 bits.
  FSS_HD constexpr int64_t to_signed(uint64_t x) const {
    return n >= 64 ? static_cast<int64_t>(x)
                   : static_cast<int64_t>(mod(x) << (64 - n)) >> (64 - n);
  }
  // Reduces a signed 64-bit value into the ring.
  FSS_HD constexpr uint64_t from_signed(int64_t v) const { return mod(static_cast<uint64_t>(v)); }
  // Logical right shift of the n-bit value: LRS_{n,f}.
  FSS_HD constexpr uint64_t lrs(uint64_t x, int f) const { return f >= 64 ? 0 : mod(x) >> f; }
  // Arithmetic right shift of the n-bit value, result in Z_{2^n}: ARS_{n,f}.
  FSS_HD constexpr uint64_t ars(uint64_t x, int f) const {
    return from_signed(to_signed(x) >> (f >= 64 ? 63 : f));
  }
  // Truncate-reduce: LRS_{n,f}(x) mod 2^{n-f}, a value of the ring Z_{2^{n-f}}.
  FSS_HD constexpr uint64_t truncate_reduce(uint64_t x, int f) const { return lrs(x, f); }
};

// Sign-extends an m-bit value to the n-bit ring (m <= n).
FSS_HD constexpr uint64_t sign_extend(uint64_t x, int m, int n) {
  return Ring{n}.from_signed(Ring{m}.to_signed(x));
}

}  // namespace fss

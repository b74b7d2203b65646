#pragma once
// Fixed-point encoding of reals in Z_{2^n} (PROTOCOLS.md §0): v is represented by the signed
// n-bit integer round(v * 2^f), stored two's complement in the low n bits of a uint64_t.
#include <cstdint>
#include <string>

#include "core/ring.h"

namespace fss {

struct FixedPoint {
  int n;  // ring bit-width, 1..64
  int f;  // fractional bits, 0 <= f < n

  Ring ring() const { return Ring{n}; }

  // Throws kInvalidArgument unless 1 <= n <= 64 and 0 <= f < n.
  void validate() const;

  // round(v * 2^f) reduced into Z_{2^n}. Ties round away from zero (0.5 ulp -> 1, -0.5 -> -1),
  // as std::round does. Throws kInvalidArgument (naming v) if v is not finite or the rounded
  // value lies outside the signed n-bit range [-2^(n-1), 2^(n-1)); values never wrap silently.
  uint64_t encode(double v) const;

  // The real represented by the low n bits of x: to_signed(x) / 2^f. Exact while
  // |to_signed(x)| < 2^53; beyond that the nearest double.
  double decode(uint64_t x) const;

  std::string to_string() const;  // "n=37, f=12"
  bool operator==(const FixedPoint&) const = default;
};

}  // namespace fss

#include "core/fixed_point.h"

#include <cmath>

#include "core/error.h"

namespace fss {

void FixedPoint::validate() const {
  if (n < 1 || n > 64 || f < 0 || f >= n)
    fail(ErrorKind::kInvalidArgument, "fixed point {}: need 1 <= n <= 64 and 0 <= f < n",
         to_string());
}

uint64_t FixedPoint::encode(double v) const {
  validate();
  const double scaled = std::round(std::ldexp(v, f));
  // Both bounds are powers of two, exact in double; NaN fails the comparison too.
  const double lower = -std::ldexp(1.0, n - 1);
  const double upper = std::ldexp(1.0, n - 1);
  if (!(scaled >= lower && scaled < upper))
    fail(ErrorKind::kInvalidArgument,
         "fixed point {}: value {} is out of range (representable: [{}, {}))", to_string(), v,
         std::ldexp(lower, -f), std::ldexp(upper, -f));
  return ring().from_signed(static_cast<int64_t>(scaled));
}

double FixedPoint::decode(uint64_t x) const {
  validate();
  return std::ldexp(static_cast<double>(ring().to_signed(x)), -f);
}

std::string FixedPoint::to_string() const { return fmt::format("n={}, f={}", n, f); }

}  // namespace fss

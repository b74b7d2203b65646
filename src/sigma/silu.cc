#include "sigma/silu.h"

#include <cmath>

namespace fss::sigma {

EvenCorrection silu_correction(FixedPoint format) {
  EvenCorrection correction{.name = "silu", .lut_bits = 10, .frac_bits = 7, .table = {}};
  const double scale = std::ldexp(1.0, format.f);
  for (int c = 0; c < 1024; ++c) {
    const double v = std::ldexp(c, -7);
    correction.table.push_back(
        format.ring().mod(static_cast<uint64_t>(std::floor(v / (1 + std::exp(v)) * scale))));
  }
  return correction;
}

Shared silu(Engine& engine, const Masked& x) {
  return relu_minus_even_correction(engine, x, silu_correction(x.value.fixed_point()));
}

}  // namespace fss::sigma

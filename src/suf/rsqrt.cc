#include "suf/rsqrt.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "suf/builders.h"
#include "suf/compiled_once.h"

namespace fss::suf {

SufSpec rec_sqrt_spec(FixedPoint format, const RecSqrtParams& params, int bits) {
  format.validate();
  const int n = format.n;
  const int f_out = params.output_frac_bits;
  if (n < 3 || f_out < 0 || f_out >= n || !(params.divisor > 0) || !std::isfinite(params.divisor))
    fail(ErrorKind::kInvalidArgument,
         "suf rec_sqrt: needs n >= 3, 0 <= f_out < n, finite d > 0; got n = {}, f_out = {}, d = {}",
         n, f_out, params.divisor);
  if (bits < 5 || bits > 12)
    fail(ErrorKind::kInvalidArgument, "suf rec_sqrt: bits = {} outside 5..12", bits);
  const int width = n - 1;
  const double numerator = std::ldexp(1.0, 2 * f_out) * params.divisor * std::ldexp(1.0, format.f);
  const double clip = std::ldexp(1.0, n - 1) - 1;
  const auto g = [&](uint64_t x) {
    return std::min(clip, std::sqrt(numerator / static_cast<double>(std::max<uint64_t>(x, 1))));
  };
  // 2^{bits-3} steps per octave of x: the output moves by 2^{-1/2} per octave. (The evaluation
  // costs about 1500 PRG calls per step at n = 50, the error halves per step doubling.)
  const double tolerance = std::ldexp(1.0, -(bits - 2));
  const std::vector<Step> steps =
      monotone_steps(g, 0, Ring{width}.mask(), tolerance, /*relative=*/true);
  return stepped_spec(fmt::format("rsqrt{}", bits), format, width, f_out, steps);
}

const SufGate& rec_sqrt_gate(FixedPoint format, const RecSqrtParams& params, int bits) {
  return compiled_once(
      fmt::format("rsqrt {} f_out={} d={} bits={}", format.to_string(), params.output_frac_bits,
                  params.divisor, bits),
      [&] { return SufGate(rec_sqrt_spec(format, params, bits), GateKind::kSufRsqrt); });
}

Shared rec_sqrt(Engine& engine, const Masked& x, const RecSqrtParams& params, int bits) {
  return engine.apply(rec_sqrt_gate(x.value.fixed_point(), params, bits), x);
}

}  // namespace fss::suf

#include "sigma/gelu.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "mpc/lut.h"
#include "mpc/select.h"
#include "mpc/select_lin.h"
#include "mpc/truncate_reduce.h"
#include "sigma/broadcast.h"
#include "sigma/drelu.h"

namespace fss::sigma {
namespace {

// |v| Phi(-|v|) = ReLU(v) - GeLU(v) for the standard normal CDF Phi.
double gelu_delta(double v) { return 0.5 * std::abs(v) * std::erfc(std::abs(v) / std::sqrt(2.0)); }

}  // namespace

std::string activation_open_label(const EvenCorrection& correction, const char* step) {
  return fmt::format("{}: {}", correction.name, step);
}

Shared relu_minus_even_correction(Engine& engine, const Masked& x,
                                  const EvenCorrection& correction) {
  const FixedPoint format = x.value.fixed_point();
  const int n = format.n, f = format.f;
  const int k = correction.lut_bits, q = correction.frac_bits;
  const int m = n - f + 1;
  const int reduced_bits = m - (f - q);  // m'
  if (q < 0 || q >= f || k < 1 || 2 * f > n || reduced_bits < k + 2)
    fail(ErrorKind::kInvalidArgument,
         "{}: needs 0 <= q < f, n >= 2f and m' = n - 2f + 1 + q >= k + 2; got n = {}, f = {}, "
         "k = {}, q = {} (m' = {})",
         correction.name, n, f, k, q, reduced_bits);
  const uint64_t clip = (uint64_t{1} << k) - 1;

  // 1. y = floor(x / 2^{f-q}) in m' bits.
  const TruncateReduceGate truncate(FixedPoint{m, f}, f - q);
  const Masked y = engine.open(engine.apply(truncate, low_bits(x, {m, f})),
                               activation_open_label(correction, "truncated input"));
  const FixedPoint y_format = y.value.fixed_point();

  // 2. d = 1{y >= 0}; i = 1{y >= -clip} ^ 1{y >= clip + 1} = 1{|y| <= clip}.
  const DreluGate drelu(y_format, reduced_bits,
                        {0, static_cast<int64_t>(clip), -static_cast<int64_t>(clip + 1)});
  const Masked* drelu_input[] = {&y};
  const std::vector<Shared> bits = engine.apply(drelu, drelu_input);
  const Shared in_range = add(bits[1], bits[2]);
  const Shared* sign_and_range[] = {&bits[0], &in_range};
  const std::vector<Masked> opened = open_together(
      engine, sign_and_range, activation_open_label(correction, "sign and range bits"));
  const Masked& d = opened[0];
  const Masked& i = opened[1];

  // 3. c = i ? (d ? y : -y) : clip, in k bits.
  const Masked y_low = low_bits(y, {k, std::min(q, k - 1)});
  const SelectLinGate clip_abs(y_low.value.fixed_point(), {0, 0, -1, 1},
                               {static_cast<int64_t>(clip), static_cast<int64_t>(clip), 0, 0});
  const Masked* select_lin_inputs[] = {&i, &d, &y_low};
  const Masked c = engine.open(std::move(engine.apply(clip_abs, select_lin_inputs).at(0)),
                               activation_open_label(correction, "clipped magnitude"));

  // 4. ReLU(x) - T[c].
  const LutGate lut(correction.name + "_delta", c.value.fixed_point(), format, correction.table);
  return sub(engine.apply(SelectGate(format), d, x), engine.apply(lut, c));
}

EvenCorrection gelu_correction(FixedPoint format) {
  EvenCorrection correction{.name = "gelu", .lut_bits = 8, .frac_bits = 6, .table = {}};
  const double scale = std::ldexp(1.0, format.f);
  for (int c = 0; c < 256; ++c)
    correction.table.push_back(format.ring().mod(
        static_cast<uint64_t>(std::floor(gelu_delta(std::ldexp(c, -6)) * scale))));
  return correction;
}

Shared gelu(Engine& engine, const Masked& x) {
  return relu_minus_even_correction(engine, x, gelu_correction(x.value.fixed_point()));
}

}  // namespace fss::sigma

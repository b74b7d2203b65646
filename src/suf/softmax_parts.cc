#include "suf/softmax_parts.h"

#include <fmt/format.h>

#include <bit>
#include <cmath>

#include "core/error.h"
#include "suf/builders.h"

namespace fss::suf {
namespace {

void require_bits(const char* what, int bits, int lowest, int highest) {
  if (bits < lowest || bits > highest)
    fail(ErrorKind::kInvalidArgument, "{}: bits = {} outside {}..{}", what, bits, lowest, highest);
}

}  // namespace

SufSpec nexp_spec(FixedPoint format, int bits) {
  format.validate();
  const int n = format.n, f = format.f;
  if (f < 1 || f > 20 || n < f + 6)
    fail(ErrorKind::kInvalidArgument,
         "suf nexp: needs 1 <= f <= 20 and n >= f + 6; got n = {}, f = {}", n, f);
  require_bits("suf nexp", bits, 1, 12);
  const int width = n - f + 1;
  const double scale = std::ldexp(1.0, f);
  const auto g = [&](uint64_t x) { return scale * std::exp(-static_cast<double>(x) / scale); };
  const uint64_t last = Ring{width}.mask();
  // From the first x where e^{-x} rounds to 0 on, the output is exactly 0 (as SIGMA's clip), so a
  // row's far entries add nothing to the softmax denominator.
  uint64_t zero = static_cast<uint64_t>(scale * std::log(2 * scale));
  while (g(zero) >= 0.5) ++zero;
  while (zero > 0 && g(zero - 1) < 0.5) --zero;
  const bool zero_tail = zero <= last;
  const uint64_t fitted_last = zero_tail ? zero - 1 : last;
  std::vector<Step> steps =
      fit_step_count([&](double tolerance) { return monotone_steps(g, 0, fitted_last, tolerance); },
                     scale, (1 << bits) - (zero_tail ? 1 : 0));
  if (zero_tail) steps.push_back({zero, last, 0, 0});
  return stepped_spec(fmt::format("nexp{}", bits), format, width, f, steps);
}

SufGate nexp_gate(FixedPoint format, int bits) {
  return SufGate(nexp_spec(format, bits), GateKind::kSufNexp);
}

Shared nexp(Engine& engine, const Masked& x, int bits) {
  return engine.apply(nexp_gate(x.value.fixed_point(), bits), x);
}

SufSpec reciprocal_spec(FixedPoint format, int64_t k, int bits) {
  format.validate();
  const int n = format.n, f = format.f;
  if (k < 1 || f < 3)
    fail(ErrorKind::kInvalidArgument,
         "suf softmax_reciprocal: needs k >= 1 and f >= 3; got k = {}, f = {}", k, f);
  const int p = f + std::bit_width(static_cast<uint64_t>(k));  // f + ceil(log2(k + 1))
  if (p > n || f + 3 > n)
    fail(ErrorKind::kInvalidArgument,
         "suf softmax_reciprocal: k = {} needs p = {} <= n = {} and f + 3 <= n", k, p, n);
  require_bits("suf softmax_reciprocal", bits, 2, 12);
  const double scale = std::ldexp(1.0, f);
  // Below z = 7/8 the result stays 8/7: a sum of nExp values whose largest term rounds below 1
  // stays in the fitted range, and the fit spends no steps on sums that cannot occur.
  const uint64_t lowest = uint64_t{7} << (f - 3);
  const auto g = [&](uint64_t z) { return scale * scale / static_cast<double>(z); };
  const uint64_t last = Ring{p}.mask();
  std::vector<Step> steps = {{0, lowest - 1, g(lowest), g(lowest)}};
  const std::vector<Step> fitted =
      fit_step_count([&](double tolerance) { return monotone_steps(g, lowest, last, tolerance); },
                     g(lowest), (1 << bits) - 1);
  steps.insert(steps.end(), fitted.begin(), fitted.end());
  return stepped_spec(fmt::format("reciprocal{}", bits), format, p, f, steps);
}

SufGate reciprocal_gate(FixedPoint format, int64_t k, int bits) {
  return SufGate(reciprocal_spec(format, k, bits), GateKind::kSufReciprocal);
}

Shared softmax_reciprocal(Engine& engine, const Masked& z, int64_t k, int bits) {
  return engine.apply(reciprocal_gate(z.value.fixed_point(), k, bits), z);
}

}  // namespace fss::suf

#include "suf/activations.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "core/error.h"
#include "suf/step_fit.h"

namespace fss::suf {
namespace {

// ReLU(x) - steps of delta on [-B, B) (activations.h), for act of real x.
SufSpec relu_minus_steps_spec(const std::string& name, FixedPoint format, int intervals,
                              const std::function<double(double)>& act) {
  format.validate();
  const int n = format.n, f = format.f;
  const int width = n - f + 1;
  if (f < 1 || width < f + 4)
    fail(ErrorKind::kInvalidArgument,
         "suf {}: needs f >= 1 and w = n - f + 1 >= f + 4; got n = {}, f = {}", name, n, f);
  if (intervals < 2 || intervals > (1 << 16))
    fail(ErrorKind::kInvalidArgument, "suf {}: intervals = {} outside 2..65536", name, intervals);
  const double scale = std::ldexp(1.0, f);
  const auto delta_ulps = [&](double x) { return (std::max(x, 0.0) - act(x)) * scale; };
  int bound_bits = 0;  // B = 2^bound_bits
  while (bound_bits + f < width - 2 && (std::abs(delta_ulps(std::ldexp(1.0, bound_bits))) >= 0.5 ||
                                        std::abs(delta_ulps(-std::ldexp(1.0, bound_bits))) >= 0.5))
    ++bound_bits;
  const int64_t bound = int64_t{1} << (bound_bits + f);  // B in raw units

  // The output's constant term on each side: act(x) 2^f - [x >= 0] x = -delta(x) 2^f.
  std::vector<double> negative(bound), positive(bound);
  for (int64_t i = 0; i < bound; ++i) {
    negative[i] = -delta_ulps(static_cast<double>(i - bound) / scale);
    positive[i] = -delta_ulps(static_cast<double>(i) / scale);
  }
  const Ring view{width};
  const uint64_t negative_start = view.from_signed(-bound);
  const auto fit = [&](double tolerance) {
    std::vector<Step> steps = tabulated_steps(positive, 0, tolerance);
    const std::vector<Step> below = tabulated_steps(negative, negative_start, tolerance);
    steps.insert(steps.end(), below.begin(), below.end());
    return steps;
  };
  double span = 0;
  for (double v : negative) span = std::max(span, std::abs(v));
  for (double v : positive) span = std::max(span, std::abs(v));
  const std::vector<Step> steps = fit_step_count(fit, 2 * span, intervals);

  SufSpec spec;
  spec.name = fmt::format("{}{}", name, intervals);
  spec.input = format;
  spec.effective_width = width;
  spec.output_f = f;
  spec.degree = 1;
  spec.outputs = 1;
  const Ring ring = format.ring();
  const auto piece = [&](uint64_t start, int64_t c0, uint64_t c1) {
    spec.starts.push_back(start);
    spec.coefficients.push_back({{ring.from_signed(c0), c1}});
  };
  // View order: [0, B) steps, x on [B, 2^{w-1}), 0 on [2^{w-1}, 2^w - B), then [-B, 0) steps.
  for (const Step& step : steps)
    if (step.first < static_cast<uint64_t>(bound)) piece(step.first, step.value(), 1);
  piece(static_cast<uint64_t>(bound), 0, 1);
  piece(uint64_t{1} << (width - 1), 0, 0);
  for (const Step& step : steps)
    if (step.first >= negative_start) piece(step.first, step.value(), 0);
  validate(spec);
  return spec;
}

double gelu_real(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }
double silu_real(double x) { return x / (1.0 + std::exp(-x)); }

}  // namespace

SufSpec gelu_spec(FixedPoint format, int intervals) {
  return relu_minus_steps_spec("gelu", format, intervals, gelu_real);
}

SufSpec silu_spec(FixedPoint format, int intervals) {
  return relu_minus_steps_spec("silu", format, intervals, silu_real);
}

SufGate gelu_gate(FixedPoint format, int intervals) {
  return SufGate(gelu_spec(format, intervals), GateKind::kSufActivation);
}

SufGate silu_gate(FixedPoint format, int intervals) {
  return SufGate(silu_spec(format, intervals), GateKind::kSufActivation);
}

Shared gelu(Engine& engine, const Masked& x, int intervals) {
  return engine.apply(gelu_gate(x.value.fixed_point(), intervals), x);
}

Shared silu(Engine& engine, const Masked& x, int intervals) {
  return engine.apply(silu_gate(x.value.fixed_point(), intervals), x);
}

}  // namespace fss::suf

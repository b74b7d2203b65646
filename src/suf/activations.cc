#include "suf/activations.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <string>

#include "core/error.h"
#include "mpc/lut.h"
#include "mpc/masked_ops.h"
#include "mpc/select.h"
#include "mpc/select_lin.h"
#include "suf/compiled_once.h"
#include "suf/step_fit.h"
#include "suf/truncated_view.h"

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

// k for a truncated-view GeLU table of `entries` = 2^k cells; throws unless 4 <= entries <= 2^12.
int table_bits(int entries) {
  if (entries < 4 || entries > (1 << 12) || !std::has_single_bit(static_cast<unsigned>(entries)))
    fail(ErrorKind::kInvalidArgument,
         "suf gelu: the table size {} is not a power of two in 4..4096", entries);
  return std::bit_width(static_cast<unsigned>(entries)) - 1;
}
double silu_real(double x) { return x / (1.0 + std::exp(-x)); }

}  // namespace

SufSpec gelu_spec(FixedPoint format, int intervals) {
  return relu_minus_steps_spec("gelu", format, intervals, gelu_real);
}

SufSpec silu_spec(FixedPoint format, int intervals) {
  return relu_minus_steps_spec("silu", format, intervals, silu_real);
}

const SufGate& gelu_gate(FixedPoint format, int intervals) {
  return compiled_once(fmt::format("gelu {} intervals={}", format.to_string(), intervals), [&] {
    return SufGate(gelu_spec(format, intervals), GateKind::kSufActivation);
  });
}

const SufGate& silu_gate(FixedPoint format, int intervals) {
  return compiled_once(fmt::format("silu {} intervals={}", format.to_string(), intervals), [&] {
    return SufGate(silu_spec(format, intervals), GateKind::kSufActivation);
  });
}

SufSpec sign_range_spec(FixedPoint z_format) {
  z_format.validate();
  const int n = z_format.n;
  if (n < 2 || z_format.f != 0)
    fail(ErrorKind::kInvalidArgument,
         "suf gelu_sign_range: needs an integer input of n >= 2 bits; got {}",
         z_format.to_string());
  SufSpec spec;
  spec.name = "gelu_sign_range";
  spec.input = z_format;
  spec.starts = {0};
  spec.coefficients = {{}};
  std::vector<BoolNode>& nodes = spec.bool_nodes;
  const int sign = add_not(nodes, add_msb(nodes));
  // z in {0, -1}: below 1, or at least 2^n - 1 (unsigned).
  const int in_range =
      add_xor(nodes, add_less(nodes, 1), add_not(nodes, add_less(nodes, z_format.ring().mask())));
  spec.bool_outputs = {sign, in_range};
  validate(spec);
  return spec;
}

SufGate sign_range_gate(FixedPoint z_format) {
  return SufGate(sign_range_spec(z_format), GateKind::kSufSignRange);
}

std::vector<uint64_t> gelu_cell_table(FixedPoint format, int entries) {
  const int q = table_bits(entries) - 2;
  std::vector<uint64_t> table(entries);
  for (int c = 0; c < entries; ++c) {
    const double v = std::ldexp(c + 0.5, -q);
    table[c] =
        format.ring().from_signed(std::llround((v - gelu_real(v)) * std::ldexp(1.0, format.f)));
  }
  return table;
}

Shared gelu(Engine& engine, const Masked& x, int entries) {
  const FixedPoint format = x.value.fixed_point();
  const int n = format.n, f = format.f;
  const int k = table_bits(entries);
  const int q = k - 2;
  if (f < k - 1 || n < 2 * f + 3)
    fail(ErrorKind::kInvalidArgument,
         "suf gelu: a table of 2^{} entries needs f >= {} and n >= 2f + 3; got n = {}, f = {}", k,
         k - 1, n, f);
  const int width = n - f + 1;
  const uint64_t clip = static_cast<uint64_t>(entries) - 1;

  // 1-2. y = floor(x / 2^{f-q}) and z = floor(y / 2^k), each opened under a fresh mask.
  const TruncatedViews views = truncated_views(engine, x, width, f - q, k, "suf gelu");
  const Masked& y = views.fine;
  const Masked& z = views.coarse;

  // 3. d = 1{x >= 0}, i = 1{-2^k <= y < 2^k}.
  const Masked* range_input[] = {&z};
  const std::vector<Shared> bits =
      engine.apply(sign_range_gate(z.value.fixed_point()), range_input);
  const Shared* to_open[] = {&bits[0], &bits[1]};
  const std::vector<Masked> opened =
      open_together(engine, to_open, "suf gelu: sign and range bits");
  const Masked& d = opened[0];
  const Masked& i = opened[1];

  // 4. c = i ? (d ? y : -y - 1) : 2^k - 1, in k bits; j = 2 i + d indexes alpha and beta.
  const Masked y_low = low_bits(y, {k, 0});
  const SelectLinGate cell(y_low.value.fixed_point(), {0, 0, -1, 1},
                           {static_cast<int64_t>(clip), static_cast<int64_t>(clip), -1, 0});
  const Masked* cell_inputs[] = {&i, &d, &y_low};
  const Masked c =
      engine.open(std::move(engine.apply(cell, cell_inputs).at(0)), "suf gelu: magnitude cell");

  // 5. ReLU(x) - T[c].
  const LutGate table("suf_gelu_delta", c.value.fixed_point(), format,
                      gelu_cell_table(format, entries));
  return sub(engine.apply(SelectGate(format), d, x), engine.apply(table, c));
}

Shared silu(Engine& engine, const Masked& x, int intervals) {
  return engine.apply(silu_gate(x.value.fixed_point(), intervals), x);
}

}  // namespace fss::suf

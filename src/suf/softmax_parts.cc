#include "suf/softmax_parts.h"

#include <fmt/format.h>

#include <bit>
#include <cmath>

#include "core/error.h"
#include "mpc/lut.h"
#include "mpc/masked_ops.h"
#include "mpc/select.h"
#include "suf/builders.h"
#include "suf/compiled_once.h"
#include "suf/truncated_view.h"

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

const SufGate& nexp_gate(FixedPoint format, int bits) {
  return compiled_once(fmt::format("nexp {} bits={}", format.to_string(), bits),
                       [&] { return SufGate(nexp_spec(format, bits), GateKind::kSufNexp); });
}

SufSpec nexp_clip_spec(FixedPoint z_format) {
  z_format.validate();
  if (z_format.f != 0)
    fail(ErrorKind::kInvalidArgument, "suf nexp_clip: needs an integer input; got {}",
         z_format.to_string());
  SufSpec spec;
  spec.name = "nexp_clip";
  spec.input = z_format;
  spec.starts = {0};
  spec.coefficients = {{}};
  spec.bool_outputs = {add_less(spec.bool_nodes, 1)};
  validate(spec);
  return spec;
}

SufGate nexp_clip_gate(FixedPoint z_format) {
  return SufGate(nexp_clip_spec(z_format), GateKind::kSufClipBit);
}

std::vector<uint64_t> nexp_cell_table(FixedPoint format, int bits) {
  require_bits("suf nexp", bits, 3, LutGate::kMaxInputBits);
  const int q = bits - 3;
  std::vector<uint64_t> table(size_t{1} << bits, 0);  // the last cell stays 0
  for (size_t c = 0; c + 1 < table.size(); ++c)
    table[c] = static_cast<uint64_t>(std::llround(
        std::exp(-std::ldexp(static_cast<double>(c) + 0.5, -q)) * std::ldexp(1.0, format.f)));
  return table;
}

Shared nexp(Engine& engine, const Masked& x, int bits) {
  const FixedPoint format = x.value.fixed_point();
  const int n = format.n, f = format.f;
  if (bits < 3 || bits > f + 2 || f > 12 || n < 2 * f + 3)
    fail(ErrorKind::kInvalidArgument,
         "suf nexp: needs 3 <= bits <= f + 2, f <= 12 and n >= 2f + 3; got n = {}, f = {}, "
         "bits = {}",
         n, f, bits);
  const int q = bits - 3;
  const uint64_t clip = (uint64_t{1} << bits) - 1;

  // 1-2. y = floor(x / 2^{f-q}), z = floor(y / 2^bits); 3. z < 1 iff x < 8.
  const TruncatedViews views = truncated_views(engine, x, n - f + 1, f - q, bits, "suf nexp");
  const Masked below =
      engine.open(engine.apply(nexp_clip_gate(views.coarse.value.fixed_point()), views.coarse),
                  "suf nexp: clip bit");

  // 4. c = below ? y : clip, in `bits` bits.
  const FixedPoint cell_format{bits, 0};
  const Masked y_minus_clip =
      add_public(engine, low_bits(views.fine, cell_format), cell_format.ring().neg(clip));
  Shared cell = engine.apply(SelectGate(cell_format), below, y_minus_clip);
  engine.add_public(cell, Tensor::filled(x.value.shape(), cell_format, clip));
  const Masked c = engine.open(cell, "suf nexp: cell");

  // 5. The cell's exponential.
  return engine.apply(LutGate("suf_nexp_cells", cell_format, format, nexp_cell_table(format, bits)),
                      c);
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

const SufGate& reciprocal_gate(FixedPoint format, int64_t k, int bits) {
  return compiled_once(fmt::format("reciprocal {} k={} bits={}", format.to_string(), k, bits), [&] {
    return SufGate(reciprocal_spec(format, k, bits), GateKind::kSufReciprocal);
  });
}

Shared softmax_reciprocal(Engine& engine, const Masked& z, int64_t k, int bits) {
  return engine.apply(reciprocal_gate(z.value.fixed_point(), k, bits), z);
}

}  // namespace fss::suf

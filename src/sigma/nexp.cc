#include "sigma/nexp.h"

#include <cmath>
#include <vector>

#include "core/error.h"
#include "mpc/lut.h"
#include "mpc/select.h"
#include "mpc/truncate_reduce.h"
#include "sigma/broadcast.h"
#include "sigma/drelu.h"
#include "sigma/mul.h"

namespace fss::sigma {
namespace {

constexpr int kClipBits = 16;
constexpr uint64_t kClip = (uint64_t{1} << kClipBits) - 1;
constexpr int kByteBits = 8;

// T[i] = floor(e^{-i 2^{-shift}} 2^f) for i < 2^8: the exponential of a byte worth 2^-shift each.
std::vector<uint64_t> exponential_table(int shift, int f) {
  std::vector<uint64_t> table(uint64_t{1} << kByteBits);
  const double scale = std::ldexp(1.0, f);
  for (size_t i = 0; i < table.size(); ++i)
    table[i] = static_cast<uint64_t>(std::floor(std::exp(-std::ldexp(double(i), -shift)) * scale));
  return table;
}

}  // namespace

Shared nexp(Engine& engine, const Masked& x) {
  const FixedPoint format = x.value.fixed_point();
  const int n = format.n, f = format.f;
  // n >= f + 15 also gives GapARS's n >= 2f + 3 for f <= 12.
  if (f < 2 || f > 12 || n < f + 15)
    fail(ErrorKind::kInvalidArgument,
         "nexp: needs 2 <= f <= 12 and n >= f + 15; got n = {}, f = {}", n, f);
  const int m = n - f + 2;
  const Shape& shape = x.value.shape();

  // 1. d = 1{x < 2^16}.
  Shared at_least_clip = engine.apply(DreluGate(format, m, {-static_cast<int64_t>(kClip + 1)}), x);
  engine.add_public(at_least_clip, Tensor::filled(shape, {1, 0}, 1));
  const Masked below_clip = engine.open(at_least_clip, kNexpClipBitLabel);

  // 2. c = d ? x : 2^16 - 1, in 16 bits.
  const FixedPoint clip_format{kClipBits, 0};
  const Masked x_minus_clip =
      add_public(engine, low_bits(x, clip_format), clip_format.ring().neg(kClip));
  Shared clipped = engine.apply(SelectGate(clip_format), below_clip, x_minus_clip);
  engine.add_public(clipped, Tensor::filled(shape, clip_format, kClip));
  const Masked c = engine.open(clipped, kNexpClippedLabel);

  // 3. c = 2^8 c1 + c0.
  const Masked high =
      engine.open(engine.apply(TruncateReduceGate(clip_format, kByteBits), c), kNexpHighByteLabel);
  const Masked low = low_bits(c, {kByteBits, 0});

  // 4. e^{-x} = e^{-c1 2^{8-f}} e^{-c0 2^{-f}}, each factor with f fraction bits.
  const LutGate high_lut(kNexpHighTable, high.value.fixed_point(), format,
                         exponential_table(f - kByteBits, f));
  const LutGate low_lut(kNexpLowTable, low.value.fixed_point(), format, exponential_table(f, f));
  const Shared factors[] = {engine.apply(high_lut, high), engine.apply(low_lut, low)};
  const Shared* to_open[] = {&factors[0], &factors[1]};
  const std::vector<Masked> opened = open_together(engine, to_open, kNexpTablesLabel);

  // 5. The product has 2f fraction bits and is at most 2^{2f} < 2^{n-2}: GapARS is exact.
  return mul_truncate(engine, opened[0], opened[1], f);
}

}  // namespace fss::sigma

#include "sigma/reciprocal.h"

#include <bit>
#include <vector>

#include "core/error.h"
#include "mpc/lut.h"
#include "mpc/truncate_reduce.h"
#include "sigma/broadcast.h"

namespace fss::sigma {
namespace {

// The index keeps this many fraction bits of z.
constexpr int kIndexFractionBits = 6;

}  // namespace

Shared softmax_reciprocal(Engine& engine, const Masked& z, int64_t k) {
  const FixedPoint format = z.value.fixed_point();
  const int n = format.n, f = format.f;
  if (k < 1 || f <= kIndexFractionBits)
    fail(ErrorKind::kInvalidArgument,
         "softmax_reciprocal: needs k >= 1 and f >= 7; got k = {}, f = {}", k, f);
  const int p = f + std::bit_width(static_cast<uint64_t>(k));  // f + ceil(log2(k + 1))
  const int q = p - f + kIndexFractionBits;
  if (p > n || q > LutGate::kMaxInputBits || f + kIndexFractionBits >= n)
    fail(ErrorKind::kInvalidArgument,
         "softmax_reciprocal: k = {} needs p = {} <= n = {}, q = {} <= {} and f + 6 < n", k, p, n,
         q, LutGate::kMaxInputBits);

  const TruncateReduceGate truncate(FixedPoint{p, f}, f - kIndexFractionBits);
  const Masked index =
      engine.open(engine.apply(truncate, low_bits(z, {p, f})), kReciprocalIndexLabel);

  std::vector<uint64_t> table(uint64_t{1} << q);
  const uint64_t numerator = uint64_t{1} << (f + kIndexFractionBits);
  table[0] = numerator;
  for (uint64_t i = 1; i < table.size(); ++i) table[i] = numerator / i;
  return engine.apply(LutGate(kReciprocalTable, index.value.fixed_point(), format, table), index);
}

}  // namespace fss::sigma

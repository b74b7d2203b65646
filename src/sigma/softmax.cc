#include "sigma/softmax.h"

#include <vector>

#include "core/error.h"
#include "mpc/select.h"
#include "sigma/drelu.h"
#include "sigma/last_axis.h"
#include "sigma/max.h"
#include "sigma/mul.h"
#include "sigma/nexp.h"
#include "sigma/reciprocal.h"

namespace fss::sigma {
namespace {

// The reciprocal's table has 2^{ceil(log2(k + 1)) + 6} entries; the LUT takes up to 2^20.
constexpr int64_t kMaxRowLength = (int64_t{1} << 14) - 1;

void check_softmax_arguments(FixedPoint format, int64_t k, const char* op) {
  const int n = format.n, f = format.f;
  if (f < 7 || f > 12 || n < f + 15 || k < 1 || k > kMaxRowLength)
    fail(ErrorKind::kInvalidArgument,
         "{}: needs 7 <= f <= 12, n >= f + 15 and rows of 1..{}; got n = {}, f = {}, rows of {}",
         op, kMaxRowLength, n, f, k);
}

// Steps 2-5 on packed rows, given each row's maximum.
Shared softmax_of_rows(Engine& engine, const Masked& packed, const Masked& row_max,
                       const RowLayout& layout, const SoftmaxSteps& steps) {
  const int f = packed.value.fixed_point().f;
  const Masked distance = sub(repeat_per_row(row_max, layout), packed);
  const Masked exponentials =
      engine.open(steps.exponential(engine, distance), kSoftmaxExponentialsLabel);
  const Masked sums = sum_per_row(exponentials, layout);
  const Masked reciprocals =
      engine.open(steps.reciprocal(engine, sums, layout.max_length()), kSoftmaxReciprocalsLabel);
  return mul_truncate(engine, exponentials, repeat_per_row(reciprocals, layout), f);
}

Masked flattened(const Masked& x) {
  Masked out = x;
  out.value.reshape(Shape{static_cast<int64_t>(x.value.size())});
  return out;
}

}  // namespace

Masked max_per_row(Engine& engine, const Masked& packed, const RowLayout& layout, int m) {
  const Shape& shape = packed.value.shape();
  if (shape.rank() != 1 || shape[0] != layout.elements())
    fail(ErrorKind::kInvalidArgument, "max_per_row: expected a tensor [{}], got {}",
         layout.elements(), shape.to_string());
  const FixedPoint format = packed.value.fixed_point();
  const DreluGate compare(format, m);
  const SelectGate select(format);
  Masked current = packed;
  std::vector<int64_t> widths(layout.rows());
  for (int64_t row = 0; row < layout.rows(); ++row) widths[row] = layout.length(row);

  for (int64_t longest = layout.max_length(); longest > 1; longest = (longest + 1) / 2) {
    // Positions in `current`, which holds the rows' current columns back to back.
    std::vector<int64_t> first, second, waiting;
    for (int64_t row = 0, start = 0; row < layout.rows(); start += widths[row], ++row) {
      for (int64_t j = 0; j + 1 < widths[row]; j += 2) {
        first.push_back(start + j);
        second.push_back(start + j + 1);
      }
      if (widths[row] % 2 == 1) waiting.push_back(start + widths[row] - 1);
    }
    const Masked a = gather_last_axis(current, first);
    const Masked b = gather_last_axis(current, second);
    const Masked difference = sub(a, b);
    const Masked first_wins = engine.open(engine.apply(compare, difference), kMaxBitLabel);
    const Shared larger = add(engine.apply(select, first_wins, difference), engine.share_of(b));
    const Masked maxima = engine.open(larger, kMaxValueLabel);

    // Next level: each row's pair maxima, then its waiting column; concat(maxima, current) holds
    // both, the waiting columns at offset first.size().
    std::vector<int64_t> next;
    const int64_t pairs = static_cast<int64_t>(first.size());
    for (int64_t row = 0, pair = 0, wait = 0; row < layout.rows(); ++row) {
      for (int64_t j = 0; j < widths[row] / 2; ++j) next.push_back(pair++);
      if (widths[row] % 2 == 1) next.push_back(pairs + waiting[wait++]);
      widths[row] = (widths[row] + 1) / 2;
    }
    current = gather_last_axis(concat_last_axis(maxima, current), next);
  }
  return current;
}

Shared softmax(Engine& engine, const Masked& x, const SoftmaxSteps& steps) {
  const Shape& shape = x.value.shape();
  if (shape.rank() == 0)
    fail(ErrorKind::kInvalidArgument, "softmax: needs a tensor [..., k], got a scalar");
  const int64_t k = shape[shape.rank() - 1];
  check_softmax_arguments(x.value.fixed_point(), k, "softmax");
  const FixedPoint format = x.value.fixed_point();
  const Masked row_max = max_last_axis(engine, x, format.n - format.f + 1);
  const RowLayout layout = RowLayout::uniform(static_cast<int64_t>(x.value.size()) / k, k);
  Shared out = softmax_of_rows(engine, flattened(x), flattened(row_max), layout, steps);
  out.value.reshape(shape);
  return out;
}

Shared causal_softmax(Engine& engine, const Masked& x, const SoftmaxSteps& steps, int64_t window) {
  const Shape& shape = x.value.shape();
  const int rank = shape.rank();
  if (rank < 2 || shape[rank - 1] != shape[rank - 2])
    fail(ErrorKind::kInvalidArgument, "causal_softmax: needs a tensor [..., L, L], got {}",
         shape.to_string());
  const int64_t L = shape[rank - 1];
  check_softmax_arguments(x.value.fixed_point(), L, "causal_softmax");
  const FixedPoint format = x.value.fixed_point();
  const RowLayout layout =
      RowLayout::lower_triangles(static_cast<int64_t>(x.value.size()) / (L * L), L, window);
  const Masked packed = pack_lower_triangles(x, window);
  const Masked row_max = max_per_row(engine, packed, layout, format.n - format.f + 1);
  return unpack_lower_triangles(softmax_of_rows(engine, packed, row_max, layout, steps), shape,
                                window);
}

}  // namespace fss::sigma

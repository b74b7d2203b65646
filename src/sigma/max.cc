#include "sigma/max.h"

#include <vector>

#include "core/error.h"
#include "mpc/select.h"
#include "sigma/drelu.h"
#include "sigma/last_axis.h"

namespace fss::sigma {
namespace {

// Columns first, first + 2, ..., count of them.
std::vector<int64_t> every_other_column(int64_t first, int64_t count) {
  std::vector<int64_t> columns(count);
  for (int64_t j = 0; j < count; ++j) columns[j] = first + 2 * j;
  return columns;
}

}  // namespace

Masked max_last_axis(Engine& engine, const Masked& x, int m) {
  const Shape& shape = x.value.shape();
  if (shape.rank() == 0 || shape[shape.rank() - 1] == 0)
    fail(ErrorKind::kInvalidArgument, "max_last_axis: needs a last axis of length >= 1, got {}",
         shape.to_string());
  const FixedPoint format = x.value.fixed_point();
  const DreluGate compare(format, m);
  const SelectGate select(format);

  Masked current = x;
  for (int64_t width = shape[shape.rank() - 1]; width > 1;
       width = current.value.shape()[shape.rank() - 1]) {
    const int64_t pairs = width / 2;
    const Masked first = gather_last_axis(current, every_other_column(0, pairs));
    const Masked second = gather_last_axis(current, every_other_column(1, pairs));
    const Masked difference = sub(first, second);
    const Masked first_wins = engine.open(engine.apply(compare, difference), kMaxBitLabel);
    const Shared larger =
        add(engine.apply(select, first_wins, difference), engine.share_of(second));
    Masked maxima = engine.open(larger, kMaxValueLabel);
    if (width % 2 == 1) {
      const int64_t last[] = {width - 1};
      maxima = concat_last_axis(maxima, gather_last_axis(current, last));
    }
    current = std::move(maxima);
  }
  return current;
}

}  // namespace fss::sigma

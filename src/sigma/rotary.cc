#include "sigma/rotary.h"

#include <cmath>
#include <vector>

#include "core/error.h"
#include "sigma/gap_truncation.h"
#include "sigma/last_axis.h"
#include "sigma/last_axis_linear.h"

namespace fss::sigma {

RotaryTables rotary_tables(FixedPoint x_format, int64_t positions, int64_t d, double base,
                           int64_t first_position) {
  x_format.validate();
  const int frac = x_format.f - 3;
  if (positions < 1 || d < 2 || d % 2 != 0 || frac < 1 || frac > x_format.n - 2 ||
      !std::isfinite(base) || base <= 1 || first_position < 0)
    fail(ErrorKind::kInvalidArgument,
         "rotary_tables: needs positions >= 1, even d >= 2, 1 <= f - 3 <= n - 2, base > 1 and a "
         "first position >= 0; got {} positions, d = {}, {}, base {}, first position {}",
         positions, d, x_format.to_string(), base, first_position);
  const FixedPoint format{x_format.n, frac};
  RotaryTables tables{Tensor(Shape{positions, d}, format), Tensor(Shape{positions, d}, format)};
  const int64_t half = d / 2;
  for (int64_t i = 0; i < positions; ++i) {
    const double position = static_cast<double>(first_position + i);
    for (int64_t j = 0; j < d; ++j) {
      const int64_t pair = j % half;
      const double theta =
          std::pow(base, -2.0 * static_cast<double>(pair) / static_cast<double>(d));
      const double angle = position * theta;
      tables.cos[i * d + j] = format.encode(std::cos(angle));
      tables.sin[i * d + j] = format.encode(j < half ? -std::sin(angle) : std::sin(angle));
    }
  }
  return tables;
}

Shared rotary_embedding(Engine& engine, const Masked& x, const RotaryTables& tables) {
  const Shape& shape = x.value.shape();
  const FixedPoint format = x.value.fixed_point(), table_format = tables.cos.fixed_point();
  const int64_t d = shape.rank() == 0 ? 0 : shape[shape.rank() - 1];
  if (d < 2 || d % 2 != 0 || tables.sin.shape() != tables.cos.shape() ||
      tables.sin.fixed_point() != table_format || table_format.f < 1 ||
      table_format.f > format.n - 2)
    fail(ErrorKind::kInvalidArgument,
         "rotary_embedding: x {} ({}) needs an even last dimension and tables of one shape and "
         "format {{n, f_c}} with 1 <= f_c <= n - 2; got {} ({}) and {} ({})",
         shape.to_string(), format.to_string(), tables.cos.shape().to_string(),
         table_format.to_string(), tables.sin.shape().to_string(),
         tables.sin.fixed_point().to_string());
  std::vector<int64_t> partner(d);
  for (int64_t j = 0; j < d; ++j) partner[j] = (j + d / 2) % d;
  // multiply_public checks the tables' shape (a suffix of x's) and the formats.
  const Masked rotated = add(multiply_public(x, tables.cos),
                             multiply_public(gather_last_axis(x, partner), tables.sin));
  return gap_ars(engine, rotated, table_format.f);
}

}  // namespace fss::sigma

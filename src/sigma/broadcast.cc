#include "sigma/broadcast.h"

#include <algorithm>

#include "core/error.h"

namespace fss::sigma {
namespace {

void check_packed(const Tensor& t, int64_t expected, const char* op) {
  if (t.shape().rank() != 1 || t.shape()[0] != expected)
    fail(ErrorKind::kInvalidArgument, "{}: expected a tensor [{}], got {}", op, expected,
         t.shape().to_string());
}

// L of a [..., L, L] tensor; throws otherwise.
int64_t square_side(const Shape& shape, const char* op) {
  const int rank = shape.rank();
  if (rank < 2 || shape[rank - 1] != shape[rank - 2] || shape[rank - 1] < 1)
    fail(ErrorKind::kInvalidArgument, "{}: expected a tensor [..., L, L] with L >= 1, got {}", op,
         shape.to_string());
  return shape[rank - 1];
}

}  // namespace

RowLayout::RowLayout(std::vector<int64_t> offsets) : offsets_(std::move(offsets)) {
  for (int64_t row = 0; row < rows(); ++row) max_length_ = std::max(max_length_, length(row));
}

RowLayout RowLayout::uniform(int64_t rows, int64_t k) {
  if (rows < 0 || k < 1)
    fail(ErrorKind::kInvalidArgument, "row layout: needs rows >= 0 and k >= 1, got {} and {}", rows,
         k);
  std::vector<int64_t> offsets(rows + 1);
  for (int64_t row = 0; row <= rows; ++row) offsets[row] = row * k;
  return RowLayout(std::move(offsets));
}

RowLayout RowLayout::lower_triangles(int64_t matrices, int64_t L, int64_t window) {
  if (matrices < 0 || L < 1 || window < 0)
    fail(ErrorKind::kInvalidArgument,
         "row layout: needs matrices >= 0, L >= 1 and window >= 0, got {}, {} and {}", matrices, L,
         window);
  std::vector<int64_t> offsets{0};
  for (int64_t matrix = 0; matrix < matrices; ++matrix)
    for (int64_t i = 0; i < L; ++i)
      offsets.push_back(offsets.back() + i + 1 - band_start(i, window));
  return RowLayout(std::move(offsets));
}

Tensor broadcast_last_axis(const Tensor& t, int64_t k) {
  const Shape& shape = t.shape();
  if (shape.rank() == 0 || shape[shape.rank() - 1] != 1 || k < 1)
    fail(ErrorKind::kInvalidArgument,
         "broadcast_last_axis: needs a tensor [..., 1] and k >= 1, got {} and k = {}",
         shape.to_string(), k);
  std::vector<int64_t> dims = shape.dims();
  dims.back() = k;
  Tensor out(Shape(std::move(dims)), t.fixed_point());
  for (size_t row = 0; row < t.size(); ++row) std::fill_n(out.data().begin() + row * k, k, t[row]);
  return out;
}

Masked broadcast_last_axis(const Masked& t, int64_t k) { return {broadcast_last_axis(t.value, k)}; }

Tensor repeat_per_row(const Tensor& per_row, const RowLayout& layout) {
  check_packed(per_row, layout.rows(), "repeat_per_row");
  Tensor out(Shape{layout.elements()}, per_row.fixed_point());
  for (int64_t row = 0; row < layout.rows(); ++row)
    std::fill_n(out.data().begin() + layout.offset(row), layout.length(row), per_row[row]);
  return out;
}

Masked repeat_per_row(const Masked& per_row, const RowLayout& layout) {
  return {repeat_per_row(per_row.value, layout)};
}

Tensor sum_per_row(const Tensor& packed, const RowLayout& layout) {
  check_packed(packed, layout.elements(), "sum_per_row");
  Tensor out(Shape{layout.rows()}, packed.fixed_point());
  const Ring ring = packed.ring();
  for (int64_t row = 0; row < layout.rows(); ++row) {
    uint64_t sum = 0;
    for (int64_t j = 0; j < layout.length(row); ++j) sum += packed[layout.offset(row) + j];
    out[row] = ring.mod(sum);
  }
  return out;
}

Masked sum_per_row(const Masked& packed, const RowLayout& layout) {
  return {sum_per_row(packed.value, layout)};
}

Tensor pack_lower_triangles(const Tensor& t, int64_t window) {
  const int64_t L = square_side(t.shape(), "pack_lower_triangles");
  const int64_t matrices = static_cast<int64_t>(t.size()) / (L * L);
  const RowLayout layout = RowLayout::lower_triangles(matrices, L, window);
  Tensor out(Shape{layout.elements()}, t.fixed_point());
  size_t next = 0;
  for (int64_t matrix = 0; matrix < matrices; ++matrix)
    for (int64_t i = 0; i < L; ++i)
      for (int64_t j = band_start(i, window); j <= i; ++j)
        out[next++] = t[(matrix * L + i) * L + j];
  return out;
}

Masked pack_lower_triangles(const Masked& t, int64_t window) {
  return {pack_lower_triangles(t.value, window)};
}

Tensor unpack_lower_triangles(const Tensor& packed, const Shape& shape, int64_t window) {
  const int64_t L = square_side(shape, "unpack_lower_triangles");
  const int64_t matrices = static_cast<int64_t>(shape.size()) / (L * L);
  check_packed(packed, RowLayout::lower_triangles(matrices, L, window).elements(),
               "unpack_lower_triangles");
  Tensor out(shape, packed.fixed_point());
  size_t next = 0;
  for (int64_t matrix = 0; matrix < matrices; ++matrix)
    for (int64_t i = 0; i < L; ++i)
      for (int64_t j = band_start(i, window); j <= i; ++j)
        out[(matrix * L + i) * L + j] = packed[next++];
  return out;
}

Shared unpack_lower_triangles(const Shared& packed, const Shape& shape, int64_t window) {
  return {unpack_lower_triangles(packed.value, shape, window)};
}

}  // namespace fss::sigma

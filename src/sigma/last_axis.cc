#include "sigma/last_axis.h"

#include <vector>

#include "core/error.h"

namespace fss::sigma {
namespace {

int64_t last_dim(const Tensor& t, const char* op) {
  if (t.shape().rank() == 0)
    fail(ErrorKind::kInvalidArgument, "{}: needs a tensor of rank >= 1, got a scalar", op);
  return t.shape()[t.shape().rank() - 1];
}

// The number of rows: the product of all dimensions but the last.
size_t row_count(const Shape& shape) {
  size_t rows = 1;
  for (int axis = 0; axis + 1 < shape.rank(); ++axis) rows *= static_cast<size_t>(shape[axis]);
  return rows;
}

Shape with_last_dim(const Shape& shape, int64_t last) {
  std::vector<int64_t> dims = shape.dims();
  dims.back() = last;
  return Shape(std::move(dims));
}

}  // namespace

Tensor gather_last_axis(const Tensor& t, std::span<const int64_t> columns) {
  const int64_t k = last_dim(t, "gather_last_axis");
  for (int64_t column : columns)
    if (column < 0 || column >= k)
      fail(ErrorKind::kInvalidArgument, "gather_last_axis: column {} is outside tensor {}", column,
           t.shape().to_string());
  const int64_t width = static_cast<int64_t>(columns.size());
  Tensor out = Tensor::for_overwrite(with_last_dim(t.shape(), width), t.fixed_point());
  for_each_index(row_count(t.shape()), [&](size_t row) {
    for (int64_t j = 0; j < width; ++j) out[row * width + j] = t[row * k + columns[j]];
  });
  return out;
}

Masked gather_last_axis(const Masked& t, std::span<const int64_t> columns) {
  return {gather_last_axis(t.value, columns)};
}

Tensor concat_last_axis(const Tensor& a, const Tensor& b) {
  const int64_t ka = last_dim(a, "concat_last_axis");
  const int64_t kb = last_dim(b, "concat_last_axis");
  if (with_last_dim(a.shape(), 0) != with_last_dim(b.shape(), 0) ||
      a.fixed_point() != b.fixed_point())
    fail(ErrorKind::kInvalidArgument, "concat_last_axis: {} ({}) and {} ({}) do not fit",
         a.shape().to_string(), a.fixed_point().to_string(), b.shape().to_string(),
         b.fixed_point().to_string());
  Tensor out = Tensor::for_overwrite(with_last_dim(a.shape(), ka + kb), a.fixed_point());
  const int64_t width = ka + kb;
  for_each_index(row_count(out.shape()), [&](size_t row) {
    for (int64_t j = 0; j < ka; ++j) out[row * width + j] = a[row * ka + j];
    for (int64_t j = 0; j < kb; ++j) out[row * width + ka + j] = b[row * kb + j];
  });
  return out;
}

Masked concat_last_axis(const Masked& a, const Masked& b) {
  return {concat_last_axis(a.value, b.value)};
}

}  // namespace fss::sigma

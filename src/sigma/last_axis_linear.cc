#include "sigma/last_axis_linear.h"

#include <algorithm>

#include "core/error.h"
#include "mpc/masked_ops.h"

namespace fss::sigma {
namespace {

int64_t last_dim(const Shape& shape, const char* op) {
  if (shape.rank() == 0)
    fail(ErrorKind::kInvalidArgument, "{}: needs a tensor of rank >= 1, got a scalar", op);
  return shape[shape.rank() - 1];
}

Shape with_last_dim(const Shape& shape, int64_t last) {
  std::vector<int64_t> dims = shape.dims();
  dims.back() = last;
  return Shape(std::move(dims));
}

bool is_suffix(const Shape& suffix, const Shape& shape) {
  const auto& inner = suffix.dims();
  const auto& outer = shape.dims();
  return inner.size() <= outer.size() && std::equal(inner.rbegin(), inner.rend(), outer.rbegin());
}

void check_suffix(const Shape& suffix, const Shape& shape, const char* op) {
  if (!is_suffix(suffix, shape))
    fail(ErrorKind::kInvalidArgument, "{}: shape {} is not a suffix of {}", op, suffix.to_string(),
         shape.to_string());
}

}  // namespace

Masked sum_last_axis(const Masked& x) {
  const int64_t k = last_dim(x.value.shape(), "sum_last_axis");
  Tensor out = Tensor::for_overwrite(with_last_dim(x.value.shape(), 1), x.value.fixed_point());
  const Ring ring = out.ring();
  for_each_index(out.size(), [&](size_t row) {
    uint64_t sum = 0;
    for (int64_t j = 0; j < k; ++j) sum += x.value[row * k + j];
    out[row] = ring.mod(sum);
  });
  return {std::move(out)};
}

Masked repeat_last_axis(const Masked& x, int64_t k) {
  if (last_dim(x.value.shape(), "repeat_last_axis") != 1 || k < 1)
    fail(ErrorKind::kInvalidArgument, "repeat_last_axis: needs [..., 1] and k >= 1, got {} and {}",
         x.value.shape().to_string(), k);
  Tensor out = Tensor::for_overwrite(with_last_dim(x.value.shape(), k), x.value.fixed_point());
  for_each_index(x.value.size(),
                 [&](size_t row) { std::fill_n(out.data().begin() + row * k, k, x.value[row]); });
  return {std::move(out)};
}

Masked repeat_to_shape(const Masked& x, const Shape& shape) {
  check_suffix(x.value.shape(), shape, "repeat_to_shape");
  Tensor out = Tensor::for_overwrite(shape, x.value.fixed_point());
  const size_t period = x.value.size();
  for_each_index(out.size(), [&](size_t i) { out[i] = x.value[i % period]; });
  return {std::move(out)};
}

Masked multiply_public(const Masked& x, const Tensor& c) {
  const FixedPoint xf = x.value.fixed_point(), cf = c.fixed_point();
  check_suffix(c.shape(), x.value.shape(), "multiply_public");
  if (xf.n != cf.n || xf.f + cf.f >= xf.n)
    fail(ErrorKind::kInvalidArgument, "multiply_public: formats {} and {} do not multiply",
         xf.to_string(), cf.to_string());
  Tensor out = Tensor::for_overwrite(x.value.shape(), {xf.n, xf.f + cf.f});
  const Ring ring = out.ring();
  const size_t period = c.size();
  for_each_index(out.size(), [&](size_t i) { out[i] = ring.mul(x.value[i], c[i % period]); });
  return {std::move(out)};
}

Masked scale_public(const Masked& x, uint64_t c, FixedPoint format) {
  format.validate();
  if (format.n != x.value.fixed_point().n)
    fail(ErrorKind::kInvalidArgument, "scale_public: format {} has another width than {}",
         format.to_string(), x.value.fixed_point().to_string());
  Tensor out = Tensor::for_overwrite(x.value.shape(), format);
  const Ring ring = format.ring();
  for_each_index(out.size(), [&](size_t i) { out[i] = ring.mul(x.value[i], c); });
  return {std::move(out)};
}

Shared shift_into(const Shared& x, int shift, FixedPoint format) {
  format.validate();
  if (shift < 0 || shift >= 64 || format.n > x.value.fixed_point().n + shift)
    fail(ErrorKind::kInvalidArgument, "shift_into: cannot shift {} by {} into {}",
         x.value.fixed_point().to_string(), shift, format.to_string());
  Tensor out = Tensor::for_overwrite(x.value.shape(), format);
  const Ring ring = format.ring();
  for_each_index(out.size(), [&](size_t i) { out[i] = ring.mod(x.value[i] << shift); });
  return {std::move(out)};
}

std::vector<Masked> open_stacked(Engine& engine, std::span<const Shared> values,
                                 const std::string& label) {
  if (values.empty()) fail(ErrorKind::kInvalidArgument, "open_stacked: no wires to open");
  std::vector<const Shared*> wires;
  for (const Shared& v : values) wires.push_back(&v);
  return open_together(engine, wires, label);
}

}  // namespace fss::sigma

#pragma once
// Shapes and host tensors (ARCHITECTURE.md §5). A Tensor holds ring values (uint64_t, each
// < 2^n) row-major with the batch as the leading dimension, [B, L, H], and carries its
// FixedPoint {n, f}. Bad shapes, indices or values passed in throw kInvalidArgument.
#include <fmt/ranges.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/fixed_point.h"
#include "core/words.h"

namespace fss {

class Shape {
 public:
  Shape() = default;  // rank 0: one element
  Shape(std::initializer_list<int64_t> dims) : Shape(std::vector<int64_t>(dims)) {}
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {
    for (int64_t dim : dims_)
      if (dim < 0) fail(ErrorKind::kInvalidArgument, "shape {}: negative dimension", to_string());
  }

  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t operator[](int axis) const {
    if (axis < 0 || axis >= rank())
      fail(ErrorKind::kInvalidArgument, "axis {} is outside shape {}", axis, to_string());
    return dims_[axis];
  }
  const std::vector<int64_t>& dims() const { return dims_; }
  // Number of elements: the product of the dimensions.
  size_t size() const {
    size_t count = 1;
    for (int64_t dim : dims_) count *= static_cast<size_t>(dim);
    return count;
  }
  std::string to_string() const { return fmt::format("[{}]", fmt::join(dims_, ", ")); }
  bool operator==(const Shape&) const = default;

 private:
  std::vector<int64_t> dims_;
};

class Tensor {
 public:
  // Zero-filled.
  Tensor(Shape shape, FixedPoint fixed_point)
      : Tensor(Trusted{}, shape, fixed_point, zero_words(shape.size())) {}
  // Copies `values` (row-major); their count must match the shape and each must be < 2^n.
  Tensor(Shape shape, FixedPoint fixed_point, const std::vector<uint64_t>& values)
      : shape_(std::move(shape)), fixed_point_(fixed_point), values_(values.begin(), values.end()) {
    fixed_point_.validate();
    if (values_.size() != shape_.size())
      fail(ErrorKind::kInvalidArgument, "tensor {}: got {} values, the shape holds {}",
           shape_.to_string(), values_.size(), shape_.size());
    const uint64_t mask = ring().mask();
    for (size_t i = 0; i < values_.size(); ++i)
      if (values_[i] & ~mask)
        fail(ErrorKind::kInvalidArgument, "tensor {}: value {} at flat index {} exceeds {} bits",
             shape_.to_string(), values_[i], i, fixed_point_.n);
  }

  // For a caller that writes every element (core/words.h's words_for_overwrite): no zero fill.
  static Tensor for_overwrite(Shape shape, FixedPoint fixed_point) {
    Words values = words_for_overwrite(shape.size());
    return Tensor(Trusted{}, std::move(shape), fixed_point, std::move(values));
  }
  // Every element `value` (< 2^n).
  static Tensor filled(Shape shape, FixedPoint fixed_point, uint64_t value) {
    fixed_point.validate();
    if (value & ~fixed_point.ring().mask())
      fail(ErrorKind::kInvalidArgument, "tensor {}: fill value {} exceeds {} bits",
           shape.to_string(), value, fixed_point.n);
    Words values = filled_words(shape.size(), value);
    return Tensor(Trusted{}, std::move(shape), fixed_point, std::move(values));
  }

  const Shape& shape() const { return shape_; }
  FixedPoint fixed_point() const { return fixed_point_; }
  Ring ring() const { return fixed_point_.ring(); }
  size_t size() const { return values_.size(); }
  std::span<uint64_t> data() { return values_; }
  std::span<const uint64_t> data() const { return values_; }

  // Flat (row-major) access, unchecked like std::vector::operator[].
  uint64_t& operator[](size_t flat_index) { return values_[flat_index]; }
  uint64_t operator[](size_t flat_index) const { return values_[flat_index]; }
  // Multi-index access, one index per dimension, bounds-checked.
  uint64_t& at(std::initializer_list<int64_t> index) { return values_[flat_index(index)]; }
  uint64_t at(std::initializer_list<int64_t> index) const { return values_[flat_index(index)]; }

  // Same values, new shape of the same element count.
  void reshape(Shape shape) {
    if (shape.size() != shape_.size())
      fail(ErrorKind::kInvalidArgument, "cannot reshape tensor {} ({} elements) to {} ({})",
           shape_.to_string(), shape_.size(), shape.to_string(), shape.size());
    shape_ = std::move(shape);
  }

 private:
  // `values` fit the shape and the ring by construction.
  struct Trusted {};
  Tensor(Trusted, Shape shape, FixedPoint fixed_point, Words values)
      : shape_(std::move(shape)), fixed_point_(fixed_point), values_(std::move(values)) {
    fixed_point_.validate();
  }

  size_t flat_index(std::initializer_list<int64_t> index) const {
    const std::span<const int64_t> indices(index.begin(), index.size());
    bool in_bounds = static_cast<int>(indices.size()) == shape_.rank();
    size_t flat = 0;
    for (int axis = 0; in_bounds && axis < shape_.rank(); ++axis) {
      in_bounds = indices[axis] >= 0 && indices[axis] < shape_[axis];
      flat = flat * static_cast<size_t>(shape_[axis]) + static_cast<size_t>(indices[axis]);
    }
    if (!in_bounds)
      fail(ErrorKind::kInvalidArgument, "index [{}] is outside tensor {}", fmt::join(indices, ", "),
           shape_.to_string());
    return flat;
  }

  Shape shape_;
  FixedPoint fixed_point_;
  Words values_;
};

}  // namespace fss

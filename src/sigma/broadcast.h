#pragma once
// Local (round-free) wire operations for row-wise protocols such as softmax: rows of different
// lengths packed into one rank-1 tensor, a per-row value repeated over its row (broadcasting),
// per-row sums and lower triangles of square matrices (a wire's low bits, a public offset and
// opening several wires at once: mpc/masked_ops.h).
// Moving values and ring homomorphisms (sums) act alike on clear values, masks, masked values and
// shares, so these are valid on every engine's wires (mpc/wire.h). Shape errors throw
// kInvalidArgument.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "mpc/engine.h"
#include "mpc/masked_ops.h"
#include "mpc/wire.h"

namespace fss::sigma {

// Rows packed back to back in a rank-1 tensor: row r holds the flat elements
// [offset(r), offset(r) + length(r)). Every row has at least one element.
class RowLayout {
 public:
  // `rows` rows of k elements (the rows of a [..., k] tensor).
  static RowLayout uniform(int64_t rows, int64_t k);
  // The lower triangles (diagonal included) of `matrices` L x L matrices, row by row: row i of
  // each matrix holds its columns band_start(i, window)..i (a band of `window` columns when
  // window > 0, as local attention sees them; all of 0..i when window = 0).
  static RowLayout lower_triangles(int64_t matrices, int64_t L, int64_t window = 0);

  int64_t rows() const { return static_cast<int64_t>(offsets_.size()) - 1; }
  int64_t elements() const { return offsets_.back(); }
  int64_t offset(int64_t row) const { return offsets_[row]; }
  int64_t length(int64_t row) const { return offsets_[row + 1] - offsets_[row]; }
  int64_t max_length() const { return max_length_; }

 private:
  explicit RowLayout(std::vector<int64_t> offsets);
  std::vector<int64_t> offsets_;  // rows() + 1 entries, starting at 0
  int64_t max_length_ = 0;
};

// [..., 1] -> [..., k]: each row's single value repeated k times. Throws unless t has rank >= 1,
// a last axis of length 1, and k >= 1.
Tensor broadcast_last_axis(const Tensor& t, int64_t k);
Masked broadcast_last_axis(const Masked& t, int64_t k);

// [rows] -> [elements]: value r repeated over row r of `layout`.
Tensor repeat_per_row(const Tensor& per_row, const RowLayout& layout);
Masked repeat_per_row(const Masked& per_row, const RowLayout& layout);

// [elements] -> [rows]: the sum of each row mod 2^n.
Tensor sum_per_row(const Tensor& packed, const RowLayout& layout);
Masked sum_per_row(const Masked& packed, const RowLayout& layout);

// The first column row i of a band of `window` columns keeps: max(0, i - window + 1), or 0 when
// window = 0 (no band).
inline int64_t band_start(int64_t i, int64_t window) {
  return window > 0 && i >= window ? i - window + 1 : 0;
}

// [..., L, L] -> [the layout's elements] in RowLayout::lower_triangles(matrices, L, window) order.
Tensor pack_lower_triangles(const Tensor& t, int64_t window = 0);
Masked pack_lower_triangles(const Masked& t, int64_t window = 0);
// The inverse, with 0 outside the band: a public 0, which as a Shared wire is the all-zero
// sharing under mask 0 (it opens to 0 and reveals nothing that was not public).
Tensor unpack_lower_triangles(const Tensor& packed, const Shape& shape, int64_t window = 0);
Shared unpack_lower_triangles(const Shared& packed, const Shape& shape, int64_t window = 0);

}  // namespace fss::sigma

#pragma once
// Data movement along the last axis of a tensor [..., k]: picking and joining columns. These
// move values without arithmetic, so they are valid on every engine's wires alike: clear
// values, masks and masked values move together, and each element keeps its own mask.
#include <cstdint>
#include <span>

#include "core/tensor.h"
#include "mpc/wire.h"

namespace fss::sigma {

// out[..., j] = t[..., columns[j]]; shape [..., columns.size()]. Throws kInvalidArgument if t
// has rank 0 or a column lies outside 0..k-1.
Tensor gather_last_axis(const Tensor& t, std::span<const int64_t> columns);
Masked gather_last_axis(const Masked& t, std::span<const int64_t> columns);

// [..., ka] and [..., kb] -> [..., ka + kb]: the columns of a, then those of b. Throws
// kInvalidArgument unless both have rank >= 1, the same leading dimensions and format.
Tensor concat_last_axis(const Tensor& a, const Tensor& b);
Masked concat_last_axis(const Masked& a, const Masked& b);

}  // namespace fss::sigma

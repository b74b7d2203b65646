#pragma once
// Data movement on tensors: reordering axes. Moves values without arithmetic, so it applies
// alike to clear values, masks, masked values and shares (mpc/wire.h).
#include <span>

#include "core/tensor.h"

namespace fss {

// out has dims[axes[i]] as its dimension i, and out[.., j_i, ..] = t[.., j_{axes^-1}, ..].
// Throws kInvalidArgument unless axes is a permutation of 0..rank-1.
Tensor permute(const Tensor& t, std::span<const int> axes);

}  // namespace fss

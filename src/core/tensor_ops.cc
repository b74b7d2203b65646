#include "core/tensor_ops.h"

#include <vector>

namespace fss {

Tensor permute(const Tensor& t, std::span<const int> axes) {
  const int rank = t.shape().rank();
  std::vector<bool> seen(rank, false);
  bool valid = static_cast<int>(axes.size()) == rank;
  for (size_t i = 0; valid && i < axes.size(); ++i) {
    valid = axes[i] >= 0 && axes[i] < rank && !seen[axes[i]];
    if (valid) seen[axes[i]] = true;
  }
  if (!valid)
    fail(ErrorKind::kInvalidArgument, "permute: axes [{}] are not a permutation of 0..{}",
         fmt::join(axes, ", "), rank - 1);
  std::vector<int64_t> dims(rank), in_strides(rank), out_dims(rank);
  for (int axis = rank - 1, stride = 1; axis >= 0; --axis) {
    in_strides[axis] = stride;
    stride *= static_cast<int>(t.shape()[axis]);
  }
  for (int i = 0; i < rank; ++i) out_dims[i] = t.shape()[axes[i]];
  Tensor out(Shape(out_dims), t.fixed_point());
  // Walk the output in order with an odometer over its index, tracking the input offset.
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;
  for (size_t flat = 0; flat < out.size(); ++flat) {
    out[flat] = t[static_cast<size_t>(offset)];
    for (int i = rank - 1; i >= 0; --i) {
      offset += in_strides[axes[i]];
      if (++index[i] < out_dims[i]) break;
      offset -= in_strides[axes[i]] * out_dims[i];
      index[i] = 0;
    }
  }
  return out;
}

}  // namespace fss

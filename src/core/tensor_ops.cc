#include "core/tensor_ops.h"

#include <algorithm>
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
  std::vector<int64_t> in_strides(rank), out_dims(rank);
  int64_t stride = 1;
  for (int axis = rank - 1; axis >= 0; --axis) {
    in_strides[axis] = stride;
    stride *= t.shape()[axis];
  }
  for (int i = 0; i < rank; ++i) out_dims[i] = t.shape()[axes[i]];
  Tensor out = Tensor::for_overwrite(Shape(out_dims), t.fixed_point());
  if (rank == 0 || out.size() == 0) {
    std::copy(t.data().begin(), t.data().end(), out.data().begin());
    return out;
  }
  // Output rows (every axis but the last) in parallel; along a row the input offset advances by
  // the stride of the axis that becomes the last.
  const int64_t width = out_dims[rank - 1];
  const int64_t along_row = in_strides[axes[rank - 1]];
  for_each_index(out.size() / width, [&](size_t row) {
    int64_t offset = 0;
    auto rest = static_cast<int64_t>(row);
    for (int i = rank - 2; i >= 0; --i) {
      offset += rest % out_dims[i] * in_strides[axes[i]];
      rest /= out_dims[i];
    }
    for (int64_t j = 0; j < width; ++j)
      out[row * width + j] = t[static_cast<size_t>(offset + j * along_row)];
  });
  return out;
}

}  // namespace fss

#include "cuda/record_kernels.h"

namespace fss::gpu {
namespace {

constexpr int kThreads = 256;

__global__ void expand_dpf_record_kernel(const uint8_t* right, int right_bytes, int levels,
                                         const Block* root, const Block* leaf_cw,
                                         Block unused_leaf_bits, int party, uint64_t count,
                                         uint64_t* right_t_cw, unsigned long long* first_bad) {
  const uint64_t i = blockIdx.x * static_cast<uint64_t>(blockDim.x) + threadIdx.x;
  if (i >= count) return;
  uint64_t bits = 0;
  for (int b = 0; b < right_bytes; ++b) bits |= uint64_t{right[i * right_bytes + b]} << (8 * b);
  right_t_cw[i] = bits;
  const uint64_t padding = levels >= 64 ? 0 : ~uint64_t{0} << levels;
  uint64_t problem = 0;
  if ((root[i].lo & 1) != static_cast<uint64_t>(party)) {
    problem = kRootOfOtherParty;
  } else if ((bits & padding) != 0) {
    problem = kRightPaddingSet;
  } else if (!((leaf_cw[i] & unused_leaf_bits) == Block{})) {
    problem = kLeafBitsOutsideSlots;
  }
  if (problem != 0) atomicMin(first_bad, static_cast<unsigned long long>(i << 2 | problem));
}

}  // namespace

cudaError_t launch_expand_dpf_record(const uint8_t* right, int right_bytes, int levels,
                                     const Block* root, const Block* leaf_cw,
                                     Block unused_leaf_bits, int party, uint64_t count,
                                     uint64_t* right_t_cw, unsigned long long* first_bad,
                                     cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  const auto blocks = static_cast<unsigned>((count + kThreads - 1) / kThreads);
  expand_dpf_record_kernel<<<blocks, kThreads, 0, stream>>>(right, right_bytes, levels, root,
                                                            leaf_cw, unused_leaf_bits, party, count,
                                                            right_t_cw, first_bad);
  return cudaGetLastError();
}

}  // namespace fss::gpu

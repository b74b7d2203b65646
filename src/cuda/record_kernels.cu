#include "crypto/dpf_math.h"
#include "cuda/launch.h"
#include "cuda/record_kernels.h"

namespace fss::gpu {
namespace {

__global__ void expand_dpf_record_kernel(const uint8_t* right, int right_bytes, int levels,
                                         const Block* root, const Block* leaf_cw,
                                         Block unused_leaf_bits, int party, uint64_t count,
                                         uint64_t* right_t_cw, unsigned long long* first_bad) {
  const uint64_t i = blockIdx.x * static_cast<uint64_t>(blockDim.x) + threadIdx.x;
  if (i >= count) return;
  const uint64_t bits = dpf_right_bits(right + i * right_bytes, right_bytes);
  right_t_cw[i] = bits;
  const uint64_t problem = dpf_key_problem(root[i], bits, leaf_cw[i], levels, unused_leaf_bits,
                                           static_cast<uint64_t>(party));
  if (problem != 0) atomicMin(first_bad, static_cast<unsigned long long>(i << 2 | problem));
}

}  // namespace

cudaError_t launch_expand_dpf_record(const uint8_t* right, int right_bytes, int levels,
                                     const Block* root, const Block* leaf_cw,
                                     Block unused_leaf_bits, int party, uint64_t count,
                                     uint64_t* right_t_cw, unsigned long long* first_bad,
                                     cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  expand_dpf_record_kernel<<<blocks_for(count), kBlockThreads, 0, stream>>>(
      right, right_bytes, levels, root, leaf_cw, unused_leaf_bits, party, count, right_t_cw,
      first_bad);
  return cudaGetLastError();
}

}  // namespace fss::gpu

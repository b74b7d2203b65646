#include "cuda/launch.h"
#include "cuda/ring_op.h"

namespace fss::gpu {
namespace {

__global__ void ring_elementwise_kernel(RingOp op, Ring ring, int shift, const uint64_t* a,
                                        const uint64_t* b, uint64_t* out, size_t count) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < count) out[i] = apply_ring_op(op, ring, shift, a[i], b[i]);
}

}  // namespace

cudaError_t launch_ring_elementwise(RingOp op, Ring ring, int shift, const uint64_t* a,
                                    const uint64_t* b, uint64_t* out, size_t count,
                                    cudaStream_t stream) {
  ring_elementwise_kernel<<<blocks_for(count), kBlockThreads, 0, stream>>>(op, ring, shift, a, b,
                                                                           out, count);
  return cudaGetLastError();
}

}  // namespace fss::gpu

#include "core/bitpack.h"
#include "core/gap_shift.h"
#include "cuda/launch.h"

namespace fss::gpu {
namespace {

__global__ void gap_shift_kernel(GapShiftStep step, const uint64_t* x_hat, const uint8_t* carry_hat,
                                 const uint8_t* carry_mask, const uint8_t* r_msb,
                                 const uint8_t* correction, uint64_t* share, size_t count) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= count) return;
  const int n = step.ring.n;
  share[i] =
      gap_shift_share(step, x_hat[i], packed_bit(carry_hat, i), packed_value(carry_mask, n, i),
                      packed_value(r_msb, step.f, i), packed_value(correction, n, i));
}

}  // namespace

cudaError_t launch_gap_shift(const GapShiftStep& step, const uint64_t* x_hat,
                             const uint8_t* carry_hat, const uint8_t* carry_mask,
                             const uint8_t* r_msb, const uint8_t* correction, uint64_t* share,
                             size_t count, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  gap_shift_kernel<<<blocks_for(count), kBlockThreads, 0, stream>>>(
      step, x_hat, carry_hat, carry_mask, r_msb, correction, share, count);
  return cudaGetLastError();
}

}  // namespace fss::gpu

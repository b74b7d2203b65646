#pragma once
// Kernel launchers, compiled by nvcc. They take device pointers and return the CUDA status;
// the host-side C++ (.cc files, compiled by the host compiler) owns memory and turns a bad
// status into fss::Error. The split keeps fmt and exceptions out of nvcc's front end.
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "core/gap_shift.h"
#include "cuda/ring_kernels.h"

namespace fss::gpu {

// Threads per block of the kernels that run a thread per element or per key, and the blocks that
// cover `threads` threads.
inline constexpr int kBlockThreads = 256;
constexpr unsigned blocks_for(uint64_t threads) {
  return static_cast<unsigned>((threads + kBlockThreads - 1) / kBlockThreads);
}

cudaError_t launch_ring_elementwise(RingOp op, Ring ring, int shift, const uint64_t* a,
                                    const uint64_t* b, uint64_t* out, size_t count,
                                    cudaStream_t stream);

// c[b] = a[b] * right mod 2^64, right = b (one [inner, cols] matrix) or b[b] if batched_right;
// row-major, as core/matmul.h. Needs batch < 2^16 and rows < 2^22 (grid limits). The inner
// dimension is split over inner_splits blocks per output tile (0: as many as fill the GPU);
// the result does not depend on it.
cudaError_t launch_matmul(const uint64_t* a, const uint64_t* b, uint64_t* c, int64_t batch,
                          int64_t rows, int64_t inner, int64_t cols, bool batched_right,
                          int inner_splits, cudaStream_t stream);

// The same product on the integer tensor cores: both operands split into eight 8-bit limbs and
// c = sum_{i+j<8} (a_i b_j) 2^{8(i+j)} mod 2^64, every limb product summed exactly in 32 bits
// (WMMA u8 x u8 -> s32), so the result is bit-identical. `scratch` holds
// matmul_limbs_scratch_bytes device bytes (the limb planes, padded to 16 x 16 tiles).
size_t matmul_limbs_scratch_bytes(int64_t batch, int64_t rows, int64_t inner, int64_t cols,
                                  bool batched_right);
cudaError_t launch_matmul_limbs(const uint64_t* a, const uint64_t* b, uint64_t* c, int64_t batch,
                                int64_t rows, int64_t inner, int64_t cols, bool batched_right,
                                uint8_t* scratch, cudaStream_t stream);

// The per-element steps of core/masked_matmul.h, reading the key's n-bit shares where they lie
// packed (core/bitpack.h's packed_value):
//   unpacked[i] = value i of `packed`;
//   left[i] = masked_matmul_left(party, x_hat[i], value i of r_x);
//   share[i] = masked_matmul_share(Ring{n}, left_product[i], mask_product[i], value i of c).
cudaError_t launch_unpack(const uint8_t* packed, int n, uint64_t* unpacked, size_t count,
                          cudaStream_t stream);
cudaError_t launch_masked_matmul_left(int party, const uint64_t* x_hat, const uint8_t* r_x, int n,
                                      uint64_t* left, size_t count, cudaStream_t stream);
cudaError_t launch_masked_matmul_share(int n, const uint64_t* left_product,
                                       const uint64_t* mask_product, const uint8_t* c,
                                       uint64_t* share, size_t count, cudaStream_t stream);

// share[i] = gap_shift_share (core/gap_shift.h) at x_hat[i], bit i of carry_hat and value i of
// each packed field (n, f and n bits) where it lies.
cudaError_t launch_gap_shift(const GapShiftStep& step, const uint64_t* x_hat,
                             const uint8_t* carry_hat, const uint8_t* carry_mask,
                             const uint8_t* r_msb, const uint8_t* correction, uint64_t* share,
                             size_t count, cudaStream_t stream);

}  // namespace fss::gpu

#pragma once
// Kernel launchers, compiled by nvcc. They take device pointers and return the CUDA status;
// the host-side C++ (.cc files, compiled by the host compiler) owns memory and turns a bad
// status into fss::Error. The split keeps fmt and exceptions out of nvcc's front end.
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "cuda/ring_kernels.h"

namespace fss::gpu {

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

}  // namespace fss::gpu

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

}  // namespace fss::gpu

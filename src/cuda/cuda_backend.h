#pragma once
// The CUDA backend (ARCHITECTURE.md §4): crypto/backend.h's bulk operations on one GPU, through
// cuda/fss_gpu.h, bit-identical to the CPU backend. Each call moves its operands to the device
// and its results back on the calling thread's stream; device buffers come from the device's
// memory pool. Keys travel with each call (streamed from host memory), they are not resident.
#include <memory>

#include "crypto/backend.h"

namespace fss::gpu {

// A backend on GPU `device` (cuda/devices.h's index). Throws kUnavailable naming the reason if
// that device cannot be used.
std::unique_ptr<Backend> make_cuda_backend(int device);

}  // namespace fss::gpu

#pragma once
// The CUDA backend (ARCHITECTURE.md §4): crypto/backend.h's bulk operations on one GPU, through
// cuda/fss_gpu.h, bit-identical to the CPU backend. Each call moves its operands to the device
// and its results back on the calling thread's stream; device buffers come from the device's
// memory pool. Key records whose stream was made resident (make_resident) are evaluated in GPU
// memory where they lie; other keys travel with each call. Calls too small to pay for a launch
// and its synchronization run on the CPU backend instead (same bits).
#include <cstdint>
#include <memory>

#include "crypto/backend.h"

namespace fss::gpu {

struct CudaBackendOptions {
  // Below these sizes a call runs on the CPU: keys of an FSS keygen or evaluation, and
  // multiply-accumulates of a matmul. 0 sends everything to the GPU (tests).
  uint64_t min_gpu_keys = uint64_t{1} << 14;
  uint64_t min_gpu_macs = uint64_t{1} << 22;
};

// A backend on GPU `device` (cuda/devices.h's index). Throws kInvalidArgument naming the reason
// if that device cannot be used.
std::unique_ptr<Backend> make_cuda_backend(int device, const CudaBackendOptions& options = {});

}  // namespace fss::gpu

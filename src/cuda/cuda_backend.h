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
  // An FSS call runs on the GPU from min_gpu_keys keys (or points), a full-domain evaluation
  // also from min_gpu_leaves leaves in all (a lookup table's few keys over a large domain; on
  // the H100 host, 1 536 keys of 2^14 leaves took 7 ms per call on 8 CPU threads and 0.6 ms on
  // the GPU, while 128 keys of 2^13 took 0.35 ms on the CPU and 0.5 ms on the GPU:
  // bench/results/run-cuda-h100-per-gate-split-20261207.json), a matmul from min_gpu_macs
  // multiply-accumulates; smaller calls run on the CPU. 0 sends everything to the GPU (tests).
  uint64_t min_gpu_keys = uint64_t{1} << 14;
  uint64_t min_gpu_leaves = uint64_t{1} << 22;
  uint64_t min_gpu_macs = uint64_t{1} << 22;
};

// A backend on GPU `device` (cuda/devices.h's index). Throws kInvalidArgument naming the reason
// if that device cannot be used.
std::unique_ptr<Backend> make_cuda_backend(int device, const CudaBackendOptions& options = {});

}  // namespace fss::gpu

#pragma once
// RAII device allocation and a status check that turns CUDA failures into fss::Error.
#include <cuda_runtime.h>

#include <cstddef>

#include "core/error.h"

namespace fss::gpu {

inline void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess)
    fail(ErrorKind::kInternal, "CUDA {} failed: {}", what, cudaGetErrorString(status));
}

template <typename T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t count) : count_(count) {
    check_cuda(cudaMalloc(&data_, count * sizeof(T)), "cudaMalloc");
  }
  ~DeviceBuffer() { cudaFree(data_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* get() const { return data_; }
  size_t size() const { return count_; }

 private:
  T* data_ = nullptr;
  size_t count_ = 0;
};

}  // namespace fss::gpu

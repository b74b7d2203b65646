#pragma once
// RAII device allocation and a status check that turns CUDA failures into fss::Error.
// Device work of this project runs on the calling thread's default stream (kStream): each party
// thread orders its own work and never waits for the other's. Buffers come from the device's
// stream-ordered memory pool, so allocations after the first inference reuse pooled memory
// instead of calling into the driver (use_pool_for_buffers keeps freed memory in the pool).
#include <cuda_runtime.h>

#include <cstddef>
#include <span>
#include <utility>

#include "core/error.h"
#include "cuda/pinned_staging.h"

namespace fss::gpu {

inline void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess)
    fail(ErrorKind::kInternal, "CUDA {} failed: {}", what, cudaGetErrorString(status));
}

inline const cudaStream_t kStream = cudaStreamPerThread;

// Waits for the calling thread's device work.
inline void synchronize_stream(const char* what) {
  check_cuda(cudaStreamSynchronize(kStream), what);
}

// Keeps memory freed to the current device's pool there (the default threshold returns it to
// the driver at every synchronization).
void use_pool_for_buffers();

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;  // empty: no allocation
  explicit DeviceBuffer(size_t count) : count_(count) {
    check_cuda(cudaMallocAsync(reinterpret_cast<void**>(&data_), count * sizeof(T), kStream),
               "device allocation");
  }
  ~DeviceBuffer() {
    if (data_ != nullptr) cudaFreeAsync(data_, kStream);
  }
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), count_(std::exchange(other.count_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(count_, other.count_);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* get() const { return data_; }
  size_t size() const { return count_; }

 private:
  T* data_ = nullptr;
  size_t count_ = 0;
};

// buffer[0, values.size()) = values, on kStream (the host may reuse `values` on return); large
// copies are staged through pinned memory (cuda/pinned_staging.h).
template <typename T>
void copy_to_device(std::span<const T> values, DeviceBuffer<T>& buffer) {
  if (values.empty()) return;
  staged_copy_to_device(values.data(), buffer.get(), values.size_bytes());
}

// out = buffer[0, out.size()), after the thread's earlier device work.
template <typename T>
void copy_to_host(const DeviceBuffer<T>& buffer, std::span<T> out) {
  if (out.empty()) return;
  staged_copy_to_host(buffer.get(), out.data(), out.size_bytes());
}

}  // namespace fss::gpu

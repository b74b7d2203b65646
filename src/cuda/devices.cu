#include <cuda_runtime.h>

#include "cuda/devices.h"

namespace fss::gpu {

DeviceList list_devices() {
  DeviceList list;
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    list.reason = std::string("no usable GPU: ") + cudaGetErrorString(status);
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return list;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    list.devices.push_back({i, prop.name, prop.major, prop.minor, prop.totalGlobalMem});
  }
  if (list.devices.empty()) list.reason = "no GPU visible to this process";
  return list;
}

std::optional<size_t> free_memory_bytes(int device) {
  size_t free_bytes = 0, total_bytes = 0;
  if (cudaSetDevice(device) != cudaSuccess ||
      cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) {
    cudaGetLastError();
    return std::nullopt;
  }
  return free_bytes;
}

}  // namespace fss::gpu

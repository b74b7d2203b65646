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

}  // namespace fss::gpu

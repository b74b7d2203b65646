#pragma once
// What GPUs this process can use. Never throws: a machine without a driver or without a GPU
// yields an empty list and a reason that the caller prints (tests skip with it).
#include <optional>
#include <string>
#include <vector>

namespace fss::gpu {

struct DeviceInfo {
  int index = 0;
  std::string name;
  int compute_major = 0;
  int compute_minor = 0;
  size_t memory_bytes = 0;
};

struct DeviceList {
  std::vector<DeviceInfo> devices;
  std::string reason;  // why the list is empty ("no CUDA driver", "built without CUDA", ...)
};

DeviceList list_devices();

// Free memory of GPU `device` now; nullopt when it cannot be asked (no GPU, no CUDA build).
std::optional<size_t> free_memory_bytes(int device);

}  // namespace fss::gpu

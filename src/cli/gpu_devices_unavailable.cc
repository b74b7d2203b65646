// list_devices() for builds without the cuda module (no nvcc at configure time).
#include "cuda/devices.h"

namespace fss::gpu {

DeviceList list_devices() { return {{}, "this build has no CUDA backend (nvcc was not found)"}; }

}  // namespace fss::gpu

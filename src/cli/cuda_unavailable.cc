// The cuda module's entry points for builds without it (no nvcc at configure time).
#include "core/error.h"
#include "cuda/cuda_backend.h"
#include "cuda/devices.h"

namespace fss::gpu {

namespace {
constexpr const char* kNoCuda = "this build has no CUDA backend (nvcc was not found)";
}

DeviceList list_devices() { return {{}, kNoCuda}; }

std::optional<size_t> free_memory_bytes(int) { return std::nullopt; }

std::unique_ptr<Backend> make_cuda_backend(int, const CudaBackendOptions&) {
  fail(ErrorKind::kInvalidArgument, "--backend cuda: {}", kNoCuda);
}

}  // namespace fss::gpu

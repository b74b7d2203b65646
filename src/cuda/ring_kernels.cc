#include "cuda/ring_kernels.h"

#include "cuda/device_buffer.h"
#include "cuda/launch.h"

namespace fss::gpu {

void ring_elementwise(RingOp op, Ring ring, int shift, std::span<const uint64_t> a,
                      std::span<const uint64_t> b, std::span<uint64_t> out) {
  FSS_CHECK(a.size() == b.size() && a.size() == out.size());
  if (a.empty()) return;
  const size_t bytes = a.size_bytes();
  DeviceBuffer<uint64_t> da(a.size()), db(a.size()), dout(a.size());
  check_cuda(cudaMemcpy(da.get(), a.data(), bytes, cudaMemcpyHostToDevice), "copy to device");
  check_cuda(cudaMemcpy(db.get(), b.data(), bytes, cudaMemcpyHostToDevice), "copy to device");
  check_cuda(launch_ring_elementwise(op, ring, shift, da.get(), db.get(), dout.get(), a.size(), 0),
             "ring kernel launch");
  check_cuda(cudaMemcpy(out.data(), dout.get(), bytes, cudaMemcpyDeviceToHost), "copy to host");
}

}  // namespace fss::gpu

#include "cuda/ring_kernels.h"

#include "cuda/device_buffer.h"
#include "cuda/launch.h"

namespace fss::gpu {

void ring_elementwise(RingOp op, Ring ring, int shift, std::span<const uint64_t> a,
                      std::span<const uint64_t> b, std::span<uint64_t> out) {
  FSS_CHECK(a.size() == b.size() && a.size() == out.size());
  if (a.empty()) return;
  DeviceBuffer<uint64_t> da(a.size()), db(a.size()), dout(a.size());
  copy_to_device(a, da);
  copy_to_device(b, db);
  check_cuda(
      launch_ring_elementwise(op, ring, shift, da.get(), db.get(), dout.get(), a.size(), kStream),
      "ring kernel launch");
  copy_to_host(dout, out);
}

}  // namespace fss::gpu

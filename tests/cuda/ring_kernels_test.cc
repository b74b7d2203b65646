// The GPU kernel and the CPU evaluation of the same FSS_HD function agree bit for bit (skips
// without a GPU). The Ring functions themselves are checked against plain math in core tests.
#include "cuda/ring_kernels.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "cuda/devices.h"
#include "cuda/ring_op.h"

namespace fss::gpu {
namespace {

TEST(RingKernels, GpuEqualsCpuForEveryWidthAndOp) {
  const DeviceList list = list_devices();
  if (list.devices.empty()) GTEST_SKIP() << "skipping GPU test: " << list.reason;
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const size_t count = 1 << 14;
  std::vector<uint64_t> a(count), b(count), out(count);
  for (int n : {1, 2, 7, 12, 37, 50, 63, 64}) {
    for (RingOp op : {RingOp::kAdd, RingOp::kSub, RingOp::kMul, RingOp::kNeg, RingOp::kMsb,
                      RingOp::kLrs, RingOp::kArs, RingOp::kTruncateReduce}) {
      const Ring ring{n};
      const int shift = static_cast<int>(rng() % n);
      for (size_t i = 0; i < count; ++i) {
        a[i] = rng() & ring.mask();
        b[i] = rng() & ring.mask();
      }
      ring_elementwise(op, ring, shift, a, b, out);
      for (size_t i = 0; i < count; ++i)
        ASSERT_EQ(out[i], apply_ring_op(op, ring, shift, a[i], b[i]))
            << "n=" << n << " op=" << static_cast<int>(op) << " i=" << i;
    }
  }
}

}  // namespace
}  // namespace fss::gpu

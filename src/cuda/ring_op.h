#pragma once
// The per-element step behind gpu::ring_elementwise, usable on host and device.
#include "core/hd.h"
#include "cuda/ring_kernels.h"

namespace fss::gpu {

FSS_HD uint64_t apply_ring_op(RingOp op, Ring ring, int shift, uint64_t a, uint64_t b) {
  switch (op) {
    case RingOp::kAdd:
      return ring.add(a, b);
    case RingOp::kSub:
      return ring.sub(a, b);
    case RingOp::kMul:
      return ring.mul(a, b);
    case RingOp::kNeg:
      return ring.neg(a);
    case RingOp::kMsb:
      return ring.msb(a);
    case RingOp::kLrs:
      return ring.lrs(a, shift);
    case RingOp::kArs:
      return ring.ars(a, shift);
    case RingOp::kTruncateReduce:
      return ring.truncate_reduce(a, shift);
  }
  return 0;
}

}  // namespace fss::gpu

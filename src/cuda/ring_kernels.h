#pragma once
// Elementwise ring arithmetic on the GPU from the same FSS_HD functions the CPU runs
// (core/ring.h): the first of the backend's bulk operations, and the check that one source
// serves both. Host pointers in, host pointers out; throws fss::Error on any CUDA failure.
#include <cstdint>
#include <span>

#include "core/ring.h"

namespace fss::gpu {

enum class RingOp { kAdd, kSub, kMul, kNeg, kMsb, kLrs, kArs, kTruncateReduce };

// out[i] = op(a[i], b[i]) in Z_{2^n}; shift ops use `shift` and ignore b.
void ring_elementwise(RingOp op, Ring ring, int shift, std::span<const uint64_t> a,
                      std::span<const uint64_t> b, std::span<uint64_t> out);

}  // namespace fss::gpu

#pragma once
// The per-point step of crypto/offset_sums.h, written once for the CPU backend and the GPU kernel
// (ARCHITECTURE.md §4); free of host-only headers so that nvcc compiles it.
#include <cstdint>

#include "core/hd.h"

namespace fss {

// sums[q] += weights[q] * share for q < width, mod 2^64: one point's part of a key's sums.
FSS_HD constexpr void add_weighted(uint64_t width, const uint64_t* weights, uint64_t share,
                                   uint64_t* sums) {
  for (uint64_t q = 0; q < width; ++q) sums[q] += weights[q] * share;
}

}  // namespace fss

#pragma once
// FSS_HD marks per-element protocol math that both backends run: __host__ __device__ under
// nvcc, nothing under a host compiler. Write such a function once; never copy it into a kernel.
#if defined(__CUDACC__)
#define FSS_HD __host__ __device__ __forceinline__
#else
#define FSS_HD inline
#endif

#include <bit>
#include <cstdint>

// Bit counts for FSS_HD code: one instruction on either side.
FSS_HD int fss_popcount64(uint64_t x) {
#if defined(__CUDA_ARCH__)
  return __popcll(x);
#else
  return std::popcount(x);
#endif
}

// Index of the lowest set bit; x must not be 0.
FSS_HD int fss_ctz64(uint64_t x) {
#if defined(__CUDA_ARCH__)
  return __ffsll(static_cast<long long>(x)) - 1;
#else
  return std::countr_zero(x);
#endif
}

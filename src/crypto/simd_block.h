#pragma once
// The CPU's block type for the per-key math of crypto/tree_math.h, dpf_math.h and dcf_math.h:
// one SSE register, so that the formulas written once for Block run in the CPU's AES loops
// with no round trips through general-purpose registers or memory. Host-only.
#include <immintrin.h>

#include <cstdint>

#include "crypto/block.h"

namespace fss {

struct SimdBlock {
  __m128i v;

  friend SimdBlock operator^(SimdBlock a, SimdBlock b) { return {_mm_xor_si128(a.v, b.v)}; }
  friend SimdBlock operator&(SimdBlock a, SimdBlock b) { return {_mm_and_si128(a.v, b.v)}; }
};

inline SimdBlock to_simd(const Block& b) {
  return {_mm_loadu_si128(reinterpret_cast<const __m128i*>(&b))};
}
inline Block to_block(SimdBlock b) {
  Block out;
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&out), b.v);
  return out;
}

inline uint64_t block_lsb(SimdBlock b) { return static_cast<uint64_t>(_mm_cvtsi128_si64(b.v)) & 1; }
inline SimdBlock block_with_lsb(SimdBlock b, uint64_t bit) {
  return {_mm_or_si128(_mm_andnot_si128(_mm_cvtsi64_si128(1), b.v),
                       _mm_cvtsi64_si128(static_cast<int64_t>(bit)))};
}
inline SimdBlock block_flip_lsb(SimdBlock b, uint64_t bit) {
  return {_mm_xor_si128(b.v, _mm_cvtsi64_si128(static_cast<int64_t>(bit)))};
}
inline SimdBlock block_fill(SimdBlock, uint64_t bit) {
  return {_mm_set1_epi64x(-static_cast<int64_t>(bit))};
}
inline SimdBlock block_control_fill(SimdBlock node) {
  const __m128i bit = _mm_and_si128(node.v, _mm_cvtsi64_si128(1));
  return {_mm_sub_epi64(_mm_setzero_si128(), _mm_shuffle_epi32(bit, 0x44))};
}
inline SimdBlock block_select(uint64_t bit, SimdBlock if_zero, SimdBlock if_one) {
  return {_mm_blendv_epi8(if_zero.v, if_one.v, _mm_set1_epi64x(-static_cast<int64_t>(bit)))};
}

}  // namespace fss

#pragma once
// AES-NI building blocks for CPU hot loops (the AES class, the PRG, batched FSS evaluation).
// Host-only; the GPU backend has its own AES over the same round keys.
#include <immintrin.h>

#include "crypto/aes.h"

namespace fss::aes_ni {

inline __m128i load(Block b) {
  return _mm_set_epi64x(static_cast<int64_t>(b.hi), static_cast<int64_t>(b.lo));
}
inline Block store(__m128i v) {
  return {static_cast<uint64_t>(_mm_cvtsi128_si64(v)), static_cast<uint64_t>(_mm_extract_epi64(v, 1))};
}

struct RoundKeys {
  __m128i rk[11];
  explicit RoundKeys(const Aes128& aes) {
    for (int i = 0; i < 11; ++i) rk[i] = load(aes.round_keys()[i]);
  }
};

// s[j] = AES(s[j]) for kWidth independent blocks; the chains overlap in the AES pipeline.
template <int kWidth>
inline void encrypt_wide(const RoundKeys& k, __m128i* s) {
  for (int j = 0; j < kWidth; ++j) s[j] = _mm_xor_si128(s[j], k.rk[0]);
  for (int r = 1; r < 10; ++r)
    for (int j = 0; j < kWidth; ++j) s[j] = _mm_aesenc_si128(s[j], k.rk[r]);
  for (int j = 0; j < kWidth; ++j) s[j] = _mm_aesenclast_si128(s[j], k.rk[10]);
}

// s[j] = AES(s[j]) ^ s[j]: the Matyas-Meyer-Oseas compression of PROTOCOLS.md §1.
template <int kWidth>
inline void mmo_wide(const RoundKeys& k, __m128i* s) {
  __m128i x[kWidth];
  for (int j = 0; j < kWidth; ++j) x[j] = s[j];
  encrypt_wide<kWidth>(k, x);
  for (int j = 0; j < kWidth; ++j) s[j] = _mm_xor_si128(x[j], s[j]);
}

// The same with a fixed key per block: s[j] = AES_{keys[j]}(s[j]) ^ s[j] (lanes whose tree paths
// take different PRG streams).
template <int kWidth>
inline void mmo_per_lane(const RoundKeys* const* keys, __m128i* s) {
  __m128i x[kWidth];
  for (int j = 0; j < kWidth; ++j) x[j] = _mm_xor_si128(s[j], keys[j]->rk[0]);
  for (int r = 1; r < 10; ++r)
    for (int j = 0; j < kWidth; ++j) x[j] = _mm_aesenc_si128(x[j], keys[j]->rk[r]);
  for (int j = 0; j < kWidth; ++j) x[j] = _mm_aesenclast_si128(x[j], keys[j]->rk[10]);
  for (int j = 0; j < kWidth; ++j) s[j] = _mm_xor_si128(x[j], s[j]);
}

}  // namespace fss::aes_ni

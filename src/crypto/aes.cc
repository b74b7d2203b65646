#include "crypto/aes.h"

#include <cstring>

#include "core/error.h"
#include "crypto/aes_ni.h"

namespace fss {
namespace {

using aes_ni::load;
using aes_ni::store;

template <int kRcon>
__m128i expand_step(__m128i key) {
  __m128i assist = _mm_aeskeygenassist_si128(key, kRcon);
  assist = _mm_shuffle_epi32(assist, 0xff);
  key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
  key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
  key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
  return _mm_xor_si128(key, assist);
}

}  // namespace

Block block_from_bytes(const uint8_t bytes[16]) {
  Block b;
  std::memcpy(&b.lo, bytes, 8);
  std::memcpy(&b.hi, bytes + 8, 8);
  return b;
}

void block_to_bytes(Block b, uint8_t bytes[16]) {
  std::memcpy(bytes, &b.lo, 8);
  std::memcpy(bytes + 8, &b.hi, 8);
}

Aes128::Aes128(const std::array<uint8_t, 16>& key) : Aes128(block_from_bytes(key.data())) {}

Aes128::Aes128(Block key) {
  __m128i k = load(key);
  __m128i rk[11];
  rk[0] = k;
  rk[1] = k = expand_step<0x01>(k);
  rk[2] = k = expand_step<0x02>(k);
  rk[3] = k = expand_step<0x04>(k);
  rk[4] = k = expand_step<0x08>(k);
  rk[5] = k = expand_step<0x10>(k);
  rk[6] = k = expand_step<0x20>(k);
  rk[7] = k = expand_step<0x40>(k);
  rk[8] = k = expand_step<0x80>(k);
  rk[9] = k = expand_step<0x1b>(k);
  rk[10] = expand_step<0x36>(k);
  for (int i = 0; i < 11; ++i) round_keys_[i] = store(rk[i]);
}

void Aes128::encrypt_blocks(std::span<const Block> in, std::span<Block> out) const {
  FSS_CHECK(in.size() == out.size(), "aes: {} inputs, {} outputs", in.size(), out.size());
  const aes_ni::RoundKeys keys(*this);
  size_t i = 0;
  for (; i + 8 <= in.size(); i += 8) {
    __m128i s[8];
    for (int j = 0; j < 8; ++j) s[j] = load(in[i + j]);
    aes_ni::encrypt_wide<8>(keys, s);
    for (int j = 0; j < 8; ++j) out[i + j] = store(s[j]);
  }
  for (; i < in.size(); ++i) {
    __m128i s = load(in[i]);
    aes_ni::encrypt_wide<1>(keys, &s);
    out[i] = store(s);
  }
}

Block Aes128::encrypt(Block in) const {
  Block out;
  encrypt_blocks({&in, 1}, {&out, 1});
  return out;
}

}  // namespace fss

#pragma once
// Distributed comparison functions (Boyle-Chandran-Gilboa-Gupta-Ishai-Kumar-Rathee) with a
// ring payload: f^<_{alpha,beta}(x) = beta * 1{x < alpha} in Z_{2^l} (PROTOCOLS.md §1).
//
// Construction: a full-depth tree (no early termination) over n input bits. A node (s, t)
// expands with the fixed-key MMO PRG into child seeds (PrgStream::kLeft/kRight, control bit in
// bit 0 as in dpf.h) and child value words (PrgStream::kValueLeft/kValueRight, low l bits).
// Per level the key holds a seed CW block (bit 0 = left control-bit CW), a right control-bit
// CW and a value CW in Z_{2^l}; a final CW in Z_{2^l} corrects the leaf (G_convert of the leaf
// seed, low l bits). Outputs are additive shares mod 2^l.
#include <cstdint>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "crypto/block.h"

namespace fss {

struct DcfParams {
  int n = 0;         // input bits, 1..64
  int out_bits = 0;  // l, 1..64
};

// Serialized bytes of one key: 16 (root) + 16*n (seed CWs) + ceil(n/8) (right-bit CWs) +
// ceil(n*l/8) (value CWs, bit-packed) + ceil(l/8) (final CW). Per key, plus
// kDcfBatchHeaderBytes once per batch.
uint64_t dcf_key_bytes(const DcfParams& params);
inline constexpr uint64_t kDcfBatchHeaderBytes = 16;

struct DcfKeyBatch {
  DcfParams params;
  uint64_t count = 0;
  std::vector<Block> root;            // [count]
  std::vector<Block> level_cw;        // [n][count]
  std::vector<uint64_t> right_t_cw;   // [count]; bit i = level i
  std::vector<uint64_t> value_cw;     // [n][count], values mod 2^l
  std::vector<uint64_t> final_cw;     // [count]
};

struct DcfKeyPair {
  DcfKeyBatch party[2];
};

// Keys for beta_i * 1{x < alpha_i}; alphas[i] < 2^n, betas[i] < 2^l. Randomness as in dpf_gen:
// key i's root seeds are AES_seed(2i), AES_seed(2i+1). Throws kInvalidArgument on bad input.
DcfKeyPair dcf_gen(const DcfParams& params, std::span<const uint64_t> alphas,
                   std::span<const uint64_t> betas, Block seed);

// out[i] = party's additive share (mod 2^l) of betas[i] * 1{xs[i] < alphas[i]}.
void dcf_eval(int party, const DcfKeyBatch& keys, std::span<const uint64_t> xs,
              std::span<uint64_t> out);

void serialize(const DcfKeyBatch& keys, ByteWriter& out);
DcfKeyBatch deserialize_dcf_keys(ByteReader& in);

}  // namespace fss

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
// Batches run on the OpenMP team (omp_set_num_threads), 8 keys in lockstep per thread so that
// AES runs 16 to 64 blocks wide; VAES is used where the CPU has it (see detail::DcfAesPath).
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
  std::vector<Block> root;           // [count]
  std::vector<Block> level_cw;       // [n][count]
  std::vector<uint64_t> right_t_cw;  // [count]; bit i = level i
  std::vector<uint64_t> value_cw;    // [n][count], values mod 2^l
  std::vector<uint64_t> final_cw;    // [count]
};

struct DcfKeyPair {
  DcfKeyBatch party[2];
};

// Keys for beta_i * 1{x < alpha_i}; alphas[i] < 2^n, betas[i] < 2^l. Randomness as in dpf_gen:
// key i's root seeds are AES_seed(2i), AES_seed(2i+1). Throws kInvalidArgument on bad input.
DcfKeyPair dcf_gen(const DcfParams& params, std::span<const uint64_t> alphas,
                   std::span<const uint64_t> betas, Block seed);

// out[i] = party's additive share (mod 2^l) of betas[i] * 1{xs[i] < alphas[i]}. Throws
// kInvalidArgument unless xs.size() == out.size() == keys.count, every xs[i] < 2^n and the
// keys are party's (bit 0 of each root).
void dcf_eval(int party, const DcfKeyBatch& keys, std::span<const uint64_t> xs,
              std::span<uint64_t> out);

// Layout per batch: header (u32 n, u32 l, u64 count), then root[count], level_cw[n][count],
// right-bit CWs (ceil(n/8) bytes per key), value CWs (per key the n values bit-packed to l bits
// each, ceil(n*l/8) bytes), final CWs (ceil(l/8) bytes per key); little-endian, zero padding.
// Deserialization reads one batch (a gate's key record may hold more after it: the caller
// checks the end); it throws kParse on n or l outside 1..64, more keys than the remaining
// bytes hold, nonzero padding bits, or roots of both parties in one batch.
void serialize(const DcfKeyBatch& keys, ByteWriter& out);
DcfKeyBatch deserialize_dcf_keys(ByteReader& in);

namespace detail {
// The AES instructions of the CPU code: dcf_gen/dcf_eval take kVaes (256-bit VAES, two AES
// streams per instruction) where the CPU has VAES and AVX-512VL, else kAesNi. Explicit so that
// tests cover both paths; kVaes on a CPU without it throws kInvalidArgument. Same outputs.
enum class DcfAesPath { kAesNi, kVaes };
DcfAesPath dcf_best_aes_path();
DcfKeyPair dcf_gen(const DcfParams& params, std::span<const uint64_t> alphas,
                   std::span<const uint64_t> betas, Block seed, DcfAesPath path);
void dcf_eval(int party, const DcfKeyBatch& keys, std::span<const uint64_t> xs,
              std::span<uint64_t> out, DcfAesPath path);
}  // namespace detail

}  // namespace fss

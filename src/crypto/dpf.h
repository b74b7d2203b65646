#pragma once
// Distributed point functions (Boyle-Gilboa-Ishai 2016) with early termination, the DPF-based
// comparison of SIGMA, and full-domain evaluation (PROTOCOLS.md §1).
//
// Construction. Seeds are 128-bit blocks whose bit 0 is the control bit t (127 seed bits + 1).
// A node (s, t) expands to children G_L(s') and G_R(s') with s' = s without its control bit and
// G the fixed-key MMO PRG (PrgStream::kLeft / kRight). Level correction word: one block `cw`
// whose bit 0 is the left control-bit correction, plus one bit for the right control-bit
// correction. Party 0 starts with t = 0, party 1 with t = 1.
// Early termination: the tree stops at depth L = n - nu where nu = min(n, floor(log2(128/l)));
// a leaf block (G_convert of the leaf seed) holds 2^nu slots of (128 >> nu) bits, of which the
// low l bits are used. Outputs: l = 1 gives XOR shares of beta*[x == alpha]; l > 1 gives
// additive shares mod 2^l.
//
// Keys of one gate are a batch stored structure-of-arrays, level-major ([level][key]) so that
// one GPU thread per key reads correction words coalesced.
#include <cstdint>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "crypto/block.h"

namespace fss {

struct DpfParams {
  int n = 0;         // input bits, 1..64
  int out_bits = 1;  // l, 1..64

  // nu: domain bits resolved inside the leaf block.
  int leaf_bits() const;
  // L = n - nu: tree levels walked per evaluation.
  int levels() const { return n - leaf_bits(); }
};

// Serialized bytes of one key: 16 (root seed) + 16*L (seed/left-bit CWs) + ceil(L/8)
// (right-bit CWs) + 16 (leaf CW). Matches serialize() exactly, per key, plus
// kDpfBatchHeaderBytes once per batch.
uint64_t dpf_key_bytes(const DpfParams& params);
inline constexpr uint64_t kDpfBatchHeaderBytes = 16;  // n, l, count

struct DpfKeyBatch {
  DpfParams params;
  uint64_t count = 0;
  std::vector<Block> root;           // [count]; bit 0 of party b's root is b
  std::vector<Block> level_cw;       // [levels][count]; bit 0 = left control-bit CW
  std::vector<uint64_t> right_t_cw;  // [count]; bit i = right control-bit CW of level i
  std::vector<Block> leaf_cw;        // [count]
};

struct DpfKeyPair {
  DpfKeyBatch party[2];
};

// Generates keys for f_{alpha_i, beta_i}, i < alphas.size(). alphas[i] < 2^n and
// betas[i] < 2^l (l = 1: beta in {0, 1}). All randomness is derived from `seed`: key i's root
// seeds are AES_seed(2i) and AES_seed(2i+1), so keygen is parallel and reproducible on any
// backend. Throws kInvalidArgument on out-of-range parameters or sizes.
DpfKeyPair dpf_gen(const DpfParams& params, std::span<const uint64_t> alphas,
                   std::span<const uint64_t> betas, Block seed);

// out[i] = party's share of f_i(xs[i]) (XOR share in bit 0 for l = 1, additive mod 2^l else).
// The evaluation functions throw kInvalidArgument when sizes differ from keys.count, an input
// is not below 2^n, or a key's root does not belong to `party`.
void dpf_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
              std::span<uint64_t> out);

// SIGMA's comparison: out[i] = party's XOR share of 1{xs[i] < alpha_i} (needs l = 1 keys with
// beta = 1), from a single path evaluation per key.
void dpf_compare_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                      std::span<uint8_t> out);

// Full-domain evaluation of key `index` (l = 1): bit x of `out` (word x/64, bit x%64) is the
// party's XOR share of f(x), for every x < 2^n. out.size() must be ceil(2^n / 64).
void dpf_eval_full_domain(int party, const DpfKeyBatch& keys, uint64_t index,
                          std::span<uint64_t> out);
// The core of a lookup table (sigma/lut.h), for every key i (l = 1 keys):
//   dots[i] = sum_{x < 2^n} e_i(x) terms[offsets[i] + x] mod 2^64,  ones[i] = sum_x e_i(x),
// e_i(x) the party's share bit of key i at x (terms past 2^n meet zero bits when n < 6). Throws
// kInvalidArgument unless offsets, dots and ones have one entry per key and every window
// [offsets[i], offsets[i] + 64 ceil(2^n / 64)) lies inside terms.
void dpf_full_domain_dot(int party, const DpfKeyBatch& keys, std::span<const uint64_t> terms,
                         std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                         std::span<uint64_t> ones);

void serialize(const DpfKeyBatch& keys, ByteWriter& out);
// Reads one batch (a gate's key record may hold more after it: the caller checks the end).
// Throws kParse on truncated or inconsistent input: n or l outside 1..64, more keys than
// the remaining bytes hold, roots of both parties in one batch, nonzero padding bits.
DpfKeyBatch deserialize_dpf_keys(ByteReader& in);

// The message for a crypto/dpf_math.h DpfKeyProblem code ("its root's party bit differs ...").
const char* dpf_key_problem_text(uint64_t problem);

// One serialized batch where it lies (a key record, possibly resident on a device), with its
// header read and its length checked but its keys not parsed, so that a backend evaluating
// where the bytes already are skips the host-side copy. `batch` is positioned at the header.
struct DpfKeyRecord {
  DpfParams params;
  uint64_t count = 0;
  ByteReader batch;
  // The party bit of key 0's root (0 for an empty batch); the keys' own check is the backend's.
  int root_party() const;
  std::span<const uint8_t> bytes() const;  // header and keys
  const uint8_t* device_bytes() const { return batch.device_address(); }
};
// Reads the header of the batch at `in`'s offset and moves `in` past the batch. Throws kParse
// as deserialize_dpf_keys does for the header and length.
DpfKeyRecord read_dpf_record(ByteReader& in);
// The record's keys, checked as deserialize_dpf_keys checks them.
DpfKeyBatch deserialize(const DpfKeyRecord& record);

}  // namespace fss

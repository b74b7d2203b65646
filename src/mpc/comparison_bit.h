#pragma once
// Arithmetic shares of a comparison bit c = 1{x < alpha}, for public x and dealer-known alpha
// (both m-bit), the step that gap truncation and sign extension share (PROTOCOLS.md §3).
// One DPF_{m,1} comparison key for the point alpha gives XOR shares of c; the dealer masks c
// with a fresh bit s, the parties open c ^ s (1 bit each, one round) and convert with
// [c] = b * (c^s) + (1 - 2 (c^s)) [s] mod 2^bits, from arithmetic shares of s.
// Key per party: kDpfBatchHeaderBytes + count * (dpf_key_bytes({m, 1}) bytes + 1 + bits bits),
// each bit field packed separately.
#include <cstdint>
#include <span>
#include <vector>

#include "core/bitpack.h"
#include "core/bytes.h"
#include "crypto/prg.h"
#include "mpc/gate.h"

namespace fss {

uint64_t comparison_bit_key_bytes(uint64_t count, int m, int bits);

// Dealer: appends both parties' keys for the points alphas[i] < 2^m.
void gen_comparison_bit(std::span<const uint64_t> alphas, int m, int bits, SeededPrg& prg,
                        ByteWriter& key0, ByteWriter& key1);

// The opened bits c ^ s of a batch of comparisons and the key's shares of s, from which
// core/comparison_share.h's comparison_share makes [c] element by element.
struct OpenedComparisonBits {
  std::vector<uint8_t> c_hat;  // packed one bit each (core/bitpack.h at n = 1)
  PackedValues mask_share;     // `bits`-bit shares of s, one per comparison
};

// Party: reads its key and opens c ^ s for c = 1{x_i < alpha_i} (one round), x_i as below.
// Throws as eval_comparison_bit.
OpenedComparisonBits open_comparison_bits(int party, ByteReader& key,
                                          std::span<const uint64_t> x_hat, uint64_t offset, int m,
                                          int bits, Opener& opener);

// Party: reads its key and returns its shares of 1{x_i < alpha_i} mod 2^bits (one round), for
// x_i = (x_hat[i] + offset) mod 2^m with a public offset < 2^m: the backend makes the points
// where the keys lie (crypto/compare_offsets.h). Throws kParse if the key record does not hold
// x_hat.size() comparisons on m bits.
Words eval_comparison_bit(int party, ByteReader& key, std::span<const uint64_t> x_hat,
                          uint64_t offset, int m, int bits, Opener& opener);

}  // namespace fss

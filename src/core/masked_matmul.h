#pragma once
// The secret-weights matrix product of sigma/matmul.h as a backend runs it (PROTOCOLS.md §2):
// party b's share
//   [Z]_b = (b X^ - [R_X]_b) W^ - X^ [R_W]_b + [C]_b  mod 2^n,
// from the masked operands and the mask shares as the key record holds them, bit-packed at n
// bits. The per-element steps are FSS_HD, so the CPU and the GPU run the same ones.
#include <cstdint>
#include <span>

#include "core/bitpack.h"
#include "core/hd.h"
#include "core/matmul.h"
#include "core/ring.h"

namespace fss {

// One party's key of the product, for MatmulDims dims: n-bit shares of R_X (dims.left_size()
// values), of R_W (dims.right_size()) and of C = R_X R_W + r_out (dims.out_size()).
struct MaskedMatmulKey {
  int n = 0;
  PackedValues r_x, r_w, c;
};

// Throws kInvalidArgument, naming `where`, as check_matmul_arguments does for X^, W^ and the
// share, if party is not 0 or 1, n is outside 1..64, or a packed field's size is not that of
// its count of n-bit values.
void check_masked_matmul_arguments(int party, const MaskedMatmulKey& key,
                                   std::span<const uint64_t> x_hat, std::span<const uint64_t> w_hat,
                                   std::span<const uint64_t> share, const MatmulDims& dims,
                                   const char* where);

// Element i of the left operand, b X^ - [R_X]_b (wraps mod 2^64; the share is reduced last).
FSS_HD constexpr uint64_t masked_matmul_left(int party, uint64_t x_hat, uint64_t r_x_share) {
  return static_cast<uint64_t>(party) * x_hat - r_x_share;
}

// Element i of the share from the two products, (b X^ - [R_X]) W^ and X^ [R_W].
FSS_HD constexpr uint64_t masked_matmul_share(Ring ring, uint64_t left_product,
                                              uint64_t mask_product, uint64_t c_share) {
  return ring.add(left_product - mask_product, c_share);
}

}  // namespace fss

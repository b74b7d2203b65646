#pragma once
// The last step of SIGMA's gap truncation (PROTOCOLS.md §3, sigma/gap_truncation.h) as a backend
// runs it: party b's share of LRS or ARS of x from the public x^, the opened carry bits and the
// key's fields, bit-packed as the key record holds them. The per-element step is FSS_HD, so the
// CPU and the GPU run the same one.
#include <cstdint>
#include <span>

#include "core/bitpack.h"
#include "core/comparison_share.h"
#include "core/hd.h"
#include "core/ring.h"

namespace fss {

// The public constants of one gap truncation.
struct GapShiftStep {
  int party = 0;
  Ring ring{1};             // Z_{2^n}, the input's ring and the output's
  int f = 1;                // the shift: 1 <= f < n for LRS, f <= n - 2 for ARS
  bool arithmetic = false;  // ARS, else LRS

  // ARS shifts y = x + 2^{n-2}, non-negative where |x| < 2^{n-2}, and subtracts 2^{n-2-f} after.
  FSS_HD constexpr uint64_t input_offset() const {
    return arithmetic ? uint64_t{1} << (ring.n - 2) : 0;
  }
  FSS_HD constexpr uint64_t output_offset() const { return input_offset() >> f; }
};

// One party's key fields after the carry's comparison key, `count` values each.
struct GapShiftKey {
  PackedValues carry_mask;  // n bits: [s], the arithmetic share of the carry's mask bit s
  PackedValues r_msb;       // f bits: [MSB(r)] mod 2^f
  PackedValues correction;  // n bits: [r_out - LRS(r)]
};

// Element i of the share: with y^ = x^ + input_offset,
//   b (LRS(y^) - output_offset) + 2^{n-f} [MSB(r)] 1{MSB(y^) = 0} - [carry] + [correction]
// (Lemmas 1 and 2: the wrap 1{y^ < r} is MSB(r) where MSB(y^) = 0, and 0 elsewhere).
FSS_HD constexpr uint64_t gap_shift_share(const GapShiftStep& step, uint64_t x_hat,
                                          uint64_t carry_hat, uint64_t carry_mask_share,
                                          uint64_t r_msb_share, uint64_t correction_share) {
  const Ring ring = step.ring;
  const uint64_t carry = comparison_share(step.party, ring, carry_hat, carry_mask_share);
  const uint64_t y_hat = ring.add(x_hat, step.input_offset());
  const uint64_t public_part =
      step.party == 0 ? ring.sub(ring.lrs(y_hat, step.f), step.output_offset()) : 0;
  const uint64_t wrap =
      ring.msb(y_hat) ? 0 : ring.mul(r_msb_share, uint64_t{1} << (ring.n - step.f));
  return ring.add(ring.sub(ring.add(public_part, wrap), carry), correction_share);
}

// Throws kInvalidArgument, naming `where`, unless party is 0 or 1, 1 <= f < n <= 64 (f <= n - 2
// for ARS), the carry
// bits hold x_hat.size() bits, the share has x_hat.size() elements and each field holds
// x_hat.size() values of its width.
void check_gap_shift_arguments(const GapShiftStep& step, const GapShiftKey& key,
                               std::span<const uint64_t> x_hat, std::span<const uint8_t> carry_hat,
                               std::span<const uint64_t> share, const char* where);

}  // namespace fss

#pragma once
// Select(s, x) = s ? x : 0 for a masked bit s and a masked n-bit x (PROTOCOLS.md §2), local.
//
// With s = s^ ^ r_s = s^ + (1 - 2 s^) r_s and x = x^ - r_x:
//   s x + r_out = s^ x^ + (1 - 2 s^) x^ r_s + A_{s^},
//   A_0 = r_out - r_s r_x,   A_1 = r_out - r_x + r_s r_x.
// The dealer shares r_s, A_0 and A_1 in Z_{2^n}; a party picks A_{s^} by the public s^. Folding
// r_out and the product r_s r_x into the two constants needs 3n key bits per element where
// SIGMA's listing has 4n ([r_s], [r_x], [r_s r_x], [r_out]).
// Key per party: 3 * ceil(count * n / 8) bytes. Bytes sent and rounds: 0.
#include <cstdint>

#include "core/hd.h"
#include "core/ring.h"
#include "mpc/gate.h"

namespace fss {

// Per-element step of Select eval: this party's share of s x + r_out.
FSS_HD constexpr uint64_t select_share(int party, Ring ring, uint64_t s_hat, uint64_t x_hat,
                                       uint64_t r_s_share, uint64_t a0_share, uint64_t a1_share) {
  const uint64_t public_part = party == 0 ? s_hat * x_hat : 0;
  const uint64_t mask_part = (1 - 2 * s_hat) * x_hat * r_s_share;
  return ring.mod(public_part + mask_part + (s_hat ? a1_share : a0_share));
}

class SelectGate final : public Gate {
 public:
  // Inputs: the bit s (format {1, 0}) and x (format `value`); output s ? x : 0 in `value`'s
  // format.
  explicit SelectGate(FixedPoint value);

  GateKind kind() const override { return GateKind::kSelect; }
  std::string describe() const override;
  std::vector<FixedPoint> input_formats() const override { return {FixedPoint{1, 0}, value_}; }
  std::vector<FixedPoint> output_formats() const override { return {value_}; }
  uint64_t key_bytes(uint64_t count) const override;

  void clear(InColumns in, OutColumns out) const override;
  void gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
           ByteWriter& key1) const override;
  void eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
            Opener& opener) const override;

 private:
  FixedPoint value_;
};

}  // namespace fss

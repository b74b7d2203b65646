#pragma once
// SelectLin: out = alpha_j * x + beta_j with j = 2 s0 + s1 for masked bits s0, s1, a masked
// n-bit x and a public 4-entry table (PROTOCOLS.md §2; GeLU step 3 in §5), local.
//
// With the public index j^ = 2 s0^ + s1^ and the mask index rho = 2 r_s0 + r_s1, the true
// index is j = j^ ^ rho. For each of the four possible j^ the dealer shares
//   a(j^) = alpha_{j^ ^ rho}   and   c(j^) = beta_{j^ ^ rho} - alpha_{j^ ^ rho} r_x + r_out,
// and a party outputs x^ [a(j^)] + [c(j^)] = alpha_j (x^ - r_x) + beta_j + r_out.
// Key per party: 8 * ceil(count * n / 8) bytes (SIGMA's 8n bits). Bytes sent and rounds: 0.
#include <array>
#include <cstdint>

#include "core/hd.h"
#include "core/ring.h"
#include "mpc/gate.h"

namespace fss {

// Per-element step of SelectLin eval: this party's share of alpha_j x + beta_j + r_out from
// its shares of a(j^) and c(j^).
FSS_HD constexpr uint64_t select_lin_share(Ring ring, uint64_t x_hat, uint64_t slope_share,
                                           uint64_t constant_share) {
  return ring.mod(x_hat * slope_share + constant_share);
}

class SelectLinGate final : public Gate {
 public:
  using Table = std::array<int64_t, 4>;  // indexed by j = 2 s0 + s1, reduced mod 2^n

  // Inputs: s0, s1 (format {1, 0}) and x (format `value`); output in `value`'s format.
  SelectLinGate(FixedPoint value, Table alpha, Table beta);

  GateKind kind() const override { return GateKind::kSelectLin; }
  std::string describe() const override;
  std::vector<FixedPoint> input_formats() const override {
    return {FixedPoint{1, 0}, FixedPoint{1, 0}, value_};
  }
  std::vector<FixedPoint> output_formats() const override { return {value_}; }
  uint64_t key_bytes(uint64_t count) const override;

  void clear(InColumns in, OutColumns out) const override;
  void gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
           ByteWriter& key1) const override;
  void eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
            Opener& opener) const override;

 private:
  FixedPoint value_;
  Table alpha_;
  Table beta_;
};

}  // namespace fss

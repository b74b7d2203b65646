#pragma once
// Lookup table via a DPF (Pika; PROTOCOLS.md §1 "LUT via DPF"): for a public table T of 2^k
// entries, the masked k-bit input x^ = x + r gives shares of T[x] + r_out in Z_{2^l}.
//
// Key of party b: a DPF_{k,1} key for the point r (XOR shares e_b of the one-hot [j == r]) and
// l-bit shares of rho (a fresh uniform mask) and of c = r_out - sigma * rho, where
// sigma = e_0[r] - e_1[r] = +-1 is the sign the parties do not know.
// Eval: expand the DPF on the whole domain; u_b = sum_j T[x^ - j] e_b[j], p_b = popcount(e_b);
// open v = sigma * T[x] + rho from (-1)^b u_b + rho_b (l bits, one round);
// share_b = (-1)^b p_b * v + c_b. The proof is at eval in lut.cc.
// Key per party and element: DPF_{k,1} key + 2l bits, plus a 16-byte DPF batch header per gate.
// Sent per party: l bits per element, 1 round. Online: 2^{k-7} leaf + 2^{k-7} - 1 inner PRG
// expansions (k >= 7) and a 2^k-term masked sum per element.
#include <string>
#include <vector>

#include "mpc/gate.h"

namespace fss {

class LutGate final : public Gate {
 public:
  // Eval reads a 2^{k+1}-entry copy of the table and expands 2^k DPF outputs per element.
  static constexpr int kMaxInputBits = 20;

  // Input format {k, f_in} with 1 <= k <= kMaxInputBits; output format {l, f_out}; `table`
  // holds 2^k entries, each below 2^l. `name` identifies the table in describe(). Throws
  // kInvalidArgument otherwise.
  LutGate(std::string name, FixedPoint input, FixedPoint output, std::vector<uint64_t> table);

  GateKind kind() const override { return GateKind::kLut; }
  std::string describe() const override;  // "lut(gelu_delta, k=8, l=50)"
  std::vector<FixedPoint> input_formats() const override { return {input_}; }
  std::vector<FixedPoint> output_formats() const override { return {output_}; }
  uint64_t key_bytes(uint64_t count) const override;
  int rounds() const override { return 1; }

  void clear(InColumns in, OutColumns out) const override;
  void gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
           ByteWriter& key1) const override;
  void eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
            Opener& opener) const override;

  const std::vector<uint64_t>& table() const { return table_; }

 private:
  std::string name_;
  FixedPoint input_;
  FixedPoint output_;
  std::vector<uint64_t> table_;
  // reversed_[i] = T[-i mod 2^k] for i < 2^{k+1}: the terms T[x^ - j], j = 0..2^k-1, are the
  // contiguous slice starting at 2^k - x^.
  std::vector<uint64_t> reversed_;
};

}  // namespace fss

#pragma once
// Truncate-reduce TR_{n,f}(x) = LRS_{n,f}(x) mod 2^{n-f} (PROTOCOLS.md §3, SIGMA §4.2).
//
// With x^ = x + r, x0 = x^ mod 2^f, r0 = r mod 2^f, Lemma 1 gives
//   TR(x) = (x^ >> f) - (r >> f) - 1{x0 < r0}   (mod 2^{n-f}).
// The carry c = 1{x0 < r0} comes from mpc/comparison_bit.h: one DPF comparison on f bits,
// opened masked by a fresh bit (1 bit each, one round), converted to shares mod 2^{n-f}.
// Key per party and element: DPF_{f,1} key + 1 bit (share of s) + 2(n-f) bits
// ([s] and [r_out - (r >> f)]), plus a 16-byte DPF batch header per gate.
#include "mpc/gate.h"

namespace fss {

class TruncateReduceGate final : public Gate {
 public:
  // Input format {n, f_in}; output {n - f, max(f_in - f, 0)}. Needs 1 <= f < n.
  TruncateReduceGate(FixedPoint input, int f);

  GateKind kind() const override { return GateKind::kTruncateReduce; }
  std::string describe() const override;
  std::vector<FixedPoint> input_formats() const override { return {input_}; }
  std::vector<FixedPoint> output_formats() const override { return {output_}; }
  uint64_t key_bytes(uint64_t count) const override;
  int rounds() const override { return 1; }

  void clear(InColumns in, OutColumns out) const override;
  void gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
           ByteWriter& key1) const override;
  void eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
            Opener& opener) const override;

 private:
  FixedPoint input_;
  FixedPoint output_;
  int f_;
};

}  // namespace fss

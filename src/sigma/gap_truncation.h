#pragma once
// Faithful truncation by f bits with a gap on the input (PROTOCOLS.md §3, SIGMA §4.2); the
// output stays in the n-bit ring with scale f_in - f (0 if f > f_in).
//
//   GapLRS_{n,f}(x) = LRS_{n,f}(x), exact for x in [0, 2^{n-1}) (unsigned n-bit value);
//   GapARS_{n,f}(x) = ARS_{n,f}(x), exact for signed x in [-2^{n-2}, 2^{n-2}), i.e. x in
//                     [0, 2^{n-2}) ∪ [2^n - 2^{n-2}, 2^n).
// Staying in the domain is the caller's responsibility; outside it the output is off by 0 or
// ±2^{n-f} (mod 2^n). The clear engine computes LRS / ARS exactly on every input.
//
// Protocol: y = x + d with d = 0 (LRS) or 2^{n-2} (ARS), so y < 2^{n-1} and y^ = x^ + d is
// public. Lemma 1 with Lemma 2's wrap bit:
//   LRS(y) = LRS(y^) - LRS(r) + 2^{n-f} (1 - MSB(y^)) MSB(r) - 1{y^ mod 2^f < r mod 2^f};
// the carry comes from one DPF_{f,1} comparison opened masked (comparison_bit.h, 1 round);
// ARS(x) = LRS(y) - 2^{n-2-f}. MSB(r) is shared mod 2^f and scaled by 2^{n-f} locally.
// Key per party and element: dpf_key_bytes({f, 1}) bytes + (1 + n + f + n) bits (carry mask
// XOR and arithmetic shares, [MSB(r)] mod 2^f, [r_out - LRS(r)]); + 16 bytes per gate.
// Sent per party: 1 bit per element; 1 round.
#include "mpc/engine.h"
#include "mpc/gate.h"

namespace fss::sigma {

// The common protocol of GapLrsGate and GapArsGate.
class GapShiftGate : public Gate {
 public:
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

 protected:
  GapShiftGate(FixedPoint input, int f, bool arithmetic);

 private:
  FixedPoint input_;
  FixedPoint output_;
  int f_;
  bool arithmetic_;
};

class GapLrsGate final : public GapShiftGate {
 public:
  // Input format {n, f_in}; needs 1 <= f < n. Throws kInvalidArgument otherwise.
  GapLrsGate(FixedPoint input, int f) : GapShiftGate(input, f, false) {}
  GateKind kind() const override { return GateKind::kGapLrs; }
};

class GapArsGate final : public GapShiftGate {
 public:
  // Input format {n, f_in}; needs 1 <= f <= n - 2. Throws kInvalidArgument otherwise.
  GapArsGate(FixedPoint input, int f) : GapShiftGate(input, f, true) {}
  GateKind kind() const override { return GateKind::kGapArs; }
};

// The gates applied to x (same preconditions): shares of the shifted value, format
// {n, max(f_in - f, 0)}.
Shared gap_lrs(Engine& engine, const Masked& x, int f);
Shared gap_ars(Engine& engine, const Masked& x, int f);

}  // namespace fss::sigma

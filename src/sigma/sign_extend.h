#pragma once
// Sign extension SignExt_{m,n}: an m-bit two's complement value to the n-bit ring, the same
// real at the same scale (PROTOCOLS.md §3). Exact on every m-bit input; no gap.
//
// Protocol: z = x + 2^{m-1} mod 2^m is x's offset-binary code, z^ = x^ + 2^{m-1} mod 2^m is
// public. Lifted to n bits, z = z^ - r + 2^m w with w = 1{z^ < r} (one DPF_{m,1} comparison,
// opened masked: comparison_bit.h, 1 round), and SignExt(x) = z - 2^{m-1}. Since w enters only
// as 2^m w mod 2^n, it is shared mod 2^{n-m}.
// Key per party and element: dpf_key_bytes({m, 1}) bytes + (1 + (n - m) + n) bits (carry mask
// XOR and arithmetic shares, [r_out - r]); + 16 bytes per gate.
// Sent per party: 1 bit per element; 1 round.
#include "mpc/engine.h"
#include "mpc/gate.h"

namespace fss::sigma {

class SignExtendGate final : public Gate {
 public:
  // Input format {m, f}, output {n, f}. Needs m < n <= 64; throws kInvalidArgument otherwise.
  SignExtendGate(FixedPoint input, int n);

  GateKind kind() const override { return GateKind::kSignExtend; }
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
};

// The gate applied to x (same preconditions): shares of x sign-extended to n bits.
Shared sign_extend(Engine& engine, const Masked& x, int n);

}  // namespace fss::sigma

#pragma once
// Elementwise products of masked values (PROTOCOLS.md §2), exact in Z_{2^n}, no truncation;
// and fixed-point products truncated with GapARS.
//
// Mul: z = x y with x = x^ - r_x, y = y^ - r_y, so
//   [z + r_out] = b x^ y^ - x^ [r_y] - y^ [r_x] + [r_x r_y + r_out].
// Key per party: 3n bits per element ([r_x], [r_y], [r_x r_y + r_out]); local, 0 rounds.
// Square: [x^2 + r_out] = b x^2 - 2 x^ [r] + [r^2 + r_out]; key 2n bits per element; local.
#include "mpc/engine.h"
#include "mpc/gate.h"

namespace fss::sigma {

class MulGate final : public Gate {
 public:
  // Inputs {n, f_a} and {n, f_b}, output {n, f_a + f_b}. Throws kInvalidArgument if the widths
  // differ or f_a + f_b >= n.
  MulGate(FixedPoint a, FixedPoint b);

  GateKind kind() const override { return GateKind::kMul; }
  std::string describe() const override;
  std::vector<FixedPoint> input_formats() const override { return {a_, b_}; }
  std::vector<FixedPoint> output_formats() const override { return {output_}; }
  uint64_t key_bytes(uint64_t count) const override;

  void clear(InColumns in, OutColumns out) const override;
  void gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
           ByteWriter& key1) const override;
  void eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
            Opener& opener) const override;

 private:
  FixedPoint a_;
  FixedPoint b_;
  FixedPoint output_;
};

class SquareGate final : public Gate {
 public:
  // Input {n, f}, output {n, 2f}. Throws kInvalidArgument if 2f >= n.
  explicit SquareGate(FixedPoint input);

  GateKind kind() const override { return GateKind::kSquare; }
  std::string describe() const override;
  std::vector<FixedPoint> input_formats() const override { return {input_}; }
  std::vector<FixedPoint> output_formats() const override { return {output_}; }
  uint64_t key_bytes(uint64_t count) const override;

  void clear(InColumns in, OutColumns out) const override;
  void gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
           ByteWriter& key1) const override;
  void eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
            Opener& opener) const override;

 private:
  FixedPoint input_;
  FixedPoint output_;
};

// The gates applied to their inputs (same preconditions).
Shared mul(Engine& engine, const Masked& a, const Masked& b);
Shared square(Engine& engine, const Masked& x);

// Fixed-point products truncated by f: ARS_{n,f}(a b) and ARS_{n,f}(x^2), format
// {n, max(f_a + f_b - f, 0)}. Precondition (the caller's): the product mod 2^n, read as a
// signed n-bit value, lies in [-2^{n-2}, 2^{n-2}) (GapARS's domain). Needs 1 <= f <= n - 2.
// Runs Mul/Square, opens the product (label "mul_truncate open" / "square_truncate open",
// n bits per element, 1 round) and GapARS (1 bit, 1 round): 2 rounds. Key: both gates' keys.
Shared mul_truncate(Engine& engine, const Masked& a, const Masked& b, int f);
Shared square_truncate(Engine& engine, const Masked& x, int f);

}  // namespace fss::sigma

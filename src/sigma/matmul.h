#pragma once
// Matrix products on masked wires (PROTOCOLS.md §2), exact in Z_{2^n}: no truncation, the
// output has scale f_x + f_w and the caller truncates.
//
// MatmulGate, secret weights (SIGMA's setting): X [B, M, K] and W [K, N] arrive masked,
// X^ = X + R_X, W^ = W + R_W. The dealer shares R_X, R_W and C = R_X R_W + r_out; party b outputs
//   [Z]_b = (b X^ - [R_X]_b) W^ - X^ [R_W]_b + [C]_b,   Z_0 + Z_1 = X W + r_out,
// as two products of inner size K. Party eval hands X^, W^ and the key's packed fields to the
// backend's masked_matmul (core/masked_matmul.h), which reads them where they lie (a GPU: in
// device memory, when the keys are resident). With batched weights (W [B, K, N], e.g. attention's
// Q K^T and P V) each batch entry has its own right operand; kind matmul_batched.
// Key per party: |X| + |W| + |Z| ring elements of n bits, each array bit-packed:
//   ceil(B M K n / 8) + ceil(|W| n / 8) + ceil(B M N n / 8) bytes; 0 bytes sent, 0 rounds.
// Opening Z then costs ceil(B M N n / 8) bytes per party and 1 round.
//
// Public weights (open-weight models): every engine multiplies its wire by W, so the output's
// mask is R_X W, a function of the input's masks; no key, no communication.
#include <cstdint>

#include "mpc/engine.h"
#include "mpc/gate.h"

namespace fss::sigma {

// X [batch, rows, inner] times W [inner, cols], or [batch, inner, cols] if batched_weights.
struct MatmulShape {
  int64_t batch = 1;
  int64_t rows = 0;
  int64_t inner = 0;
  int64_t cols = 0;
  bool batched_weights = false;
};

class MatmulGate final : public Gate {
 public:
  // Inputs X {n, f_x}, W {n, f_w}; output {n, f_x + f_w} of shape [batch, rows, cols].
  // Throws kInvalidArgument if the widths differ, f_x + f_w >= n or a dimension is < 1.
  MatmulGate(FixedPoint x, FixedPoint w, MatmulShape shape);

  GateKind kind() const override;
  std::string describe() const override;
  std::vector<FixedPoint> input_formats() const override { return {x_, w_}; }
  std::vector<FixedPoint> output_formats() const override { return {output_}; }
  // Throws kInvalidArgument unless the inputs are exactly the constructed X and W shapes.
  std::vector<Shape> output_shapes(std::span<const Shape> inputs) const override;
  uint64_t key_bytes(uint64_t count) const override;

  void clear(InColumns in, OutColumns out) const override;
  void gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
           ByteWriter& key1) const override;
  void eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
            Opener& opener) const override;

 private:
  Shape x_shape() const;
  Shape w_shape() const;

  FixedPoint x_;
  FixedPoint w_;
  FixedPoint output_;
  MatmulShape shape_;
};

// The gate for x's and w's shapes and formats, applied: x [B, M, K] times w [K, N] (or
// [B, K, N]); the batched form is chosen when w has rank 3. Throws kInvalidArgument as the
// constructor does, or if the ranks or inner dimensions do not fit.
Shared matmul(Engine& engine, const Masked& x, const Masked& w);

// x [B, M, K] times a public w [K, N]: each engine multiplies its wire value (clear value, mask,
// masked value or share) by w. Output {n, f_x + f_w}, [B, M, N]. Throws kInvalidArgument unless
// x has rank 3, w rank 2 with w's rows = K, the widths agree and f_x + f_w < n.
Masked matmul_public(const Masked& x, const Tensor& w);
Shared matmul_public(const Shared& x, const Tensor& w);

// x + bias for a public bias whose shape is a suffix of x's (e.g. [N] for x [B, M, N]),
// repeated over the leading dimensions. The mask is unchanged. Throws kInvalidArgument if the
// shape is not a suffix or the formats differ.
Masked add_bias(Engine& engine, const Masked& x, const Tensor& bias);
Shared add_bias(Engine& engine, const Shared& x, const Tensor& bias);

}  // namespace fss::sigma

#pragma once
// LayerNorm over the last axis (PROTOCOLS.md §7, SIGMA §5.3), written once against Engine, and
// the steps RMSNorm shares (rmsnorm.h). For x [..., k] of format {n, f}, rows of k features:
//   1. mean = GapARS_{f_m}(c sum_j x_j) with the public c = round(2^{f_m} / k) (sum and product
//      local), opened;  z = x - mean (local);
//   2. s = sum_j z_j^2 + eps' by RowSumOfSquaresGate (local), eps' = max(1, round(eps k 2^{2f})),
//      opened;
//   3. t = RecSqrt(s) with the /k folded into the table (rsqrt.h: f_in = 2f, divisor k,
//      f_out), t ~ 2^{f_out} / sqrt(var + eps), opened;
//   4. p = GapARS_{f_out}(Mul(z, t)): the product opened, then truncated;
//   5. p opened; u = GapARS_{f_g}(gamma p): a local product for public gamma, a Mul (opened)
//      for masked gamma; then + beta (local).
// Defaults: f_m = f + ceil(log2 k) (mean = floor(sum / k) for k a power of two, otherwise off by
// at most |mean| / 2 ulp, |mean| in real units, plus the floor's 1 ulp), f_out = f, M = 7.
// The protocol reconstructs to the clear engine's value (each truncation stays in its gap) when
//   |c sum_j x_j| < 2^{n-2}   (real terms: |mean| < 2^{n-2-f-f_m}; 2^14 at n = 50, f = 12,
//                              k = 768; 16 at n = 37, k = 128),
//   s < 2^{n-1}               (k var < 2^{n-1-2f}: var < 43690 at n = 50, k = 768; 32 at n = 37,
//                              k = 128),
//   |p gamma| < 2^{n-2} (as integers at scale f + f_g).
// Step 4's gap holds by construction (|z t| <= sqrt(k) 2^{f+f_out} (1 + 2^-M)), which the
// functions check against n.
// Costs for R rows (N = R k elements), per party, pk(c, b) = ceil(c b / 8) bytes,
// gap(c, b) = GapARS_b key on c elements (gap_truncation.h), rsqrt(c) = rec_sqrt's key (rsqrt.h):
//   key  = gap(R, f_m) + [pk(N, n) + pk(R, n)] + rsqrt(R) + 3 pk(N, n) + gap(N, f_out)
//          + gap(N, f_g) [+ 3 pk(N, n) for masked gamma];
//   sent = pk(R,1) + pk(R,n) [mean] + pk(R,n) [s] + rsqrt(R) sent + pk(R,n) [t]
//          + pk(N,n) + pk(N,1) [z t, its GapARS] + pk(N,n) + pk(N,1) [p, gamma p's GapARS]
//          [+ pk(N,n): gamma p opened, for masked gamma];
//   rounds = 13 (+1 for masked gamma); RMSNorm drops step 1: 11 (+1).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "mpc/engine.h"
#include "mpc/gate.h"
#include "sigma/rsqrt.h"

namespace fss::sigma {

// Sum of squares of each row: x [..., k] of format {n, f} -> [..., 1] of format {n, 2f},
// sum_j x_j^2 mod 2^n. With x_j = x^_j - r_j:
//   [s + r_out] = b sum_j x^_j^2 - 2 sum_j x^_j [r_j] + [sum_j r_j^2 + r_out].
// Key per party: pk(count k, n) + pk(count, n) bytes for `count` rows (half of Square's 2n bits
// per element: the dealer sums the squared masks). Local: 0 bytes sent, 0 rounds.
class RowSumOfSquaresGate final : public Gate {
 public:
  // Throws kInvalidArgument unless k >= 1 and 2f < n.
  RowSumOfSquaresGate(FixedPoint input, int64_t k);

  GateKind kind() const override { return GateKind::kRowSumOfSquares; }
  std::string describe() const override;  // "row_sum_of_squares(n=50, k=768)"
  std::vector<FixedPoint> input_formats() const override { return {input_}; }
  std::vector<FixedPoint> output_formats() const override { return {output_}; }
  // [..., k] -> [..., 1]; throws kInvalidArgument for another last dimension.
  std::vector<Shape> output_shapes(std::span<const Shape> inputs) const override;
  uint64_t key_bytes(uint64_t count) const override;

  void clear(InColumns in, OutColumns out) const override;
  void gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
           ByteWriter& key1) const override;
  void eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
            Opener& opener) const override;

 private:
  FixedPoint input_;
  FixedPoint output_;
  int64_t k_;
};

struct NormOptions {
  double epsilon = 0;                                 // added to the variance (eps above)
  std::optional<int> mean_shift = std::nullopt;       // f_m; default f + ceil(log2 k)
  std::optional<int> rsqrt_frac_bits = std::nullopt;  // f_out; default f
  int mantissa_bits = 7;                              // M of the RecSqrt table
  // Step 3, replaceable by another protocol family (the SUF gate, wired in by src/nn): a
  // function with rec_sqrt's contract (rsqrt.h), the default. M is validated either way.
  std::function<Shared(Engine&, const Masked&, const RecSqrtParams&)> reciprocal_sqrt = rec_sqrt;
};

// Open labels, "<name>: <step>", name "layernorm" or "rmsnorm".
inline constexpr const char* kNormMeanStep = "mean";
inline constexpr const char* kNormSumOfSquaresStep = "sum of squares";
inline constexpr const char* kNormRecSqrtStep = "rsqrt";
inline constexpr const char* kNormProductStep = "centered times rsqrt";
inline constexpr const char* kNormNormalizedStep = "normalized";
inline constexpr const char* kNormWeightedStep = "times gamma";  // masked gamma only
std::string norm_open_label(const std::string& name, const char* step);

// LayerNorm of x [..., k] with gamma of format {n, f_g} and beta of format {n, f}, both of a
// shape that is a suffix of x's (usually [k]); output {n, f}. Public weights (open-weight
// models) or masked ones (engine inputs, as matmul's secret weights: their masks serve every
// row). Throws kInvalidArgument if the shapes or formats do not fit, the options do not fit n
// (2f < n, 1 <= f_m, f + f_m < n, f + f_out < n, step 4's gap, 1 <= f_g <= n - 2, f + f_g < n),
// or RecSqrt's parameters are invalid (rsqrt.h).
Shared layernorm(Engine& engine, const Masked& x, const Tensor& gamma, const Tensor& beta,
                 const NormOptions& options = {});
Shared layernorm(Engine& engine, const Masked& x, const Masked& gamma, const Masked& beta,
                 const NormOptions& options = {});

// The steps shared with RMSNorm. divide_by_rms: steps 2-4 for a centered z [..., k],
// p = z / sqrt(sum_j z_j^2 / k + eps) in z's format. scale_by_weight: step 5 without beta.
Shared divide_by_rms(Engine& engine, const Masked& z, const NormOptions& options,
                     const std::string& name);
// check_norm_gamma: throws kInvalidArgument unless a gamma of this shape and format fits rows
// like x (see layernorm), so that callers can check before the first gate runs.
void check_norm_gamma(const Shape& gamma, FixedPoint gamma_format, const Masked& x,
                      const std::string& name);
Shared scale_by_weight(Engine& engine, const Shared& p, const Tensor& gamma,
                       const std::string& name);
Shared scale_by_weight(Engine& engine, const Shared& p, const Masked& gamma,
                       const std::string& name);

}  // namespace fss::sigma

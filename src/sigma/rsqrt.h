#pragma once
// Reciprocal square root through a float-like table index (PROTOCOLS.md §7, SIGMA §5.3 and
// Appendix H), written once against Engine. For x of format {n, f_in}, read as an unsigned
// integer in [1, 2^{n-1}), with K = n - 2, M mantissa bits and e = floor(log2 x) <= K:
//   1. c_i = 1{x >= 2^i} = DReLU_n(x - 2^i) for i = 1..K: ONE DReLU key evaluated at K public
//      offsets (drelu.h), K bits opened together (1 round). They are e's thermometer code.
//   2. NormalizeByExponentGate (local): shares of y = x 2^{K-e} in [2^K, 2^{K+1}) and of e;
//      y is opened (n bits, 1 round).
//   3. t = TR_{n,K-M}(y) = floor(x 2^{M-e}) in [2^M, 2^{M+1}): leading one + mantissa (1 round).
//   4. index = (64 t + e) mod 2^{M+6} = 64 m + e, m = t - 2^M: the shift pushes t's leading one
//      out of the ring, e fills the low 6 bits (local); opened (M + 6 bits, 1 round).
//   5. LUT_{M+6,n}(index) with rec_sqrt_table (1 round inside); the caller opens the result.
// The exponent is found with comparisons rather than a DCF interval lookup: all K comparisons
// share one DPF_{n-1,1} key (+1 key bit each), where a DCF per boundary would cost K keys with
// n-bit payloads; their XOR-shared bits become arithmetic inside step 2's key.
// x = 0 gives x = 1's result; outside [0, 2^{n-1}) the output is some table entry. Either way the
// protocol reconstructs to the clear engine's value bit for bit.
// Costs per element and party (pk(b) = ceil(count b / 8) bytes, dpf(b) = dpf_key_bytes({b, 1})):
//   key  = 16 + dpf(n-1) + K pk(1)                            (DReLU at K offsets)
//          + NormalizeByExponentGate::key_bytes                (below)
//          + 16 + dpf(K-M) + pk(1) + 2 pk(M+2)                 (TR)
//          + 16 + dpf(M+6) + 2 pk(n)                           (LUT), the 16s once per call;
//   sent = K + n + 1 + (M + 6) + n bits in 5 rounds.
#include <cstdint>
#include <vector>

#include "mpc/engine.h"
#include "mpc/gate.h"

namespace fss::sigma {

// Inputs: x {n, f} and K = n - 2 bits c_1..c_K ({1, 0} each). Outputs, with v = 2^K - sum_i
// c_i 2^{K-i} (= 2^{K-e} for the thermometer code of e):
//   y = x v mod 2^n (format {n, 0})   and   e = sum_i c_i mod 2^w (format {w, 0}).
// With x = x^ - r_x, c_i = c^_i + s_i rho_i (s_i = 1 - 2 c^_i, rho_i the bit's mask) and the
// public v^ = 2^K - sum_i c^_i 2^{K-i}, w_i = s_i 2^{K-i}:
//   [y + r_y] = b x^ v^ - sum_i w_i x^ [rho_i] - v^ [r_x] + sum_i w_i [r_x rho_i] + [r_y],
//   [e + r_e] = b sum_i c^_i + sum_i s_i [rho_i] + [r_e].
// rho_i and r_x rho_i enter y times 2^{K-i}, so they are shared mod 2^{i+2}; rho_i also mod 2^w.
// Key per party: 2 pk(n) + pk(w) + sum_{i=1..K} (pk(max(i + 2, w)) + pk(i + 2)) bytes, each
// field packed on its own. Local: 0 bytes sent, 0 rounds.
class NormalizeByExponentGate final : public Gate {
 public:
  // Needs 3 <= n and K < 2^w <= 2^64; throws kInvalidArgument otherwise.
  NormalizeByExponentGate(FixedPoint input, int exponent_bits);

  GateKind kind() const override { return GateKind::kNormalizeByExponent; }
  std::string describe() const override;  // "normalize_by_exponent(n=50, w=13)"
  std::vector<FixedPoint> input_formats() const override;
  std::vector<FixedPoint> output_formats() const override;
  uint64_t key_bytes(uint64_t count) const override;

  void clear(InColumns in, OutColumns out) const override;
  void gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
           ByteWriter& key1) const override;
  void eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
            Opener& opener) const override;

 private:
  // Ring bits of the key field [rho_i] (i = 1..K).
  int bit_mask_bits(int i) const;

  FixedPoint input_;
  int exponent_bits_;  // w
};

inline constexpr const char* kRecSqrtBitsLabel = "rsqrt: exponent bits";
inline constexpr const char* kRecSqrtNormalizedLabel = "rsqrt: normalized input";
inline constexpr const char* kRecSqrtIndexLabel = "rsqrt: table index";
// The LUT describes itself as "lut(rsqrt, k=M+6, l=n)".
inline constexpr const char* kRecSqrtTable = "rsqrt";

struct RecSqrtParams {
  int output_frac_bits = 12;  // f_out
  double divisor = 1;         // d: the result approximates 1 / sqrt(X / d)
  int mantissa_bits = 7;      // M; the table has 2^{M+6} entries
};

// Throws kInvalidArgument unless 1 <= M <= 14, n >= M + 3, 0 <= f_out < n and d > 0 is
// finite (the preconditions of rec_sqrt_table and rec_sqrt).
void validate_rec_sqrt(FixedPoint input, const RecSqrtParams& params);

// The 2^{M+6} entries for x of `input` format, index 64 m + e. Entry (m, e) covers the
// integers x with floor(log2 x) = e and floor(x 2^{M-e}) = 2^M + m: [lo, hi] with
// lo = (2^M + m) 2^{e-M} and hi = lo + 2^{e-M} - 1 (hi = lo for e < M: one x). With
// g(u) = 2^{f_out} sqrt(d 2^{f_in} / u), the entry is round((g(lo) + g(hi)) / 2), the constant
// closest to g on [lo, hi], clipped to 2^{n-1} - 1; entries with e > n - 2 are 0 (unreachable).
// Throws as validate_rec_sqrt.
std::vector<uint64_t> rec_sqrt_table(FixedPoint input, const RecSqrtParams& params);

// Shares of the table entry for x (format {n, f_out}), by the protocol above. Throws as
// validate_rec_sqrt. The entry is within (sqrt(1 + 2^{-M}) - 1) / 2 (relative, 2^{-9} for
// M = 7) + 1/2 ulp of 2^{f_out} / sqrt(x / (d 2^{f_in})) for 1 <= x < 2^{n-1} (unless clipped).
Shared rec_sqrt(Engine& engine, const Masked& x, const RecSqrtParams& params);

}  // namespace fss::sigma

#pragma once
// GeLU, SIGMA's GPU variant (PROTOCOLS.md §5), written once against Engine, and the skeleton it
// shares with SiLU: act(x) = ReLU(x) - delta(|x|) for an even correction delta that vanishes
// for large |x|, tabulated at 2^k points of step 2^-q (GeLU: k = 8, q = 6).
//
// For x of format {n, f}, m = n - f + 1 and m' = m - (f - q):
//   1. y = TR_{m, f-q}(x mod 2^m), opened: floor(x / 2^{f-q}) in m' bits (q fraction bits);
//   2. d = DReLU_{m'}(y) and i = DReLU_{m'}(y + 2^k - 1) ^ DReLU_{m'}(y - 2^k)
//      = 1{-(2^k - 1) <= y <= 2^k - 1}: one DReLU key evaluated at three offsets; i's share is
//      the XOR of two output shares; d and i are opened together (2 bits, one round);
//   3. c = SelectLin_k(i, d, y mod 2^k) with alpha = {0, 0, -1, 1}, beta = {2^k-1, 2^k-1, 0, 0},
//      i.e. c = min(|y|, 2^k - 1), opened (k bits);
//   4. act = Select_n(d, x) - LUT_{k,n}(c) with T[c] = floor(delta(c / 2^q) * 2^f).
// Faithful (the steps compute these formulas) when x, read as a signed n-bit integer, lies in
// [-2^{m-1} + 2^{k+f-q}, 2^{m-1} - 2^{k+f-q}); in real terms |x| < 2^{n-2f} - 2^{k-q}, e.g.
// |x| < 2^26 - 4 for GeLU at n = 50, f = 12. Outside that range the protocol still reconstructs
// to the clear engine's value bit for bit, but that value is not act(x).
// Per element and party (bits; plus 16 bytes per DPF batch, 3 per call):
//   key  = DPF_{f-q,1} + 1 + 2m' (TR) + DPF_{m'-1,1} + 3 (DReLU) + 8k (SelectLin)
//          + DPF_{k,1} + 2n (LUT) + 3n (Select);
//   sent = 1 + m' + 2 + k + n, in 5 rounds; the caller's open of the result adds n and 1 round.
#include <string>
#include <vector>

#include "mpc/engine.h"

namespace fss::sigma {

struct EvenCorrection {
  std::string name;   // the function's name: gate descriptions and open labels use it
  int lut_bits = 0;   // k
  int frac_bits = 0;  // q
  // 2^k entries, T[c] ~ delta(c / 2^q) * 2^f, each below 2^n.
  std::vector<uint64_t> table;
};

// The labels of the three opens: "<name>: <step>" with step "truncated input", "sign and range
// bits" or "clipped magnitude".
std::string activation_open_label(const EvenCorrection& correction, const char* step);

// ReLU(x) - T[min(|floor(x / 2^{f-q})|, 2^k - 1)] as above. Throws kInvalidArgument unless
// 0 <= q < f, n >= 2f, m' >= k + 2 and the table has 2^k entries below 2^n.
Shared relu_minus_even_correction(Engine& engine, const Masked& x,
                                  const EvenCorrection& correction);

// delta(v) = ReLU(v) - GeLU(v) = |v| Phi(-|v|), tabulated with k = 8, q = 6:
// T[c] = floor(delta(c / 64) * 2^f).
EvenCorrection gelu_correction(FixedPoint format);

// GeLU(x) = x Phi(x) for x of format {n, f}; output {n, f}. Needs f >= 7 and n >= 2f + 3
// (m' >= 10); throws kInvalidArgument otherwise. At f = 12 the result is within 31 ulp of
// float64 GeLU for every input in (-8, 8) (docs/accuracy.md); beyond, delta < 1 ulp.
Shared gelu(Engine& engine, const Masked& x);

}  // namespace fss::sigma

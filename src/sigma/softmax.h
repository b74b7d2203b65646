#pragma once
// Softmax over the last axis (PROTOCOLS.md §6, SIGMA §5.2), written once against Engine. For the
// rows of x, format {n, f}:
//   1. x_max by max.h's comparison tree on m = n - f + 1 bits, broadcast over the row (local);
//   2. e_j = nExp(x_max - x_j) (nexp.h, 9 rounds), opened (n bits);
//   3. z = sum_j e_j (local: a sum of masked values is masked by the sum of the masks);
//   4. 1/z by softmax_reciprocal, k = the longest row (reciprocal.h, 3 rounds), opened (n bits);
//   5. y_j = GapARS_f(e_j * (1/z)) (mul_truncate: the product opened, 2 rounds).
// 2 ceil(log2 k) + 16 rounds; the caller opens the result. All rows of all matrices go through
// each gate together. Per row of k and party: k - 1 comparisons (max.h), k nExp, 1 reciprocal,
// k Mul + GapARS, and opens of n bits per e_j, per 1/z and per product; docs/gates/softmax.md
// has the formulas per gate.
#include <cstdint>
#include <functional>

#include "mpc/engine.h"
#include "sigma/broadcast.h"
#include "sigma/nexp.h"
#include "sigma/reciprocal.h"

namespace fss::sigma {

inline constexpr const char* kSoftmaxExponentialsLabel = "softmax: exponentials";
inline constexpr const char* kSoftmaxReciprocalsLabel = "softmax: reciprocals";

// Steps 2 and 4, replaceable by another protocol family (the SUF gates, wired in by src/nn):
// functions with the contracts of nexp (nexp.h) and softmax_reciprocal (reciprocal.h), which
// are the defaults. The costs above are those of the defaults.
struct SoftmaxSteps {
  std::function<Shared(Engine&, const Masked&)> exponential = nexp;
  std::function<Shared(Engine&, const Masked& z, int64_t k)> reciprocal = softmax_reciprocal;
};

// Shares of softmax over the last axis of x [..., k], same shape and format. Faithful when every
// input, read as signed n bits, lies in [-2^{n-f-1}, 2^{n-f-1}) (max.h's gap domain; |x| < 2^25
// at n = 50, f = 12 and < 4096 at n = 37). Needs 7 <= f <= 12, n >= f + 15,
// rank >= 1 and 1 <= k < 2^14; throws kInvalidArgument otherwise.
Shared softmax(Engine& engine, const Masked& x, const SoftmaxSteps& steps = {});

// Causal softmax of attention matrices x [..., L, L]: row i uses columns 0..i only. The upper
// triangle costs nothing (it never enters a gate) and is 0 in the output, a public 0 under mask 0
// (broadcast.h). Costs as softmax on the packed rows: L (L - 1) / 2 comparisons and
// L (L + 1) / 2 exponentials per matrix, reciprocals with k = L. Preconditions as softmax, with
// k = L; throws kInvalidArgument unless the last two dimensions are equal.
// window > 0: local attention, row i uses columns band_start(i, window)..i only (broadcast.h);
// costs as softmax on those rows (reciprocals with k = min(L, window)).
Shared causal_softmax(Engine& engine, const Masked& x, const SoftmaxSteps& steps = {},
                      int64_t window = 0);

// Each row's maximum of a packed tensor [layout.elements()], as [layout.rows()]: the comparison
// tree of max.h run on rows of different lengths at once (each level pairs columns (0, 1),
// (2, 3), ... of every row; an odd last column waits), with max.h's open labels. Same costs as
// max.h with h = the pairs of a level over all rows; ceil(log2 (longest row)) levels. Throws
// kInvalidArgument if packed has another shape, or as DreluGate does for m.
Masked max_per_row(Engine& engine, const Masked& packed, const RowLayout& layout, int m);

}  // namespace fss::sigma

#pragma once
// Maximum over the last axis by a comparison tree (PROTOCOLS.md §6 step 1), written once
// against Engine.
//
// Each level pairs columns (0, 1), (2, 3), ... of the current [..., w] tensor; with w odd the
// last column waits, unchanged, for the next level. For a pair (a, b): d = DReLU_m(a - b) is
// opened (one bit, label kMaxBitLabel), then max = b + Select(d, a - b) is opened (n bits,
// label kMaxValueLabel). A row of k values takes k - 1 comparisons over ceil(log2 k) levels:
// 2 ceil(log2 k) rounds. Per level with h pairs in total (over all rows), key bytes per party:
//   drelu: 16 + h * dpf_key_bytes({m-1, 1}) + ceil(h / 8),   select: 3 * ceil(h * n / 8);
// bytes sent per party: ceil(h / 8) + ceil(h * n / 8).
#include "mpc/engine.h"

namespace fss::sigma {

inline constexpr const char* kMaxBitLabel = "max: comparison bits";
inline constexpr const char* kMaxValueLabel = "max: pairwise maxima";

// x [..., k] -> [..., 1] holding each row's maximum as signed n-bit values. Faithful when every
// value lies in [-2^{m-2}, 2^{m-2}) (differences then fit m bits; softmax uses m = n - f + 1).
// k = 1 returns x. Throws kInvalidArgument if x has rank 0 or k = 0, or unless 2 <= m <= n.
Masked max_last_axis(Engine& engine, const Masked& x, int m);

}  // namespace fss::sigma

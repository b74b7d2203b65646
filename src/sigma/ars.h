#pragma once
// Faithful arithmetic right shift without a gap (PROTOCOLS.md §3):
// ARS_{n,f}(x) = SignExt_{n-f,n}(TR_{n,f}(x)), exact on every n-bit input.
#include "mpc/engine.h"

namespace fss::sigma {

// Shares of ARS_{n,f}(x) in format {n, max(f_in - f, 0)}, for x of format {n, f_in} and
// 1 <= f < n (else kInvalidArgument). Runs truncate_reduce (1 round), opens its (n - f)-bit
// output under the label "ars open" (1 round), and sign-extends it (1 round): 3 rounds.
// Sent per party and element: 1 + (n - f) + 1 bits. Key per party: the two gates' keys,
// truncate_reduce(n, f) and sign_extend(m = n - f, n) (see their headers).
Shared ars(Engine& engine, const Masked& x, int f);

}  // namespace fss::sigma

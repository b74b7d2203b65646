#pragma once
// SiLU(x) = x sigmoid(x) (PROTOCOLS.md §5, Llama2's FFN), the GeLU skeleton of sigma/gelu.h with
// delta(v) = ReLU(v) - SiLU(v) = |v| sigmoid(-|v|) in a 10-bit table of step 2^-7, covering
// |v| < 8: T[c] = floor(delta(c / 128) * 2^f). Costs and the valid input range are those of
// relu_minus_even_correction with k = 10, q = 7; docs/accuracy.md has the asserted error.
#include "sigma/gelu.h"

namespace fss::sigma {

EvenCorrection silu_correction(FixedPoint format);

// SiLU for x of format {n, f}; output {n, f}. Needs f >= 8 and n >= 2f + 4 (m' >= 12); throws
// kInvalidArgument otherwise.
Shared silu(Engine& engine, const Masked& x);

}  // namespace fss::sigma

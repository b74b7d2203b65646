#pragma once
// The truncated, re-masked views that the truncated-view gates (activations.h's gelu,
// softmax_parts.h's nexp) hand to their compiled SUF gate instead of x^: a comparison on the
// coarse view is a 1-bit DPF as deep as the view, not a DCF as deep as x's effective width.
// Each view is TR (mpc/truncate_reduce.h: a DPF on the shift's bits, one round for the carry)
// and an open under a fresh mask (one round). For x read on its low `width` bits (unsigned, or
// signed when the caller reads the views signed):
//   fine   = floor(x / 2^{fine_shift})   on width - fine_shift bits, format {., max(f - shift, 0)};
//   coarse = floor(fine / 2^{coarse_shift}) on width - fine_shift - coarse_shift bits, format {.,
//   0}.
// Key per party and element: DPF_{fine_shift} + DPF_{coarse_shift} + 2 + 2 (fine + coarse) bits;
// sent: 2 + fine + coarse bits in 4 rounds.
#include <string>

#include "mpc/engine.h"

namespace fss::suf {

struct TruncatedViews {
  Masked fine;
  Masked coarse;
};

// Opens are labelled "<name>: truncated input" and "<name>: range view". Throws kInvalidArgument
// unless 1 <= fine_shift, 1 <= coarse_shift, fine_shift + coarse_shift < width <= x's width.
TruncatedViews truncated_views(Engine& engine, const Masked& x, int width, int fine_shift,
                               int coarse_shift, const std::string& name);

}  // namespace fss::suf

#pragma once
// Rotary position embedding (Llama; PROTOCOLS.md §8), written once against Engine:
//   R(X)_{i,j} = a_ij X_ij + b_ij X_{i,(j + d/2) mod d}
// for position i and feature j of a head of d (even) features, with theta_j = base^{-2j/d},
//   a_ij = cos(i theta_{j mod d/2}),   b_ij = -sin(i theta_j) (j < d/2), +sin(i theta_{j-d/2}),
// the "rotate half" pairing (j, j + d/2) of Hugging Face Llama checkpoints. a and b are public,
// encoded with f_c = f - 3 fractional bits. The sum is formed locally on the masked wires (its
// mask becomes a r + b r', a function of the input masks), then truncated by GapARS_{f_c}.
// Faithful when |a X + b X'| < 2^{n-2} at scale f + f_c (real terms |R(X)| < 2^{n-2-2f+3}, e.g.
// 2^{25} at n = 48, f = 12). Output {n, f}.
// Costs for N elements, per party: key = GapARS_{f_c} key (16 + N dpf(f_c) + pk(N, 1)
// + 2 pk(N, n) + pk(N, f_c), gap_truncation.h); sent pk(N, 1); 1 round; the caller opens.
#include <cstdint>

#include "core/tensor.h"
#include "mpc/engine.h"

namespace fss::sigma {

struct RotaryTables {
  Tensor cos;  // a: [L, d], format {n, f_c}
  Tensor sin;  // b, signs included
};

// Tables for positions first_position .. first_position + positions - 1 and head size d, for
// inputs of format `x_format` (f_c = f - 3). Throws kInvalidArgument unless positions >= 1,
// d >= 2 is even, f >= 4, f - 3 <= n - 2, base > 1 is finite and first_position >= 0.
RotaryTables rotary_tables(FixedPoint x_format, int64_t positions, int64_t d, double base = 10000.0,
                           int64_t first_position = 0);

// R(X) for x [..., d] whose shape ends with the tables' [L, d] (e.g. x [B, H, L, d]); tables
// with another suffix shape (e.g. repeated to [L, H, d] for x [B, L, H, d]) work alike. Throws
// kInvalidArgument if the shapes or formats do not fit (tables {n, f_c}, 1 <= f_c <= n - 2,
// f + f_c < n, d even).
Shared rotary_embedding(Engine& engine, const Masked& x, const RotaryTables& tables);

}  // namespace fss::sigma

#pragma once
// RMSNorm over the last axis (Llama; PROTOCOLS.md §7): LayerNorm without the mean,
//   y = x / sqrt(sum_j x_j^2 / k + eps) * gamma,
// written once against Engine from LayerNorm's steps 2-5 (layernorm.h) with z = x and no beta.
// Faithful when s = sum_j x_j^2 + eps' < 2^{n-1} (real terms: mean square < 2^{n-1-2f} / k,
// 2^23 / k at n = 48, f = 12) and |p gamma| < 2^{n-2} at scale f + f_g.
// Costs for R rows, N = R k elements, per party (notation of layernorm.h):
//   key  = [pk(N, n) + pk(R, n)] + rsqrt(R) + 3 pk(N, n) + gap(N, f_out) + gap(N, f_g)
//          [+ 3 pk(N, n) for masked gamma];
//   sent = pk(R,n) [s] + rsqrt(R) sent + pk(R,n) [t] + pk(N,n) + pk(N,1) [p]
//          + pk(N,n) + pk(N,1) [gamma; + pk(N,n) for masked gamma];
//   rounds = 11 (+1 for masked gamma).
#include "mpc/engine.h"
#include "sigma/layernorm.h"

namespace fss::sigma {

// RMSNorm of x [..., k] of format {n, f} with gamma of format {n, f_g} and a shape that is a
// suffix of x's; output {n, f}. options.mean_shift is not used. Throws kInvalidArgument as
// layernorm does.
Shared rmsnorm(Engine& engine, const Masked& x, const Tensor& gamma,
               const NormOptions& options = {});
Shared rmsnorm(Engine& engine, const Masked& x, const Masked& gamma,
               const NormOptions& options = {});

}  // namespace fss::sigma

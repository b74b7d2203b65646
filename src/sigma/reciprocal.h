#pragma once
// The reciprocal of a softmax denominator (PROTOCOLS.md §6 step 4, SIGMA §5.2), written once
// against Engine. For z of format {n, f} with 1 <= z <= k in real terms (2^f <= z <= k 2^f), let
// p = f + ceil(log2(k + 1)) (so z < 2^p) and q = p - f + 6:
//   1. z mod 2^p (local);
//   2. i = TR_{p, f-6}(z mod 2^p) = floor(z 2^{6-f}), z with 6 fraction bits in q bits, opened;
//   3. LUT_q(i) with T[i] = floor(2^{f+6} / i) (T[0] = 2^{f+6}; i >= 64 on the domain).
// Output {n, f}: floor(2^{f+6} / floor(z 2^{6-f})), which exceeds 2^f / z by less than 2^f / 65
// ulp (the index drops z's low bits) and falls short of it by less than 1 ulp (the floor).
// 3 rounds; the caller opens the result. Per element and party, sent: 1 + q + n bits; key (bytes,
// N elements, dpf(b) = dpf_key_bytes({b, 1})): 32 + N (dpf(f - 6) + dpf(q)) + ceil(N/8)
// + 2 ceil(qN/8) + 2 ceil(nN/8).
#include <cstdint>

#include "mpc/engine.h"

namespace fss::sigma {

inline constexpr const char* kReciprocalIndexLabel = "reciprocal: truncated sum";
// The LUT describes itself as "lut(reciprocal, k=q, l=n)".
inline constexpr const char* kReciprocalTable = "reciprocal";

// Shares of the reciprocal of z, format {n, f}, for sums of at most k terms in [0, 1]. Needs
// k >= 1, f >= 7, n >= max(p, f + 7) and q <= 20 (the LUT's limit: k < 2^14); throws
// kInvalidArgument otherwise. Outside [1, k] the result is the formula above applied to z mod 2^p.
Shared softmax_reciprocal(Engine& engine, const Masked& z, int64_t k);

}  // namespace fss::sigma

#pragma once
// nExp(x) = e^{-x} for x >= 0 (PROTOCOLS.md §6 step 2, SIGMA §5.2), written once against Engine.
// For x of format {n, f} and the effective width m = n - f + 2:
//   1. d = 1 ^ DReLU_m(x - 2^16) = 1{x < 2^16} (DReLU with offset -2^16), opened: 1 bit;
//   2. c = Select_16(d, x - (2^16 - 1)) + (2^16 - 1) = min(x, 2^16 - 1) on 16 bits, opened;
//   3. c1 = TR_{16,8}(c), opened (8 bits); c0 = c mod 2^8 (local);
//   4. t1 = LUT_8(c1) with T1[i] = floor(e^{-i 2^{8-f}} 2^f), t0 = LUT_8(c0) with
//      T0[i] = floor(e^{-i 2^{-f}} 2^f); opened together (2n bits);
//   5. nExp = GapARS_f(Mul(t1, t0)) (mul_truncate: the product opened, n bits; 1 bit inside).
// 9 rounds; the caller opens the result. Per element and party, sent: 3 + 16 + 8 + 5n bits;
// key (bytes, N elements, dpf(b) = dpf_key_bytes({b, 1})): 80 + N (dpf(m-1) + 3 dpf(8) + dpf(f))
// + 3 ceil(N/8) + 8N + 9 ceil(nN/8) + ceil(fN/8), per gate in docs/gates/softmax.md.
#include "mpc/engine.h"

namespace fss::sigma {

inline constexpr const char* kNexpClipBitLabel = "nexp: clip bit";
inline constexpr const char* kNexpClippedLabel = "nexp: clipped input";
inline constexpr const char* kNexpHighByteLabel = "nexp: high byte";
inline constexpr const char* kNexpTablesLabel = "nexp: table values";
// LUT names: the gates describe themselves as "lut(nexp_high, k=8, l=n)" and "lut(nexp_low, ...)".
inline constexpr const char* kNexpHighTable = "nexp_high";
inline constexpr const char* kNexpLowTable = "nexp_low";

// Shares of nExp(x), format {n, f}. Faithful for x in [0, 2^{m-1}) (raw ring values), which
// holds for x = max - x_i when the inputs of a row lie in [-2^{n-f-1}, 2^{n-f-1}); x at or beyond
// the clip gives 0. Needs 2 <= f <= 12 (then the clip is >= 16.0 and e^{-16} < 1 ulp) and
// n >= f + 15 (x - 2^16 fits m bits; GapARS's n >= 2f + 3 follows); throws kInvalidArgument
// otherwise.
Shared nexp(Engine& engine, const Masked& x);

}  // namespace fss::sigma

#pragma once
// nExp and the softmax denominator's reciprocal as compiled SUF gates on the effective width,
// drop-in for sigma::nexp and sigma::softmax_reciprocal (same input format, domain and output
// format {n, f}; the caller opens the result). Each is one piecewise-constant spec (degree 0:
// no round inside the gate, nothing sent) read on the unsigned view x mod 2^w, whose at most
// 2^bits steps are placed where the function's value moves by the same amount (builders.h),
// so the error is about (max - min) / 2^{bits+1} ulp instead of depending on the slope.
// Costs: one DCF_{w,n} key and the output mask; docs/suf.md has the formulas and the ratios to
// SIGMA, docs/accuracy.md the asserted errors.
#include <cstdint>

#include "mpc/engine.h"
#include "suf/spec.h"
#include "suf/suf_gate.h"

namespace fss::suf {

// nExp(x) = e^{-x} for x of format {n, f} read on w = n - f + 1 bits: faithful for x in
// [0, 2^{n-f+1}) raw (SIGMA's domain [0, 2^{m-1}), m = n - f + 2); exactly 0 from the first x
// where e^{-x} 2^f < 1/2. bits = log2 of the most steps (the zero step included). Throws
// kInvalidArgument unless 1 <= f <= 20, n >= f + 6 and 1 <= bits <= 12.
SufSpec nexp_spec(FixedPoint format, int bits = 10);
SufGate nexp_gate(FixedPoint format, int bits = 10);
Shared nexp(Engine& engine, const Masked& x, int bits = 10);

// 1 / z for a sum z of format {n, f} of at most k terms in [0, 1], read on w = p = f +
// ceil(log2(k + 1)) bits (SIGMA's p): faithful for z in [7/8, 2^{p-f}) real (SIGMA's [1, k] and
// sums of nExp values just below 1); z below 7/8 gives 1 / (7/8). Throws kInvalidArgument
// unless k >= 1, f >= 3, p <= n, f + 3 <= n and 2 <= bits <= 12.
SufSpec reciprocal_spec(FixedPoint format, int64_t k, int bits = 10);
SufGate reciprocal_gate(FixedPoint format, int64_t k, int bits = 10);
Shared softmax_reciprocal(Engine& engine, const Masked& z, int64_t k, int bits = 10);

}  // namespace fss::suf

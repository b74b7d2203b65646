#pragma once
// nExp and the softmax denominator's reciprocal for the SUF family, drop-in for sigma::nexp and
// sigma::softmax_reciprocal (same input format, domain and output format {n, f}; the caller
// opens the result).
//
// One-gate forms (nexp_spec / nexp_gate, reciprocal_*; used by softmax_reciprocal): one
// piecewise-constant spec (degree 0: no round inside the gate, nothing sent) read on the unsigned
// view x mod 2^w, whose at most 2^bits steps are placed where the function's value moves by the
// same amount (builders.h), so the error is about (max - min) / 2^{bits+1} ulp. Costs: one
// DCF_{w,n} key and the output mask.
//
// Truncated-view nExp (nexp): the compiled SUF gate reads floor(x / 8) on a short view instead of
// x^ (truncated_view.h). For x of format {n, f} read on w = n - f + 1 bits (unsigned), 2^bits
// cells of 2^-q over [0, 8), q = bits - 3:
//   1-2. y = floor(x / 2^{f-q}) and z = floor(y / 2^bits) (x / 8 in real units, floored), opened;
//   3.   b = the SUF gate of nexp_clip_spec on z: 1{z < 1} = 1{x < 8}, opened (1 bit);
//   4.   c = Select_bits(b, y mod 2^bits - (2^bits - 1)) + 2^bits - 1 = b ? y : 2^bits - 1, opened;
//   5.   LUT_{bits,n}(c), T[c] = round(e^{-(c + 1/2) 2^-q} 2^f) and T[2^bits - 1] = 0 (as SIGMA's
//        clip: a row's far entries add nothing to the denominator).
// At n = 50, f = 12, 10 bits: key 532.1 B and 15.1 B sent per element, 7 rounds (SIGMA's nexp:
// 874.1 B, 34.6 B, 9).
// docs/suf.md has the costs against SIGMA, docs/accuracy.md the asserted errors.
#include <cstdint>
#include <vector>

#include "mpc/engine.h"
#include "suf/spec.h"
#include "suf/suf_gate.h"

namespace fss::suf {

// The one-gate nExp: e^{-x} for x of format {n, f} read on w = n - f + 1 bits: faithful for x in
// [0, 2^{n-f+1}) raw (SIGMA's domain [0, 2^{m-1}), m = n - f + 2); exactly 0 from the first x
// where e^{-x} 2^f < 1/2. bits = log2 of the most steps (the zero step included). Throws
// kInvalidArgument unless 1 <= f <= 20, n >= f + 6 and 1 <= bits <= 12.
SufSpec nexp_spec(FixedPoint format, int bits = 10);
// Compiled once per process for its parameters (compiled_once.h); so is reciprocal_gate.
const SufGate& nexp_gate(FixedPoint format, int bits = 10);

// The truncated-view nExp's SUF gate ("nexp_clip"): for z of format {n, 0}, the boolean 1{z < 1}
// (unsigned) from one packed comparison on n bits.
SufSpec nexp_clip_spec(FixedPoint z_format);
SufGate nexp_clip_gate(FixedPoint z_format);

// The truncated-view nExp's table for 2^bits cells (above). Throws kInvalidArgument unless
// 3 <= bits <= 20.
std::vector<uint64_t> nexp_cell_table(FixedPoint format, int bits);

// Shares of e^{-x}, format {n, f}, for x of format {n, f} in [0, 2^{n-f+1}) raw (SIGMA's
// domain), in the truncated-view form. Throws kInvalidArgument unless 3 <= bits <= f + 2,
// f <= 12 (the clip at 8 then costs at most e^{-8} 2^12 = 1.37 ulp) and n >= 2f + 3.
Shared nexp(Engine& engine, const Masked& x, int bits = 10);

// 1 / z for a sum z of format {n, f} of at most k terms in [0, 1], read on w = p = f +
// ceil(log2(k + 1)) bits (SIGMA's p): faithful for z in [7/8, 2^{p-f}) real (SIGMA's [1, k] and
// sums of nExp values just below 1); z below 7/8 gives 1 / (7/8). Throws kInvalidArgument
// unless k >= 1, f >= 3, p <= n, f + 3 <= n and 2 <= bits <= 12.
SufSpec reciprocal_spec(FixedPoint format, int64_t k, int bits = 10);
const SufGate& reciprocal_gate(FixedPoint format, int64_t k, int bits = 10);
Shared softmax_reciprocal(Engine& engine, const Masked& z, int64_t k, int bits = 10);

}  // namespace fss::suf

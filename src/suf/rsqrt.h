#pragma once
// Reciprocal square root as a compiled SUF gate on the effective width, drop-in for
// sigma::rec_sqrt (same input format and domain, output {n, output_frac_bits}; the caller
// opens the result). One piecewise-constant spec on the unsigned view x mod 2^{n-1}, with
// 2^{bits-3} steps per octave of x placed at equal ratios of the output (relative error about
// half a step's ratio, (2^{2^{-(bits-2)}} - 1) / 2, plus 1 ulp: 0.271 % for bits = 9), no round
// inside the gate.
// docs/suf.md has the costs, docs/accuracy.md the asserted error.
#include "mpc/engine.h"
#include "suf/spec.h"
#include "suf/suf_gate.h"

namespace fss::suf {

// Mirrors sigma::RecSqrtParams (suf never includes sigma, ARCHITECTURE.md §3).
struct RecSqrtParams {
  int output_frac_bits = 12;  // f_out
  double divisor = 1;         // d: the result approximates 1 / sqrt(X / d)
};

// For x of format {n, f_in} read as an unsigned integer in [1, 2^{n-1}) (x = 0 gives x = 1's
// value): shares of ~ 2^{f_out} / sqrt(x / (d 2^{f_in})), clipped to 2^{n-1} - 1, format
// {n, f_out}. Throws kInvalidArgument unless 3 <= n, 0 <= f_out < n, d > 0 is finite and
// 5 <= bits <= 12.
SufSpec rec_sqrt_spec(FixedPoint format, const RecSqrtParams& params, int bits = 9);
// The gate of rec_sqrt_spec, compiled once per process for these parameters (compiled_once.h).
const SufGate& rec_sqrt_gate(FixedPoint format, const RecSqrtParams& params, int bits = 9);
Shared rec_sqrt(Engine& engine, const Masked& x, const RecSqrtParams& params, int bits = 9);

}  // namespace fss::suf

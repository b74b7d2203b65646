#pragma once
// GeLU and SiLU as compiled SUF gates on the effective width, drop-in for sigma::gelu and
// sigma::silu (same input format, domain and output format; the caller opens the result).
// act(x) = ReLU(x) - delta(x): the spec reads the signed view x mod 2^w, w = n - f + 1, and has
// one piece c1 x + c0 per interval with c1 = 1{x >= 0} (exact, scale f) and c0 a constant at
// scale f: `intervals` steps of -delta over [-B, B) (boundaries placed so that every step spans
// the same range of delta, step_fit.h), then x (x >= B) and 0 (x < -B). B is the smallest power
// of two with |delta(+-B)| 2^f < 1/2, at most 2^{w-2-f}. Faithful for |x| < 2^{n-f} raw (SIGMA's
// domain); elsewhere the result is the spec's value on the view, bit for bit the clear engine's.
// Costs (suf_gate.h with the effective width): one DCF_{w,n} key, one opened coefficient (n bits,
// one round) inside the gate. docs/suf.md has the formulas, docs/accuracy.md the errors.
#include "mpc/engine.h"
#include "suf/spec.h"
#include "suf/suf_gate.h"

namespace fss::suf {

// The specs and gates, for cost tables and tests. Throw kInvalidArgument unless f >= 1,
// w >= f + 4 and 2 <= intervals <= 2^16.
SufSpec gelu_spec(FixedPoint format, int intervals = 256);
SufSpec silu_spec(FixedPoint format, int intervals = 1024);
SufGate gelu_gate(FixedPoint format, int intervals = 256);
SufGate silu_gate(FixedPoint format, int intervals = 1024);

// Shares of GeLU(x) = x Phi(x), format {n, f}, for x of format {n, f}. Throws as gelu_gate.
Shared gelu(Engine& engine, const Masked& x, int intervals = 256);

// Shares of SiLU(x) = x sigmoid(x), format {n, f}. Throws as silu_gate.
Shared silu(Engine& engine, const Masked& x, int intervals = 1024);

}  // namespace fss::suf

#pragma once
// GeLU and SiLU for the SUF family, drop-in for sigma::gelu and sigma::silu (same input format,
// domain and output format; the caller opens the result).
//
// One-gate form (gelu_spec / silu_spec, used by silu): act(x) = ReLU(x) - delta(x) as one
// compiled spec on the signed view x mod 2^w, w = n - f + 1, with one piece c1 x + c0 per
// interval, c1 = 1{x >= 0} (exact, scale f) and c0 a constant at scale f: `intervals` steps of
// -delta over [-B, B) (boundaries placed so that every step spans the same range of delta,
// step_fit.h), then x (x >= B) and 0 (x < -B). B is the smallest power of two with
// |delta(+-B)| 2^f < 1/2, at most 2^{w-2-f}. Costs: one DCF_{w,n} key, one opened coefficient
// (n bits, one round) inside the gate.
//
// Truncated-view form (gelu): the compiled SUF gate reads a truncated, re-masked view of x,
// so its comparison key is w - f + q - k bits deep instead of a DCF on w bits. With 2^k = the
// table size and q = k - 2 (the table covers |x| < 4 in steps of 2^-q):
//   1-2. truncated_view.h: y = floor(x / 2^{f-q}) on w' = w - f + q bits and
//        z = floor(y / 2^k) on w' - k bits, each opened under a fresh mask;
//   3. (d, i) = the SUF gate of sign_range_spec on z: d = 1{z >= 0} = 1{x >= 0} and
//      i = 1{z in {-1, 0}} = 1{-2^k <= y < 2^k}, one packed comparison, opened together;
//   4. c = SelectLin_k(i, d, y mod 2^k) = i ? (d ? y : -y - 1) : 2^k - 1, opened: the cell of
//      |x| in steps of 2^-q, the same cell for x and -x - 2^-q;
//   5. act = Select_n(d, x) - LUT_{k,n}(c), T[c] = round(delta((c + 1/2) 2^-q) 2^f).
// Faithful for |x| < 2^{n-f} raw (SIGMA's domain); elsewhere bit for bit the clear engine's.
// At n = 50, f = 12, 256 cells: key 507.25 B and 15 B sent per element, 7 rounds (SIGMA's gelu:
// 565 B, 11.75 B, 5). docs/suf.md has the formulas, docs/accuracy.md the asserted errors.
#include <vector>

#include "mpc/engine.h"
#include "suf/spec.h"
#include "suf/suf_gate.h"

namespace fss::suf {

// The specs and gates, for cost tables and tests (gates compiled once per process for their
// parameters, compiled_once.h). Throw kInvalidArgument unless f >= 1, w >= f + 4 and
// 2 <= intervals <= 2^16.
SufSpec gelu_spec(FixedPoint format, int intervals = 256);
SufSpec silu_spec(FixedPoint format, int intervals = 1024);
const SufGate& gelu_gate(FixedPoint format, int intervals = 256);
const SufGate& silu_gate(FixedPoint format, int intervals = 1024);

// The truncated-view GeLU's SUF gate ("gelu_sign_range"): for z of format {n, 0} (n >= 2), outputs
// d = 1{z >= 0} and i = 1{z in {-1, 0}} (signed), from one packed comparison on n bits.
SufSpec sign_range_spec(FixedPoint z_format);
SufGate sign_range_gate(FixedPoint z_format);

// The table of the truncated-view GeLU with `entries` = 2^k cells of 2^-(k-2):
// T[c] = round(delta((c + 1/2) 2^{2-k}) 2^f) mod 2^n, delta(v) = ReLU(v) - GeLU(v). Throws
// kInvalidArgument as gelu for a bad `entries`.
std::vector<uint64_t> gelu_cell_table(FixedPoint format, int entries);

// Shares of GeLU(x) = x Phi(x), format {n, f}, for x of format {n, f}, in the truncated-view
// form with a table of `entries` = 2^k cells. Throws kInvalidArgument unless entries is a power
// of two with 4 <= entries <= 2^12, f >= k - 1 and n >= 2f + 3 (SIGMA's gelu's conditions).
Shared gelu(Engine& engine, const Masked& x, int entries = 256);

// Shares of SiLU(x) = x sigmoid(x), format {n, f}. Throws as silu_gate.
Shared silu(Engine& engine, const Masked& x, int intervals = 1024);

}  // namespace fss::suf

#pragma once
// Local linear operations on wires for the row-wise protocols (LayerNorm, RMSNorm, rotary
// embedding): sums and repeats along the last axis, products with public constants, shifts of
// shares into a wider ring, and one-round opens of several wires. Each is a ring homomorphism
// or a data movement, so it acts alike on clear values, masks, masked values and shares
// (mpc/wire.h) and runs unchanged on every engine. Shape and format errors throw
// kInvalidArgument.
//
// A product c x with a public c turns the wire's mask r into c r, which need not be uniform
// (c even). The masked value c x^ is a function of the public x^, so nothing new is revealed;
// the gates that consume such wires here (gap truncations) are correct for any mask.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "mpc/engine.h"
#include "mpc/wire.h"

namespace fss::sigma {

// [..., k] -> [..., 1]: the sum of each row mod 2^n. Needs rank >= 1.
Masked sum_last_axis(const Masked& x);

// [..., 1] -> [..., k]: each row's value repeated k >= 1 times.
Masked repeat_last_axis(const Masked& x, int64_t k);

// x repeated over leading dimensions to `shape`, of which x's shape must be a suffix
// (a [k] weight over [B, L, k] rows). Every copy keeps x's mask, as a weight's does in matmul.
Masked repeat_to_shape(const Masked& x, const Shape& shape);

// x * c elementwise for a public c whose shape is a suffix of x's (repeated over the leading
// dimensions) and whose width is x's; output format {n, f_x + f_c}, which must fit (f < n).
Masked multiply_public(const Masked& x, const Tensor& c);

// c * x for a public integer c, relabelled with `format` (same n as x).
Masked scale_public(const Masked& x, uint64_t c, FixedPoint format);

// (x << shift) mod 2^{format.n}: valid for shares mod 2^{x.n} because the shares' wrap
// 2^{x.n} vanishes when format.n <= x.n + shift. Needs 0 <= shift and format.n <= x.n + shift.
Shared shift_into(const Shared& x, int shift, FixedPoint format);

// Opens same-format wires in one round (one message holding all their values), booked under
// `label`; returns them Masked, in order, in their shapes. Needs at least one wire. The same as
// mpc/masked_ops.h's open_together, for wires held by value.
std::vector<Masked> open_stacked(Engine& engine, std::span<const Shared> values,
                                 const std::string& label);

}  // namespace fss::sigma

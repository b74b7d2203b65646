#pragma once
// Wire operations that gates of every family compose with: a wire's low bits (local: the
// reduction mod 2^b acts alike on clear values, masks, masked values and shares, mpc/wire.h), a
// public offset of a masked wire, and one round that opens several Shared wires at once.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/fixed_point.h"
#include "mpc/engine.h"
#include "mpc/wire.h"

namespace fss {

// x mod 2^{format.n}, relabelled with `format`; masked by r mod 2^{format.n}. Throws unless
// format.n <= x's width.
Masked low_bits(const Masked& x, FixedPoint format);

// x + c for a public c (mod 2^n) in every element: the masked value moves, the mask does not, so
// the dealer's wire stays as it is.
Masked add_public(const Engine& engine, const Masked& x, uint64_t c);

// Opens several Shared wires of one format in a single round (one message of all their bits),
// booked under `label`; returns them Masked in their shapes. Throws if the formats differ.
std::vector<Masked> open_together(Engine& engine, std::span<const Shared* const> values,
                                  const std::string& label);

}  // namespace fss

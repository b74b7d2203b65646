#pragma once
// ReLU(x) = Select(DReLU_m(x), x) (PROTOCOLS.md §2, §4), written once against Engine.
//
// The DReLU bit is opened masked (one round, under the open label kReluBitLabel) and selects x.
// Faithful when x, read as signed n bits, lies in [-2^{m-1}, 2^{m-1}).
// Key per party: DreluGate(m) + SelectGate(n) keys, i.e. 16 + count * dpf_key_bytes({m-1, 1}) +
// ceil(count / 8) + 3 * ceil(count * n / 8). Sent: ceil(count / 8) bytes in 1 round; the caller
// opens the result (ceil(count * n / 8) bytes, 1 more round).
#include "mpc/engine.h"

namespace fss::sigma {

inline constexpr const char* kReluBitLabel = "relu: drelu bit";

// Throws kInvalidArgument unless 2 <= m <= n.
Shared relu(Engine& engine, const Masked& x, int m);

}  // namespace fss::sigma

#pragma once
// The arithmetic share of a comparison bit from its opened masked value, the conversion step of
// mpc/comparison_bit.h, usable on host and device.
#include <cstdint>

#include "core/hd.h"
#include "core/ring.h"

namespace fss {

// Party b's share of a comparison bit c from the opened c^ = c ^ s and its share of s:
// [c] = b c^ + (1 - 2 c^) [s] mod 2^n (mpc/comparison_bit.h).
FSS_HD constexpr uint64_t comparison_share(int party, Ring ring, uint64_t c_hat, uint64_t s_share) {
  return ring.add(static_cast<uint64_t>(party) * c_hat, ring.mul(uint64_t{1} - 2 * c_hat, s_share));
}

}  // namespace fss

#pragma once
// A 128-bit value: FSS seeds, AES blocks, leaf output blocks. Plain struct so that it lives in
// host and device memory alike; the AES-NI code converts it to __m128i at the boundary.
#include <cstdint>

#include "core/hd.h"

namespace fss {

struct Block {
  uint64_t lo = 0;
  uint64_t hi = 0;

  FSS_HD friend constexpr Block operator^(Block a, Block b) { return {a.lo ^ b.lo, a.hi ^ b.hi}; }
  FSS_HD friend constexpr Block operator&(Block a, Block b) { return {a.lo & b.lo, a.hi & b.hi}; }
  FSS_HD Block& operator^=(Block b) { lo ^= b.lo; hi ^= b.hi; return *this; }
  FSS_HD friend constexpr bool operator==(Block a, Block b) { return a.lo == b.lo && a.hi == b.hi; }

  // The control bit lives in bit 0 (PROTOCOLS.md §1: 127 seed bits + 1 control bit).
  FSS_HD constexpr uint64_t lsb() const { return lo & 1; }
  FSS_HD constexpr Block without_lsb() const { return {lo & ~uint64_t{1}, hi}; }
  FSS_HD constexpr Block with_lsb(uint64_t bit) const { return {(lo & ~uint64_t{1}) | (bit & 1), hi}; }
  // Bit i (0 = least significant of lo).
  FSS_HD constexpr uint64_t bit(int i) const { return ((i < 64 ? lo >> i : hi >> (i - 64))) & 1; }
  // All-ones when bit is 1, zero otherwise (bit in {0,1}).
  FSS_HD static constexpr Block fill(uint64_t bit) { return {uint64_t{0} - bit, uint64_t{0} - bit}; }
};

static_assert(sizeof(Block) == 16);

}  // namespace fss

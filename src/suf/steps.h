#pragma once
// Per-element steps of SUF's post-processing, written once for both backends (ARCHITECTURE.md
// §4); the tree walks themselves are crypto's (crypto/dpf_math.h, crypto/dcf_math.h). Nothing
// here allocates or branches on secret data.
#include <cstdint>

#include "core/hd.h"

namespace fss::suf {

// XOR share of 1{(x mod 2^k) < beta} from the shares of the two queries of its rewrite
// (PROTOCOLS.md §9, with the threshold of every query at the mask): with u = x^ mod 2^k,
//   1{x < beta} = 1{u < beta} ^ 1{(u - beta) mod 2^k < r} ^ 1{u < r},
// the public term added by party 0 only; `flip` (public) complements the result (MSB = 1 ^ C).
FSS_HD constexpr uint64_t predicate_share(int party, uint64_t u, uint64_t beta, uint64_t flip,
                                          uint64_t shifted_share, uint64_t base_share) {
  const uint64_t public_part = party == 0 ? (static_cast<uint64_t>(u < beta) ^ flip) : 0;
  return public_part ^ (shifted_share & 1) ^ (base_share & 1);
}

// Beaver AND on XOR shares: z = u & v from the opened d = u ^ a, e = v ^ b and shares of the
// triple (a, b, c = a & b).
FSS_HD constexpr uint64_t and_share(int party, uint64_t d, uint64_t e, uint64_t a, uint64_t b,
                                    uint64_t c) {
  return (c ^ (d & b) ^ (e & a) ^ (party == 0 ? d & e : 0)) & 1;
}

}  // namespace fss::suf

#pragma once
// One step of SUF's interval lookup (suf/interval_lookup.h) on a backend (crypto/backend.h's
// dcf_offset_sums): each DCF key evaluated at P public points x^ + offsets[j] and its shares
// combined into p weighted sums and B comparison bits, so that a device returns only those.
#include <cstdint>
#include <span>

#include "crypto/dcf.h"
#include "crypto/offset_sums_math.h"

namespace fss {

struct DcfOffsetQuery {
  std::span<const uint64_t> offsets;     // P >= 1, each below 2^n
  uint64_t width = 0;                    // p, the sums per key
  std::span<const uint64_t> weights;     // [P][p]
  std::span<const uint32_t> bit_points;  // B indices into offsets
};

// dcf_offset_sums' arguments, else kInvalidArgument naming `where`: a batch of `party`, one x^
// per key, P >= 1 offsets below 2^n, P * p weights, bit points below P, count * p sums and
// count * B bits, and no overflow of count * P.
void check_dcf_offset_query(int party, const DcfKeyBatch& keys, size_t x_hat,
                            const DcfOffsetQuery& query, size_t sums, size_t bits,
                            const char* where);

}  // namespace fss

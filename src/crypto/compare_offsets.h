#pragma once
// Comparisons made from masked values and public offsets (crypto/backend.h's
// dpf_compare_offsets): each 1-bit DPF key e is compared at K points dpf_offset_point(x_hat[e],
// offsets[j], n, complement) (crypto/dpf_math.h). DReLU's shifted comparisons and SUF's packed
// comparison ask this, so that a device receives x^ alone and makes the points itself.
#include <cstdint>
#include <span>

#include "core/words.h"
#include "crypto/dpf.h"

namespace fss {

struct DpfOffsetQuery {
  std::span<const uint64_t> offsets;  // K >= 1, each below 2^n
  bool complement = false;
};

// dpf_compare_offsets' arguments, else kInvalidArgument naming `where`: l = 1 keys, one x^ per
// key, K >= 1 offsets below 2^n, count * K outputs, and no overflow of count * K.
void check_dpf_offset_query(const DpfParams& params, uint64_t count, size_t x_hat,
                            const DpfOffsetQuery& query, size_t outputs, const char* where);

// The count * K points, point e * K + j for key e and offset j.
Words dpf_offset_points(std::span<const uint64_t> x_hat, const DpfOffsetQuery& query, int n);

}  // namespace fss

#pragma once
// Kernels that prepare serialized key batches (crypto/dpf.h's layout) for evaluation where they
// lie in device memory: the per-key right control-bit bytes become words, and every key is
// checked as deserialize_dpf_keys checks it. Launchers as cuda/fss_kernels.h's: device pointers,
// an explicit stream, the launch status returned, nothing thrown.
#include <cuda_runtime.h>

#include <cstdint>

#include "crypto/block.h"

namespace fss::gpu {

// For keys i < count: right_t_cw[i] = the little-endian word of right[i * right_bytes ..], and
// *first_bad = min over bad keys of (i << 2 | crypto/dpf_math.h's dpf_key_problem), checked
// against `party`'s bit; *first_bad must start at ~0.
cudaError_t launch_expand_dpf_record(const uint8_t* right, int right_bytes, int levels,
                                     const Block* root, const Block* leaf_cw,
                                     Block unused_leaf_bits, int party, uint64_t count,
                                     uint64_t* right_t_cw, unsigned long long* first_bad,
                                     cudaStream_t stream);

}  // namespace fss::gpu

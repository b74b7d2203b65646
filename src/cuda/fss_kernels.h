#pragma once
// Launchers of the batched FSS kernels (one thread per key, or per part of a key's domain), on
// device pointers and an explicit stream: the seam where resident keys, memory pools and
// streams plug in. Compiled by nvcc; they return the launch status and never throw (the host
// wrappers in cuda/fss_gpu.h own memory and turn a bad status into fss::Error). Preconditions
// are the host API's, unchecked here: views consistent with their counts, inputs in range,
// outputs not aliasing inputs. An empty batch launches nothing and returns cudaSuccess.
#include <cuda_runtime.h>

#include <cstdint>

#include "crypto/dpf_math.h"
#include "cuda/fss_walks.h"
#include "cuda/table_prg.h"

namespace fss::gpu {

// out[i] = AES_k(in[i]) for i < count, k the key in keys.keys[kExtraKeySlot].
cudaError_t launch_aes_encrypt(AesVariant variant, const PrgRoundKeys& keys, const Block* in,
                               Block* out, uint64_t count, cudaStream_t stream);

// Key generation for keys [0, out.count); keys.keys[kExtraKeySlot] holds the batch seed's key.
cudaError_t launch_dpf_gen(AesVariant variant, const PrgRoundKeys& keys, const DpfLeafLayout& leaf,
                           const DpfGenView& out, const uint64_t* alphas, const uint64_t* betas,
                           cudaStream_t stream);

cudaError_t launch_dpf_eval(AesVariant variant, const PrgRoundKeys& keys, const DpfLeafLayout& leaf,
                            const DpfKeysView& view, int party, const uint64_t* xs, uint64_t* out,
                            cudaStream_t stream);

// out[key] = comparison of key at xs[key].
cudaError_t launch_dpf_compare_eval(AesVariant variant, const PrgRoundKeys& keys,
                                    const DpfLeafLayout& leaf, const DpfKeysView& view,
                                    const uint64_t* xs, uint8_t* out, cudaStream_t stream);

// Offsets of crypto/compare_offsets.h's query on the device.
struct DpfOffsetsView {
  uint64_t count = 0;                 // K
  const uint64_t* offsets = nullptr;  // [K]
  bool complement = false;
};
// out[key * K + j] = comparison of key at dpf_offset_point(x_hat[key], offsets[j], n, complement).
cudaError_t launch_dpf_compare_offsets(AesVariant variant, const PrgRoundKeys& keys,
                                       const DpfLeafLayout& leaf, const DpfKeysView& view,
                                       const uint64_t* x_hat, const DpfOffsetsView& query,
                                       uint8_t* out, cudaStream_t stream);

// out[key * full_domain_words(n) + w]: key's full-domain output words (l = 1 keys).
cudaError_t launch_dpf_full_domain(AesVariant variant, const PrgRoundKeys& keys,
                                   const DpfLeafLayout& leaf, const DpfKeysView& view,
                                   uint64_t* out, cudaStream_t stream);

// dots[key] and ones[key] as crypto/dpf.h's dpf_full_domain_dot (l = 1 keys); terms, offsets,
// dots and ones are device pointers.
cudaError_t launch_dpf_full_domain_dot(AesVariant variant, const PrgRoundKeys& keys,
                                       const DpfLeafLayout& leaf, const DpfKeysView& view,
                                       const uint64_t* terms, const uint64_t* offsets,
                                       uint64_t* dots, uint64_t* ones, cudaStream_t stream);

cudaError_t launch_dcf_gen(AesVariant variant, const PrgRoundKeys& keys, const DcfGenView& out,
                           const uint64_t* alphas, const uint64_t* betas, cudaStream_t stream);

// crypto/backend.h's dcf_offset_sums on device pointers: key e at x_hat[e] + offsets[j] (mod
// 2^n), j < points; sums (zeroed by the caller, count * width) gather the weighted shares and
// bits[e * bit_points + b] the low bit at offset index points_of_bits[b].
struct DcfOffsetsView {
  uint64_t points = 0;
  uint64_t width = 0;
  uint64_t bit_points = 0;
  const uint64_t* offsets = nullptr;         // [points]
  const uint64_t* weights = nullptr;         // [points][width]
  const uint32_t* points_of_bits = nullptr;  // [bit_points]
};
cudaError_t launch_dcf_offset_sums(AesVariant variant, const PrgRoundKeys& keys,
                                   const DcfKeysView& view, int party, const uint64_t* x_hat,
                                   const DcfOffsetsView& query, uint64_t* sums, uint8_t* bits,
                                   cudaStream_t stream);

cudaError_t launch_dcf_eval(AesVariant variant, const PrgRoundKeys& keys, const DcfKeysView& view,
                            int party, const uint64_t* xs, uint64_t* out, cudaStream_t stream);

}  // namespace fss::gpu

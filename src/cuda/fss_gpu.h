#pragma once
// Batched DPF and DCF on the GPU, bit-identical to crypto/dpf.h and crypto/dcf.h: for the same
// seed, dpf_gen / dcf_gen produce byte-identical keys, and every evaluation the same shares.
// Each call uploads its inputs to the current device, runs one kernel (a thread per key, or
// per part of a key's domain), downloads the result and waits for the calling thread's stream
// (cuda/device_buffer.h: buffers come from the device's memory pool); resident keys go through
// cuda/device_keys.h and the launchers of cuda/fss_kernels.h instead. Arguments are checked as the
// CPU functions of the same names check them (kInvalidArgument); a CUDA failure (no device, out of
// memory) throws kInternal. `variant` picks where the AES tables live (cuda/table_prg.h); outputs
// never depend on it.
#include <cstdint>
#include <span>

#include "core/gap_shift.h"
#include "core/masked_matmul.h"
#include "core/matmul.h"
#include "crypto/aes.h"
#include "crypto/compare_offsets.h"
#include "crypto/dcf.h"
#include "crypto/dpf.h"
#include "crypto/offset_sums.h"
#include "cuda/table_prg.h"

namespace fss::gpu {

// out[i] = AES_k(in[i]) with aes's key k; in.size() == out.size().
void aes_encrypt_blocks(const Aes128& aes, std::span<const Block> in, std::span<Block> out,
                        AesVariant variant = kDefaultAesVariant);

DpfKeyPair dpf_gen(const DpfParams& params, std::span<const uint64_t> alphas,
                   std::span<const uint64_t> betas, Block seed,
                   AesVariant variant = kDefaultAesVariant);

void dpf_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
              std::span<uint64_t> out, AesVariant variant = kDefaultAesVariant);

void dpf_compare_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                      std::span<uint8_t> out, AesVariant variant = kDefaultAesVariant);

// Full-domain evaluation of every key of the batch (l = 1): out[i * words + w] is word w of
// key i's output as dpf_eval_full_domain(party, keys, i, ...) writes it, words = ceil(2^n / 64).
// Throws kInvalidArgument unless out.size() == keys.count * words.
void dpf_eval_full_domain(int party, const DpfKeyBatch& keys, std::span<uint64_t> out,
                          AesVariant variant = kDefaultAesVariant);

// crypto/backend.h's dcf_offset_sums: only x^, the query and the keys go to the device and only
// the sums and bits come back. Throws as check_dcf_offset_query.
void dcf_offset_sums(int party, const DcfKeyBatch& keys, std::span<const uint64_t> x_hat,
                     const DcfOffsetQuery& query, std::span<uint64_t> sums, std::span<uint8_t> bits,
                     AesVariant variant = kDefaultAesVariant);

// As crypto/dpf.h's dpf_full_domain_dot.
void dpf_full_domain_dot(int party, const DpfKeyBatch& keys, std::span<const uint64_t> terms,
                         std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                         std::span<uint64_t> ones, AesVariant variant = kDefaultAesVariant);

// On a serialized batch (cuda/device_keys.h's DeviceDpfRecord): no host-side parse, and no key
// upload when the record's bytes are resident. A corrupted key is kParse.
// As crypto/backend.h's dpf_compare_offsets: x^ and the offsets go up, the points are made on
// the device, one path per point.
void dpf_compare_offsets(int party, const DpfKeyRecord& keys, std::span<const uint64_t> x_hat,
                         const DpfOffsetQuery& query, std::span<uint8_t> out,
                         AesVariant variant = kDefaultAesVariant);
void dpf_full_domain_dot(int party, const DpfKeyRecord& keys, std::span<const uint64_t> terms,
                         std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                         std::span<uint64_t> ones, AesVariant variant = kDefaultAesVariant);

DcfKeyPair dcf_gen(const DcfParams& params, std::span<const uint64_t> alphas,
                   std::span<const uint64_t> betas, Block seed,
                   AesVariant variant = kDefaultAesVariant);

void dcf_eval(int party, const DcfKeyBatch& keys, std::span<const uint64_t> xs,
              std::span<uint64_t> out, AesVariant variant = kDefaultAesVariant);

// The two product kernels (cuda/launch.h), bit-identical: 64-bit words on the CUDA cores, or
// 8-bit limbs on the integer tensor cores. The default stays the word kernel, the one measured
// and tested on a GPU, until the limb kernel has been (BM_GpuMatmul, MatmulKernelsEqualCpu).
enum class MatmulKernel { kWords, kLimbs };
inline constexpr MatmulKernel kDefaultMatmulKernel = MatmulKernel::kWords;

// c = a * b mod 2^64 as core/matmul.h's matmul (same checks).
void matmul(std::span<const uint64_t> a, std::span<const uint64_t> b, std::span<uint64_t> c,
            const MatmulDims& dims, MatmulKernel kernel = kDefaultMatmulKernel);

// Party's share of a secret-weights product (core/masked_matmul.h): X^ and W^ uploaded, the key's
// packed fields read in device memory where they lie (else uploaded packed), unpacked and
// combined by kernels, the share downloaded. Checks as check_masked_matmul_arguments.
void masked_matmul(int party, const MaskedMatmulKey& key, std::span<const uint64_t> x_hat,
                   std::span<const uint64_t> w_hat, std::span<uint64_t> share,
                   const MatmulDims& dims, MatmulKernel kernel = kDefaultMatmulKernel);

// Party's shares of a gap truncation (core/gap_shift.h): x^ and the carry bits uploaded, the
// key's packed fields read where they lie (else uploaded packed), the share downloaded. Checks as
// check_gap_shift_arguments.
void gap_shift(const GapShiftStep& step, const GapShiftKey& key, std::span<const uint64_t> x_hat,
               std::span<const uint8_t> carry_hat, std::span<uint64_t> share);

}  // namespace fss::gpu

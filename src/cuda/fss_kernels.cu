#include <algorithm>

#include "crypto/offset_sums_math.h"
#include "cuda/fss_kernels.h"
#include "cuda/launch.h"

namespace fss::gpu {
namespace {

// At least two resident blocks per SM (at most 128 registers a thread), so that one block's
// shared-memory latency hides behind another's arithmetic.
constexpr int kMinBlocksPerSm = 2;

// The AES tables in device memory, generated at compile time (crypto/aes_table.h); each block
// copies the image its lookup needs into shared memory.
__device__ const aes_table::Tables kDeviceTables = aes_table::make_tables();

// Shared memory: the launch's round keys, then the lookup's table image (16-byte aligned).
template <typename Lookup>
constexpr size_t shared_bytes() {
  return sizeof(PrgRoundKeys) + Lookup::kWords * sizeof(uint32_t);
}
static_assert(sizeof(PrgRoundKeys) % 16 == 0);

template <typename Lookup>
__device__ Lookup make_lookup(const uint32_t* image);
template <>
__device__ FourTableLookup make_lookup<FourTableLookup>(const uint32_t* image) {
  return {image};
}
template <>
__device__ BankedLookup make_lookup<BankedLookup>(const uint32_t* image) {
  return {image, threadIdx.x % BankedLookup::kCopies};
}

// Every thread of the block must call this before any returns: it ends with a barrier.
template <typename Lookup>
__device__ TablePrg<Lookup> load_prg(const PrgRoundKeys& keys) {
  extern __shared__ uint4 shared[];
  auto* round_keys = reinterpret_cast<PrgRoundKeys*>(shared);
  auto* image = reinterpret_cast<uint32_t*>(round_keys + 1);
  const Block* from = &keys.keys[0][0];
  Block* to = &round_keys->keys[0][0];
  for (int i = threadIdx.x; i < kPrgKeySlots * 11; i += blockDim.x) to[i] = from[i];
  for (int i = threadIdx.x; i < Lookup::kWords; i += blockDim.x)
    image[i] = Lookup::word(kDeviceTables, i);
  __syncthreads();
  return {make_lookup<Lookup>(image), round_keys};
}

__device__ uint64_t global_thread() {
  return blockIdx.x * static_cast<uint64_t>(blockDim.x) + threadIdx.x;
}

template <typename Lookup>
__global__ void __launch_bounds__(kBlockThreads, kMinBlocksPerSm)
    aes_encrypt_kernel(const __grid_constant__ PrgRoundKeys keys, const Block* in, Block* out,
                       uint64_t count) {
  const TablePrg<Lookup> prg = load_prg<Lookup>(keys);
  const uint64_t stride = static_cast<uint64_t>(gridDim.x) * blockDim.x;
  for (uint64_t i = global_thread(); i < count; i += stride)
    store_block(out + i, prg.extra_key_encrypt(load_block(in + i)));
}

template <typename Lookup>
__global__ void __launch_bounds__(kBlockThreads, kMinBlocksPerSm)
    dpf_gen_kernel(const __grid_constant__ PrgRoundKeys keys, const DpfLeafLayout leaf,
                   const DpfGenView out, const uint64_t* alphas, const uint64_t* betas) {
  const TablePrg<Lookup> prg = load_prg<Lookup>(keys);
  const uint64_t key = global_thread();
  if (key < out.count) dpf_gen_key(prg, leaf, out, key, alphas[key], betas[key]);
}

template <typename Lookup>
__global__ void __launch_bounds__(kBlockThreads, kMinBlocksPerSm)
    dpf_eval_kernel(const __grid_constant__ PrgRoundKeys keys, const DpfLeafLayout leaf,
                    const DpfKeysView view, int party, const uint64_t* xs, uint64_t* out) {
  const TablePrg<Lookup> prg = load_prg<Lookup>(keys);
  const uint64_t key = global_thread();
  if (key < view.count) out[key] = dpf_eval_key(prg, leaf, view, party, key, xs[key]);
}

template <typename Lookup>
__global__ void __launch_bounds__(kBlockThreads, kMinBlocksPerSm)
    dpf_compare_kernel(const __grid_constant__ PrgRoundKeys keys, const DpfLeafLayout leaf,
                       const DpfKeysView view, const uint64_t* xs, uint8_t* out) {
  const TablePrg<Lookup> prg = load_prg<Lookup>(keys);
  const uint64_t key = global_thread();
  if (key < view.count)
    out[key] = static_cast<uint8_t>(dpf_compare_key(prg, leaf, view, key, xs[key]));
}

// Thread t compares key t / K at its element's point for offset t mod K.
template <typename Lookup>
__global__ void __launch_bounds__(kBlockThreads, kMinBlocksPerSm)
    dpf_compare_offsets_kernel(const __grid_constant__ PrgRoundKeys keys, const DpfLeafLayout leaf,
                               const DpfKeysView view, const uint64_t* x_hat,
                               const DpfOffsetsView query, uint8_t* out) {
  const TablePrg<Lookup> prg = load_prg<Lookup>(keys);
  const uint64_t t = global_thread();
  if (t >= view.count * query.count) return;
  const uint64_t key = t / query.count;
  const uint64_t point =
      dpf_offset_point(x_hat[key], query.offsets[t % query.count], view.n, query.complement);
  out[t] = static_cast<uint8_t>(dpf_compare_key(prg, leaf, view, key, point));
}

// Thread t handles part t mod 2^(levels - G) of key t / 2^(levels - G).
template <int kSubtreeLevels, typename Lookup>
__global__ void __launch_bounds__(kBlockThreads, kMinBlocksPerSm)
    dpf_full_domain_kernel(const __grid_constant__ PrgRoundKeys keys, const DpfLeafLayout leaf,
                           const DpfKeysView view, uint64_t* out) {
  const TablePrg<Lookup> prg = load_prg<Lookup>(keys);
  const int parts_log2 = view.levels - kSubtreeLevels;
  const uint64_t thread = global_thread();
  const uint64_t key = thread >> parts_log2;
  if (key >= view.count) return;
  const uint64_t part = thread & ((uint64_t{1} << parts_log2) - 1);
  dpf_full_domain_part<kSubtreeLevels>(prg, leaf, view, key, part,
                                       out + key * full_domain_words(view.n));
}

// Thread t handles part t mod 2^(levels - G) of key t / 2^(levels - G) and adds its dot product
// and count of ones to the key's totals (sums mod 2^64, so the order of the adds is immaterial).
template <int kSubtreeLevels, typename Lookup>
__global__ void __launch_bounds__(kBlockThreads, kMinBlocksPerSm)
    dpf_full_domain_dot_kernel(const __grid_constant__ PrgRoundKeys keys, const DpfLeafLayout leaf,
                               const DpfKeysView view, const uint64_t* terms,
                               const uint64_t* offsets, uint64_t* dots, uint64_t* ones) {
  const TablePrg<Lookup> prg = load_prg<Lookup>(keys);
  const int parts_log2 = view.levels - kSubtreeLevels;
  const uint64_t thread = global_thread();
  const uint64_t key = thread >> parts_log2;
  if (key >= view.count) return;
  const uint64_t part = thread & ((uint64_t{1} << parts_log2) - 1);
  uint64_t dot = 0, count = 0;
  dpf_full_domain_dot_part<kSubtreeLevels>(prg, leaf, view, key, part, terms + offsets[key], dot,
                                           count);
  if (parts_log2 == 0) {
    dots[key] = dot;
    ones[key] = count;
  } else {
    atomicAdd(reinterpret_cast<unsigned long long*>(dots + key), dot);
    atomicAdd(reinterpret_cast<unsigned long long*>(ones + key), count);
  }
}

template <typename Lookup>
__global__ void __launch_bounds__(kBlockThreads, kMinBlocksPerSm)
    dcf_gen_kernel(const __grid_constant__ PrgRoundKeys keys, const DcfGenView out,
                   const uint64_t* alphas, const uint64_t* betas) {
  const TablePrg<Lookup> prg = load_prg<Lookup>(keys);
  const uint64_t key = global_thread();
  if (key < out.count) dcf_gen_key(prg, out, key, alphas[key], betas[key]);
}

template <typename Lookup>
__global__ void __launch_bounds__(kBlockThreads, kMinBlocksPerSm)
    dcf_eval_kernel(const __grid_constant__ PrgRoundKeys keys, const DcfKeysView view, int party,
                    const uint64_t* xs, uint64_t* out) {
  const TablePrg<Lookup> prg = load_prg<Lookup>(keys);
  const uint64_t key = global_thread();
  if (key < view.count) out[key] = dcf_eval_key(prg, view, party, key, xs[key]);
}

// One thread per (key, point); a warp whose points all belong to one key adds its terms with
// shuffles and one atomic per sum (addition mod 2^64 commutes, so the order of the atomics does
// not change a bit of the result), a mixed warp adds each term on its own.
template <typename Lookup>
__global__ void __launch_bounds__(kBlockThreads, kMinBlocksPerSm)
    dcf_offset_sums_kernel(const __grid_constant__ PrgRoundKeys keys, const DcfKeysView view,
                           int party, const uint64_t* x_hat, const DcfOffsetsView query,
                           uint64_t* sums, uint8_t* bits) {
  const TablePrg<Lookup> prg = load_prg<Lookup>(keys);
  const uint64_t t = global_thread();
  const bool valid = t < view.count * query.points;
  const uint64_t key = valid ? t / query.points : 0, j = valid ? t % query.points : 0;
  uint64_t share = 0;
  if (valid) {
    const uint64_t domain = view.n == 64 ? ~uint64_t{0} : (uint64_t{1} << view.n) - 1;
    share = dcf_eval_key(prg, view, party, key, (x_hat[key] + query.offsets[j]) & domain);
    for (uint64_t b = 0; b < query.bit_points; ++b)
      if (query.points_of_bits[b] == j) bits[key * query.bit_points + b] = share & 1;
  }
  constexpr unsigned kWarp = 0xffffffffu;
  const uint64_t first_key = __shfl_sync(kWarp, key, 0);
  const bool one_key = __all_sync(kWarp, !valid || key == first_key);
  for (uint64_t q = 0; q < query.width; ++q) {
    uint64_t term = 0;  // this point's part of sum q, as the CPU adds it
    if (valid) add_weighted(1, query.weights + j * query.width + q, share, &term);
    if (one_key) {
      for (int lane_offset = 16; lane_offset > 0; lane_offset /= 2)
        term += __shfl_down_sync(kWarp, term, lane_offset);
      if (valid && threadIdx.x % 32 == 0)
        atomicAdd(reinterpret_cast<unsigned long long*>(sums + first_key * query.width + q),
                  static_cast<unsigned long long>(term));
    } else if (valid) {
      atomicAdd(reinterpret_cast<unsigned long long*>(sums + key * query.width + q),
                static_cast<unsigned long long>(term));
    }
  }
}

// Calls launch(Lookup{}) with the lookup type of `variant` and returns the launch status.
template <typename Launch>
cudaError_t with_lookup(AesVariant variant, const Launch& launch) {
  if (variant == AesVariant::kFourTables) {
    launch(FourTableLookup{});
  } else {
    launch(BankedLookup{});
  }
  return cudaGetLastError();
}

}  // namespace

cudaError_t launch_aes_encrypt(AesVariant variant, const PrgRoundKeys& keys, const Block* in,
                               Block* out, uint64_t count, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  int device = 0, sms = 0;
  if (const cudaError_t status = cudaGetDevice(&device); status != cudaSuccess) return status;
  if (const cudaError_t status =
          cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
      status != cudaSuccess)
    return status;
  // Enough resident blocks to fill every SM several times over; each then loops, so that the
  // table copy into shared memory is paid once per block rather than once per 256 AES blocks.
  const uint64_t max_blocks = static_cast<uint64_t>(sms) * 16;
  const unsigned blocks = static_cast<unsigned>(std::min<uint64_t>(blocks_for(count), max_blocks));
  return with_lookup(variant, [&](auto lookup) {
    using Lookup = decltype(lookup);
    aes_encrypt_kernel<Lookup>
        <<<blocks, kBlockThreads, shared_bytes<Lookup>(), stream>>>(keys, in, out, count);
  });
}

cudaError_t launch_dpf_gen(AesVariant variant, const PrgRoundKeys& keys, const DpfLeafLayout& leaf,
                           const DpfGenView& out, const uint64_t* alphas, const uint64_t* betas,
                           cudaStream_t stream) {
  if (out.count == 0) return cudaSuccess;
  return with_lookup(variant, [&](auto lookup) {
    using Lookup = decltype(lookup);
    dpf_gen_kernel<Lookup>
        <<<blocks_for(out.count), kBlockThreads, shared_bytes<Lookup>(), stream>>>(keys, leaf, out,
                                                                                   alphas, betas);
  });
}

cudaError_t launch_dpf_eval(AesVariant variant, const PrgRoundKeys& keys, const DpfLeafLayout& leaf,
                            const DpfKeysView& view, int party, const uint64_t* xs, uint64_t* out,
                            cudaStream_t stream) {
  if (view.count == 0) return cudaSuccess;
  return with_lookup(variant, [&](auto lookup) {
    using Lookup = decltype(lookup);
    dpf_eval_kernel<Lookup>
        <<<blocks_for(view.count), kBlockThreads, shared_bytes<Lookup>(), stream>>>(
            keys, leaf, view, party, xs, out);
  });
}

cudaError_t launch_dpf_compare_eval(AesVariant variant, const PrgRoundKeys& keys,
                                    const DpfLeafLayout& leaf, const DpfKeysView& view,
                                    const uint64_t* xs, uint8_t* out, cudaStream_t stream) {
  if (view.count == 0) return cudaSuccess;
  return with_lookup(variant, [&](auto lookup) {
    using Lookup = decltype(lookup);
    dpf_compare_kernel<Lookup>
        <<<blocks_for(view.count), kBlockThreads, shared_bytes<Lookup>(), stream>>>(keys, leaf,
                                                                                    view, xs, out);
  });
}

cudaError_t launch_dpf_compare_offsets(AesVariant variant, const PrgRoundKeys& keys,
                                       const DpfLeafLayout& leaf, const DpfKeysView& view,
                                       const uint64_t* x_hat, const DpfOffsetsView& query,
                                       uint8_t* out, cudaStream_t stream) {
  if (view.count == 0 || query.count == 0) return cudaSuccess;
  return with_lookup(variant, [&](auto lookup) {
    using Lookup = decltype(lookup);
    dpf_compare_offsets_kernel<Lookup>
        <<<blocks_for(view.count * query.count), kBlockThreads, shared_bytes<Lookup>(), stream>>>(
            keys, leaf, view, x_hat, query, out);
  });
}

cudaError_t launch_dpf_full_domain(AesVariant variant, const PrgRoundKeys& keys,
                                   const DpfLeafLayout& leaf, const DpfKeysView& view,
                                   uint64_t* out, cudaStream_t stream) {
  if (view.count == 0) return cudaSuccess;
  const int subtree_levels = full_domain_subtree_levels(view.levels);
  const uint64_t threads = view.count << (view.levels - subtree_levels);
  return with_lookup(variant, [&](auto lookup) {
    using Lookup = decltype(lookup);
    const unsigned blocks = blocks_for(threads);
    const size_t shared = shared_bytes<Lookup>();
    static_assert(kMaxSubtreeLevels == 3, "one instantiation per subtree depth");
    switch (subtree_levels) {
      case 0:
        dpf_full_domain_kernel<0, Lookup>
            <<<blocks, kBlockThreads, shared, stream>>>(keys, leaf, view, out);
        break;
      case 1:
        dpf_full_domain_kernel<1, Lookup>
            <<<blocks, kBlockThreads, shared, stream>>>(keys, leaf, view, out);
        break;
      case 2:
        dpf_full_domain_kernel<2, Lookup>
            <<<blocks, kBlockThreads, shared, stream>>>(keys, leaf, view, out);
        break;
      default:
        dpf_full_domain_kernel<3, Lookup>
            <<<blocks, kBlockThreads, shared, stream>>>(keys, leaf, view, out);
        break;
    }
  });
}

cudaError_t launch_dcf_gen(AesVariant variant, const PrgRoundKeys& keys, const DcfGenView& out,
                           const uint64_t* alphas, const uint64_t* betas, cudaStream_t stream) {
  if (out.count == 0) return cudaSuccess;
  return with_lookup(variant, [&](auto lookup) {
    using Lookup = decltype(lookup);
    dcf_gen_kernel<Lookup>
        <<<blocks_for(out.count), kBlockThreads, shared_bytes<Lookup>(), stream>>>(keys, out,
                                                                                   alphas, betas);
  });
}

cudaError_t launch_dcf_eval(AesVariant variant, const PrgRoundKeys& keys, const DcfKeysView& view,
                            int party, const uint64_t* xs, uint64_t* out, cudaStream_t stream) {
  if (view.count == 0) return cudaSuccess;
  return with_lookup(variant, [&](auto lookup) {
    using Lookup = decltype(lookup);
    dcf_eval_kernel<Lookup>
        <<<blocks_for(view.count), kBlockThreads, shared_bytes<Lookup>(), stream>>>(keys, view,
                                                                                    party, xs, out);
  });
}

cudaError_t launch_dpf_full_domain_dot(AesVariant variant, const PrgRoundKeys& keys,
                                       const DpfLeafLayout& leaf, const DpfKeysView& view,
                                       const uint64_t* terms, const uint64_t* offsets,
                                       uint64_t* dots, uint64_t* ones, cudaStream_t stream) {
  if (view.count == 0) return cudaSuccess;
  const int subtree_levels = full_domain_subtree_levels(view.levels);
  if (subtree_levels < view.levels) {  // several threads per key add into zeroed totals
    if (const cudaError_t status = cudaMemsetAsync(dots, 0, view.count * sizeof(uint64_t), stream);
        status != cudaSuccess)
      return status;
    if (const cudaError_t status = cudaMemsetAsync(ones, 0, view.count * sizeof(uint64_t), stream);
        status != cudaSuccess)
      return status;
  }
  const uint64_t threads = view.count << (view.levels - subtree_levels);
  return with_lookup(variant, [&](auto lookup) {
    using Lookup = decltype(lookup);
    const unsigned blocks = blocks_for(threads);
    const size_t shared = shared_bytes<Lookup>();
    static_assert(kMaxSubtreeLevels == 3, "one instantiation per subtree depth");
    switch (subtree_levels) {
      case 0:
        dpf_full_domain_dot_kernel<0, Lookup><<<blocks, kBlockThreads, shared, stream>>>(
            keys, leaf, view, terms, offsets, dots, ones);
        break;
      case 1:
        dpf_full_domain_dot_kernel<1, Lookup><<<blocks, kBlockThreads, shared, stream>>>(
            keys, leaf, view, terms, offsets, dots, ones);
        break;
      case 2:
        dpf_full_domain_dot_kernel<2, Lookup><<<blocks, kBlockThreads, shared, stream>>>(
            keys, leaf, view, terms, offsets, dots, ones);
        break;
      default:
        dpf_full_domain_dot_kernel<3, Lookup><<<blocks, kBlockThreads, shared, stream>>>(
            keys, leaf, view, terms, offsets, dots, ones);
    }
  });
}

cudaError_t launch_dcf_offset_sums(AesVariant variant, const PrgRoundKeys& keys,
                                   const DcfKeysView& view, int party, const uint64_t* x_hat,
                                   const DcfOffsetsView& query, uint64_t* sums, uint8_t* bits,
                                   cudaStream_t stream) {
  const uint64_t threads = view.count * query.points;
  if (threads == 0) return cudaSuccess;
  return with_lookup(variant, [&](auto lookup) {
    using Lookup = decltype(lookup);
    dcf_offset_sums_kernel<Lookup>
        <<<blocks_for(threads), kBlockThreads, shared_bytes<Lookup>(), stream>>>(
            keys, view, party, x_hat, query, sums, bits);
  });
}

}  // namespace fss::gpu

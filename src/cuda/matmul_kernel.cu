#include <mma.h>

#include <algorithm>

#include "cuda/launch.h"

namespace fss::gpu {
namespace {

// A block computes a kTile x kTile tile of C; each of its 16 x 16 threads a 4 x 4 sub-tile
// strided by 16, so that the shared-memory reads of a warp hit consecutive words. Panels of
// kInnerTile columns of A and rows of B are staged through shared memory.
constexpr int kTile = 64;
constexpr int kInnerTile = 16;
constexpr int kThreadsPerSide = 16;
constexpr int kPerThread = kTile / kThreadsPerSide;
constexpr int kThreads = kThreadsPerSide * kThreadsPerSide;

// Blocks z = batch * splits + split: split s of a product adds up inner indices
// [s * chunk, (s + 1) * chunk) (chunk a multiple of kInnerTile) and, when splits > 1, adds its
// partial sums into C (zeroed first) with 64-bit atomics.
__global__ void __launch_bounds__(kThreads)
    matmul_kernel(const uint64_t* a, const uint64_t* b, uint64_t* c, int64_t rows, int64_t inner,
                  int64_t cols, bool batched_right, int splits, int64_t chunk) {
  const int64_t batch = blockIdx.z / splits;
  const int64_t k_begin = (blockIdx.z % splits) * chunk;
  const int64_t k_end = k_begin + chunk < inner ? k_begin + chunk : inner;
  const uint64_t* left = a + batch * rows * inner;
  const uint64_t* right = b + (batched_right ? batch * inner * cols : 0);
  uint64_t* out = c + batch * rows * cols;
  __shared__ uint64_t left_panel[kInnerTile][kTile];   // [k][row]
  __shared__ uint64_t right_panel[kInnerTile][kTile];  // [k][col]
  const int tx = threadIdx.x % kThreadsPerSide, ty = threadIdx.x / kThreadsPerSide;
  const int64_t row0 = static_cast<int64_t>(blockIdx.y) * kTile;
  const int64_t col0 = static_cast<int64_t>(blockIdx.x) * kTile;
  uint64_t acc[kPerThread][kPerThread] = {};
  for (int64_t k0 = k_begin; k0 < k_end; k0 += kInnerTile) {
    for (int i = threadIdx.x; i < kTile * kInnerTile; i += kThreads) {
      const int r = i / kInnerTile, k = i % kInnerTile;
      const int64_t row = row0 + r, col = k0 + k;
      left_panel[k][r] = row < rows && col < k_end ? left[row * inner + col] : 0;
    }
    for (int i = threadIdx.x; i < kTile * kInnerTile; i += kThreads) {
      const int k = i / kTile, cc = i % kTile;
      const int64_t row = k0 + k, col = col0 + cc;
      right_panel[k][cc] = row < k_end && col < cols ? right[row * cols + col] : 0;
    }
    __syncthreads();
#pragma unroll
    for (int k = 0; k < kInnerTile; ++k) {
      uint64_t x[kPerThread], y[kPerThread];
#pragma unroll
      for (int i = 0; i < kPerThread; ++i) {
        x[i] = left_panel[k][ty + kThreadsPerSide * i];
        y[i] = right_panel[k][tx + kThreadsPerSide * i];
      }
#pragma unroll
      for (int i = 0; i < kPerThread; ++i)
#pragma unroll
        for (int j = 0; j < kPerThread; ++j) acc[i][j] += x[i] * y[j];
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < kPerThread; ++i)
#pragma unroll
    for (int j = 0; j < kPerThread; ++j) {
      const int64_t row = row0 + ty + kThreadsPerSide * i, col = col0 + tx + kThreadsPerSide * j;
      if (row >= rows || col >= cols) continue;
      if (splits == 1)
        out[row * cols + col] = acc[i][j];
      else
        atomicAdd(reinterpret_cast<unsigned long long*>(&out[row * cols + col]),
                  static_cast<unsigned long long>(acc[i][j]));
    }
}

// Products with few output tiles (bert-base's [128, 768] x [768, 768]: 24 tiles) would leave
// most multiprocessors idle; their inner dimension is split so that about two blocks run per
// multiprocessor, each split at least kMinChunk deep. Sums mod 2^64 do not depend on the order
// of the atomic additions, so the result is bit-identical to one block per tile.
constexpr int64_t kMinChunk = 4 * kInnerTile;
constexpr int kMaxSplits = 64;

int auto_inner_splits(int64_t blocks, int64_t inner) {
  int device = 0, multiprocessors = 0;
  if (cudaGetDevice(&device) != cudaSuccess ||
      cudaDeviceGetAttribute(&multiprocessors, cudaDevAttrMultiProcessorCount, device) !=
          cudaSuccess)
    return 1;
  const int64_t wanted = (2 * multiprocessors + blocks - 1) / blocks;
  const int64_t deepest = (inner + kMinChunk - 1) / kMinChunk;
  return static_cast<int>(std::max<int64_t>(1, std::min({wanted, deepest, int64_t{kMaxSplits}})));
}

// ---- The product on the integer tensor cores, in 8-bit limbs ----
// With a = sum_i a_i 2^{8i} and b = sum_j b_j 2^{8j} (bytes), a b mod 2^64 =
// sum_{s<8} 2^{8s} sum_{i+j=s} a_i b_j. Each limb plane is stored in 16 x 16 tiles of 256
// contiguous bytes (row-major inside), so that every tile a warp loads is 256-byte aligned.
constexpr int kLimbs = 8;
constexpr int kSide = 16;
constexpr int kTileBytes = kSide * kSide;
constexpr int kWarpsPerBlock = 4;
// The sums of one limb order s stay exact in 32 bits for up to this many inner tiles:
// 8 pairs * 4096 * 255^2 < 2^31. Deeper products fold into 64 bits every kChunkTiles tiles.
constexpr int64_t kChunkTiles = 4096 / kSide;

__host__ __device__ constexpr int64_t tiles(int64_t extent) { return (extent + kSide - 1) / kSide; }

// planes[limb][matrix][row tile][col tile][16][16] = byte `limb` of x[matrix][row][col], 0 in
// the padding; one thread per padded element, in plane order so that the stores coalesce.
__global__ void split_limbs_kernel(const uint64_t* x, int64_t matrices, int64_t rows, int64_t cols,
                                   uint64_t plane_bytes, uint8_t* planes) {
  const uint64_t p = blockIdx.x * static_cast<uint64_t>(blockDim.x) + threadIdx.x;
  if (p >= plane_bytes) return;
  const int64_t col_tiles = tiles(cols), row_tiles = tiles(rows);
  const int64_t in_tile = p % kTileBytes, tile = p / kTileBytes;
  const int64_t col = tile % col_tiles * kSide + in_tile % kSide;
  const int64_t row = tile / col_tiles % row_tiles * kSide + in_tile / kSide;
  const int64_t matrix = tile / (col_tiles * row_tiles);
  const uint64_t value = row < rows && col < cols ? x[(matrix * rows + row) * cols + col] : 0;
#pragma unroll
  for (int limb = 0; limb < kLimbs; ++limb)
    planes[limb * plane_bytes + p] = static_cast<uint8_t>(value >> (8 * limb));
}

// A warp computes one 16 x 16 tile of c[batch]: 36 limb products per inner tile into eight
// 32-bit accumulators (one per limb order), folded into 64 bits through shared memory.
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    matmul_limbs_kernel(const uint8_t* a_planes, const uint8_t* b_planes, uint64_t* c, int64_t rows,
                        int64_t inner, int64_t cols, bool batched_right, uint64_t a_plane_bytes,
                        uint64_t b_plane_bytes) {
  using namespace nvcuda;
  __shared__ int staging[kWarpsPerBlock][kLimbs][kTileBytes];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t row_tiles = tiles(rows), inner_tiles = tiles(inner), col_tiles = tiles(cols);
  const int64_t tile = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + warp;
  if (tile >= row_tiles * col_tiles) return;  // the whole warp; no block-wide barrier follows
  const int64_t batch = blockIdx.y, row_tile = tile / col_tiles, col_tile = tile % col_tiles;
  const uint8_t* a_tiles = a_planes + (batch * row_tiles + row_tile) * inner_tiles * kTileBytes;
  const uint8_t* b_tiles =
      b_planes + ((batched_right ? batch : 0) * inner_tiles * col_tiles + col_tile) * kTileBytes;
  constexpr int kPerLane = kTileBytes / 32;
  uint64_t sums[kPerLane] = {};
  for (int64_t k0 = 0; k0 < inner_tiles; k0 += kChunkTiles) {
    wmma::fragment<wmma::accumulator, kSide, kSide, kSide, int> acc[kLimbs];
#pragma unroll
    for (int s = 0; s < kLimbs; ++s) wmma::fill_fragment(acc[s], 0);
    const int64_t k1 = k0 + kChunkTiles < inner_tiles ? k0 + kChunkTiles : inner_tiles;
    for (int64_t k = k0; k < k1; ++k) {
      wmma::fragment<wmma::matrix_a, kSide, kSide, kSide, unsigned char, wmma::row_major> a[kLimbs];
      wmma::fragment<wmma::matrix_b, kSide, kSide, kSide, unsigned char, wmma::row_major> b[kLimbs];
#pragma unroll
      for (int limb = 0; limb < kLimbs; ++limb) {
        wmma::load_matrix_sync(a[limb], a_tiles + limb * a_plane_bytes + k * kTileBytes, kSide);
        wmma::load_matrix_sync(b[limb], b_tiles + limb * b_plane_bytes + k * col_tiles * kTileBytes,
                               kSide);
      }
#pragma unroll
      for (int i = 0; i < kLimbs; ++i)
#pragma unroll
        for (int j = 0; i + j < kLimbs; ++j) wmma::mma_sync(acc[i + j], a[i], b[j], acc[i + j]);
    }
#pragma unroll
    for (int s = 0; s < kLimbs; ++s)
      wmma::store_matrix_sync(staging[warp][s], acc[s], kSide, wmma::mem_row_major);
    __syncwarp();
#pragma unroll
    for (int e = 0; e < kPerLane; ++e)
#pragma unroll
      for (int s = 0; s < kLimbs; ++s)
        sums[e] += static_cast<uint64_t>(static_cast<uint32_t>(staging[warp][s][lane + 32 * e]))
                   << (8 * s);
    __syncwarp();
  }
#pragma unroll
  for (int e = 0; e < kPerLane; ++e) {
    const int index = lane + 32 * e;
    const int64_t row = row_tile * kSide + index / kSide, col = col_tile * kSide + index % kSide;
    if (row < rows && col < cols) c[(batch * rows + row) * cols + col] = sums[e];
  }
}

uint64_t limb_plane_bytes(int64_t matrices, int64_t rows, int64_t cols) {
  return static_cast<uint64_t>(matrices * tiles(rows) * tiles(cols)) * kTileBytes;
}

}  // namespace

size_t matmul_limbs_scratch_bytes(int64_t batch, int64_t rows, int64_t inner, int64_t cols,
                                  bool batched_right) {
  return kLimbs * (limb_plane_bytes(batch, rows, inner) +
                   limb_plane_bytes(batched_right ? batch : 1, inner, cols));
}

cudaError_t launch_matmul_limbs(const uint64_t* a, const uint64_t* b, uint64_t* c, int64_t batch,
                                int64_t rows, int64_t inner, int64_t cols, bool batched_right,
                                uint8_t* scratch, cudaStream_t stream) {
  if (batch == 0 || rows == 0 || cols == 0) return cudaSuccess;
  const uint64_t a_plane = limb_plane_bytes(batch, rows, inner);
  const uint64_t b_plane = limb_plane_bytes(batched_right ? batch : 1, inner, cols);
  uint8_t* a_planes = scratch;
  uint8_t* b_planes = scratch + kLimbs * a_plane;
  if (a_plane > 0) {
    split_limbs_kernel<<<blocks_for(a_plane), kBlockThreads, 0, stream>>>(a, batch, rows, inner,
                                                                          a_plane, a_planes);
    split_limbs_kernel<<<blocks_for(b_plane), kBlockThreads, 0, stream>>>(
        b, batched_right ? batch : 1, inner, cols, b_plane, b_planes);
  }
  const int64_t output_tiles = tiles(rows) * tiles(cols);
  const dim3 grid(static_cast<unsigned>((output_tiles + kWarpsPerBlock - 1) / kWarpsPerBlock),
                  static_cast<unsigned>(batch));
  matmul_limbs_kernel<<<grid, kWarpsPerBlock * 32, 0, stream>>>(
      a_planes, b_planes, c, rows, inner, cols, batched_right, a_plane, b_plane);
  return cudaGetLastError();
}

cudaError_t launch_matmul(const uint64_t* a, const uint64_t* b, uint64_t* c, int64_t batch,
                          int64_t rows, int64_t inner, int64_t cols, bool batched_right,
                          int inner_splits, cudaStream_t stream) {
  if (batch == 0 || rows == 0 || cols == 0) return cudaSuccess;
  const int64_t col_tiles = (cols + kTile - 1) / kTile, row_tiles = (rows + kTile - 1) / kTile;
  int splits =
      inner_splits > 0 ? inner_splits : auto_inner_splits(col_tiles * row_tiles * batch, inner);
  splits = static_cast<int>(std::clamp<int64_t>(splits, 1, std::max<int64_t>(1, 65535 / batch)));
  // Whole kInnerTile panels per split; splits that would start past the end are dropped.
  const int64_t chunk = std::max<int64_t>(
      kInnerTile, (inner + splits * kInnerTile - 1) / (splits * kInnerTile) * kInnerTile);
  splits = static_cast<int>(std::max<int64_t>(1, (inner + chunk - 1) / chunk));
  if (splits > 1) {
    const cudaError_t zeroed =
        cudaMemsetAsync(c, 0, static_cast<size_t>(batch * rows * cols) * sizeof(uint64_t), stream);
    if (zeroed != cudaSuccess) return zeroed;
  }
  const dim3 grid(static_cast<unsigned>(col_tiles), static_cast<unsigned>(row_tiles),
                  static_cast<unsigned>(batch * splits));
  matmul_kernel<<<grid, kThreads, 0, stream>>>(a, b, c, rows, inner, cols, batched_right, splits,
                                               chunk);
  return cudaGetLastError();
}

}  // namespace fss::gpu

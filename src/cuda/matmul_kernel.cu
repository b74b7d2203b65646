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

}  // namespace

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

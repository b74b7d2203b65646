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

__global__ void __launch_bounds__(kThreads)
    matmul_kernel(const uint64_t* a, const uint64_t* b, uint64_t* c, int64_t rows, int64_t inner,
                  int64_t cols, bool batched_right) {
  const int64_t batch = blockIdx.z;
  const uint64_t* left = a + batch * rows * inner;
  const uint64_t* right = b + (batched_right ? batch * inner * cols : 0);
  uint64_t* out = c + batch * rows * cols;
  __shared__ uint64_t left_panel[kInnerTile][kTile];   // [k][row]
  __shared__ uint64_t right_panel[kInnerTile][kTile];  // [k][col]
  const int tx = threadIdx.x % kThreadsPerSide, ty = threadIdx.x / kThreadsPerSide;
  const int64_t row0 = static_cast<int64_t>(blockIdx.y) * kTile;
  const int64_t col0 = static_cast<int64_t>(blockIdx.x) * kTile;
  uint64_t acc[kPerThread][kPerThread] = {};
  for (int64_t k0 = 0; k0 < inner; k0 += kInnerTile) {
    for (int i = threadIdx.x; i < kTile * kInnerTile; i += kThreads) {
      const int r = i / kInnerTile, k = i % kInnerTile;
      const int64_t row = row0 + r, col = k0 + k;
      left_panel[k][r] = row < rows && col < inner ? left[row * inner + col] : 0;
    }
    for (int i = threadIdx.x; i < kTile * kInnerTile; i += kThreads) {
      const int k = i / kTile, cc = i % kTile;
      const int64_t row = k0 + k, col = col0 + cc;
      right_panel[k][cc] = row < inner && col < cols ? right[row * cols + col] : 0;
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
      if (row < rows && col < cols) out[row * cols + col] = acc[i][j];
    }
}

}  // namespace

cudaError_t launch_matmul(const uint64_t* a, const uint64_t* b, uint64_t* c, int64_t batch,
                          int64_t rows, int64_t inner, int64_t cols, bool batched_right,
                          cudaStream_t stream) {
  if (batch == 0 || rows == 0 || cols == 0) return cudaSuccess;
  const dim3 grid(static_cast<unsigned>((cols + kTile - 1) / kTile),
                  static_cast<unsigned>((rows + kTile - 1) / kTile), static_cast<unsigned>(batch));
  matmul_kernel<<<grid, kThreads, 0, stream>>>(a, b, c, rows, inner, cols, batched_right);
  return cudaGetLastError();
}

}  // namespace fss::gpu

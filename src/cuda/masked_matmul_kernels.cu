#include "core/bitpack.h"
#include "core/masked_matmul.h"
#include "cuda/launch.h"

namespace fss::gpu {
namespace {

__global__ void unpack_kernel(const uint8_t* packed, int n, uint64_t* unpacked, size_t count) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < count) unpacked[i] = packed_value(packed, n, i);
}

__global__ void left_kernel(int party, const uint64_t* x_hat, const uint8_t* r_x, int n,
                            uint64_t* left, size_t count) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < count) left[i] = masked_matmul_left(party, x_hat[i], packed_value(r_x, n, i));
}

__global__ void share_kernel(int n, const uint64_t* left_product, const uint64_t* mask_product,
                             const uint8_t* c, uint64_t* share, size_t count) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < count)
    share[i] =
        masked_matmul_share(Ring{n}, left_product[i], mask_product[i], packed_value(c, n, i));
}

}  // namespace

cudaError_t launch_unpack(const uint8_t* packed, int n, uint64_t* unpacked, size_t count,
                          cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  unpack_kernel<<<blocks_for(count), kBlockThreads, 0, stream>>>(packed, n, unpacked, count);
  return cudaGetLastError();
}

cudaError_t launch_masked_matmul_left(int party, const uint64_t* x_hat, const uint8_t* r_x, int n,
                                      uint64_t* left, size_t count, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  left_kernel<<<blocks_for(count), kBlockThreads, 0, stream>>>(party, x_hat, r_x, n, left, count);
  return cudaGetLastError();
}

cudaError_t launch_masked_matmul_share(int n, const uint64_t* left_product,
                                       const uint64_t* mask_product, const uint8_t* c,
                                       uint64_t* share, size_t count, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  share_kernel<<<blocks_for(count), kBlockThreads, 0, stream>>>(n, left_product, mask_product, c,
                                                                share, count);
  return cudaGetLastError();
}

}  // namespace fss::gpu

#include "core/matmul.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <vector>

#include "core/error.h"

namespace fss {
namespace {

// The definition: C[b][i][j] = sum_k A[b][i][k] * B[b or 0][k][j], wrapping mod 2^64.
std::vector<uint64_t> naive_matmul(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b,
                                   const MatmulDims& d) {
  std::vector<uint64_t> c(d.batch * d.rows * d.cols);
  for (int64_t batch = 0; batch < d.batch; ++batch) {
    const uint64_t* left = a.data() + batch * d.rows * d.inner;
    const uint64_t* right = b.data() + (d.batched_right ? batch * d.inner * d.cols : 0);
    for (int64_t i = 0; i < d.rows; ++i)
      for (int64_t j = 0; j < d.cols; ++j) {
        uint64_t sum = 0;
        for (int64_t k = 0; k < d.inner; ++k) sum += left[i * d.inner + k] * right[k * d.cols + j];
        c[(batch * d.rows + i) * d.cols + j] = sum;
      }
  }
  return c;
}

// Full 64-bit values, with the corner cases of the 32-bit split (0, 1, 2^32 +- 1, all ones)
// sprinkled in.
std::vector<uint64_t> random_values(std::mt19937_64& rng, uint64_t count) {
  static constexpr uint64_t kEdges[] = {0,
                                        1,
                                        ~uint64_t{0},
                                        uint64_t{1} << 32,
                                        (uint64_t{1} << 32) - 1,
                                        (uint64_t{1} << 32) + 1,
                                        uint64_t{1} << 63};
  std::vector<uint64_t> values(count);
  for (uint64_t& v : values) v = rng() % 8 == 0 ? kEdges[rng() % std::size(kEdges)] : rng();
  return values;
}

std::vector<MatmulKernel> kernels_to_test() {
  std::vector<MatmulKernel> kernels = {MatmulKernel::kBest, MatmulKernel::kAvx2};
  if (matmul_kernel_supported(MatmulKernel::kAvx512)) kernels.push_back(MatmulKernel::kAvx512);
  return kernels;
}

TEST(CoreMatmul, MatchesNaiveTripleLoopOnEdgeShapes) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  // Tile sizes are 4x4 and 8x16, blocks 64 rows x 256 cols x 256 inner: cover each boundary.
  const MatmulDims shapes[] = {{1, 1, 1, 1},           {1, 3, 5, 7},        {3, 5, 2, 9},
                               {1, 8, 16, 16},         {1, 9, 17, 17},      {2, 65, 257, 33},
                               {1, 64, 256, 256},      {1, 70, 600, 300},   {3, 21, 31, 41},
                               {1, 1, 513, 1},         {4, 2, 3, 260},      {2, 17, 0, 5},
                               {1, 0, 4, 4},           {0, 4, 4, 4},        {3, 7, 9, 11, true},
                               {2, 66, 258, 20, true}, {5, 1, 40, 3, true}, {1, 12, 12, 12, true}};
  for (const MatmulDims& dims : shapes) {
    const std::vector<uint64_t> a = random_values(rng, dims.left_size());
    const std::vector<uint64_t> b = random_values(rng, dims.right_size());
    const std::vector<uint64_t> expected = naive_matmul(a, b, dims);
    for (MatmulKernel kernel : kernels_to_test()) {
      std::vector<uint64_t> c(dims.out_size(), 0xdead);
      matmul(a, b, c, dims, kernel);
      EXPECT_EQ(c, expected) << "batch " << dims.batch << " " << dims.rows << "x" << dims.inner
                             << " times " << dims.inner << "x" << dims.cols << " batched_right "
                             << dims.batched_right << " kernel " << static_cast<int>(kernel);
    }
  }
}

TEST(CoreMatmul, ProductAboveTheParallelThreshold) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const MatmulDims dims{2, 100, 300, 270};
  const std::vector<uint64_t> a = random_values(rng, dims.left_size());
  const std::vector<uint64_t> b = random_values(rng, dims.right_size());
  std::vector<uint64_t> c(dims.out_size());
  matmul(a, b, c, dims);
  EXPECT_EQ(c, naive_matmul(a, b, dims));
}

void expect_invalid_argument(const std::function<void()>& call) {
  try {
    call();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
  }
}

TEST(CoreMatmul, RejectsMismatchedOperands) {
  const MatmulDims dims{2, 3, 4, 5};
  std::vector<uint64_t> a(24), b(20), c(30);
  expect_invalid_argument([&] { matmul(std::span(a).first(23), b, c, dims); });
  expect_invalid_argument([&] { matmul(a, std::span(b).first(19), c, dims); });
  expect_invalid_argument([&] { matmul(a, b, std::span(c).first(29), dims); });
  expect_invalid_argument([&] { matmul(a, b, c, {2, 3, 4, 5, true}); });  // b must be 2x4x5
  expect_invalid_argument([&] { matmul(a, b, c, {-2, -3, 4, 5}); });
  // The output may not alias an input.
  std::vector<uint64_t> square(16);
  expect_invalid_argument([&] {
    matmul(square, std::span<const uint64_t>(square).first(16), square, {1, 4, 4, 4});
  });
  if (!matmul_kernel_supported(MatmulKernel::kAvx512))
    expect_invalid_argument([&] { matmul(a, b, c, dims, MatmulKernel::kAvx512); });
}

}  // namespace
}  // namespace fss

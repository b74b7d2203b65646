// Backend selection: backend() is the CPU's unless a BackendScope on the calling thread says
// otherwise; scopes nest and never leak into other threads.
#include "crypto/backend.h"

#include <gtest/gtest.h>

#include <future>

#include "crypto/counting_backend.h"

namespace fss {
namespace {

TEST(Backend, DefaultsToTheCpu) { EXPECT_EQ(backend().name(), "cpu"); }

TEST(Backend, ScopesNestAndRestore) {
  testing::CountingBackend outer, inner;
  const MatmulDims dims{1, 1, 1, 1, false};
  std::vector<uint64_t> a{3}, b{5}, c(1);
  {
    const BackendScope first(outer);
    backend().matmul(a, b, c, dims);
    {
      const BackendScope second(inner);
      backend().matmul(a, b, c, dims);
      backend().matmul(a, b, c, dims);
    }
    EXPECT_EQ(&backend(), &outer);
  }
  EXPECT_EQ(&backend(), &cpu_backend());
  EXPECT_EQ(outer.matmuls, 1);
  EXPECT_EQ(inner.matmuls, 2);
  EXPECT_EQ(c[0], 15u);
}

TEST(Backend, AScopeBelongsToItsThread) {
  testing::CountingBackend counting;
  const BackendScope scope(counting);
  const std::string other = std::async(std::launch::async, [] { return backend().name(); }).get();
  EXPECT_EQ(other, "cpu");
  EXPECT_EQ(backend().name(), "counting");
}

TEST(Backend, CpuMatmulIsCoreMatmul) {
  const MatmulDims dims{2, 3, 4, 5, true};
  std::vector<uint64_t> a(dims.left_size()), b(dims.right_size()), c(dims.out_size());
  for (size_t i = 0; i < a.size(); ++i) a[i] = 0x9e3779b97f4a7c15ULL * (i + 1);
  for (size_t i = 0; i < b.size(); ++i) b[i] = 0xc2b2ae3d27d4eb4fULL * (i + 7);
  cpu_backend().matmul(a, b, c, dims);
  for (int64_t m = 0; m < dims.batch; ++m)
    for (int64_t r = 0; r < dims.rows; ++r)
      for (int64_t col = 0; col < dims.cols; ++col) {
        uint64_t sum = 0;
        for (int64_t k = 0; k < dims.inner; ++k)
          sum +=
              a[(m * dims.rows + r) * dims.inner + k] * b[(m * dims.inner + k) * dims.cols + col];
        EXPECT_EQ(c[(m * dims.rows + r) * dims.cols + col], sum);
      }
}

}  // namespace
}  // namespace fss

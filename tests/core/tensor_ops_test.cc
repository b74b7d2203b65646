#include "core/tensor_ops.h"

#include <gtest/gtest.h>

#include <vector>

namespace fss {
namespace {

TEST(Permute, MovesEveryElementToItsPermutedIndex) {
  const FixedPoint format{20, 0};
  Tensor t(Shape{2, 3, 4, 5}, format);
  for (size_t i = 0; i < t.size(); ++i) t[i] = i;
  const int axes[] = {0, 2, 1, 3};
  const Tensor p = permute(t, axes);
  EXPECT_EQ(p.shape(), (Shape{2, 4, 3, 5}));
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t c = 0; c < 4; ++c)
        for (int64_t d = 0; d < 5; ++d) ASSERT_EQ(p.at({a, c, b, d}), t.at({a, b, c, d}));
  const int reverse[] = {3, 2, 1, 0};
  const Tensor r = permute(t, reverse);
  EXPECT_EQ(r.shape(), (Shape{5, 4, 3, 2}));
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t d = 0; d < 5; ++d) ASSERT_EQ(r.at({d, 3, 2, a}), t.at({a, 2, 3, d}));
}

TEST(Permute, IdentityAndRejects) {
  Tensor t(Shape{3, 2}, FixedPoint{8, 0}, {1, 2, 3, 4, 5, 6});
  const int identity[] = {0, 1};
  const Tensor same = permute(t, identity);
  EXPECT_EQ(std::vector<uint64_t>(same.data().begin(), same.data().end()),
            (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
  const int swap[] = {1, 0};
  const Tensor s = permute(t, swap);
  EXPECT_EQ(std::vector<uint64_t>(s.data().begin(), s.data().end()),
            (std::vector<uint64_t>{1, 3, 5, 2, 4, 6}));
  const int repeated[] = {0, 0};
  EXPECT_THROW(permute(t, repeated), Error);
  const int short_list[] = {0};
  EXPECT_THROW(permute(t, short_list), Error);
}

}  // namespace
}  // namespace fss

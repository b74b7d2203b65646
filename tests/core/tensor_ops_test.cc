#include "core/tensor_ops.h"

#include <gtest/gtest.h>

#include <algorithm>
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

// Every permutation of a rank-4 tensor large enough for the parallel path (heads of bert-base's
// shape: [1, 128, 12, 64]), and of rank 1 and of an empty tensor, against the index definition.
TEST(Permute, EveryAxisOrderOnLargeTensors) {
  const FixedPoint format{50, 0};
  Tensor t(Shape{1, 128, 12, 64}, format);
  for (size_t i = 0; i < t.size(); ++i) t[i] = i * 0x9e3779b97f4a7c15ULL % (uint64_t{1} << 50);
  std::vector<int> axes = {0, 1, 2, 3};
  do {
    SCOPED_TRACE(::testing::Message() << axes[0] << axes[1] << axes[2] << axes[3]);
    const Tensor p = permute(t, axes);
    for (int64_t a = 0; a < 1; ++a)
      for (int64_t b = 0; b < 128; ++b)
        for (int64_t c = 0; c < 12; ++c)
          for (int64_t d = 0; d < 64; ++d) {
            const int64_t index[] = {a, b, c, d};
            ASSERT_EQ(p.at({index[axes[0]], index[axes[1]], index[axes[2]], index[axes[3]]}),
                      t.at({a, b, c, d}));
          }
  } while (std::next_permutation(axes.begin(), axes.end()));
  Tensor line(Shape{5}, format, {1, 2, 3, 4, 5});
  const int one[] = {0};
  EXPECT_EQ(permute(line, one).at({4}), 5u);
  const int two[] = {1, 0};
  EXPECT_EQ(permute(Tensor(Shape{0, 3}, format), two).shape(), (Shape{3, 0}));
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

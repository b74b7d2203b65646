#include "core/tensor.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/error.h"

namespace fss {
namespace {

ErrorKind kind_of_error(const auto& call) {
  try {
    call();
  } catch (const Error& error) {
    return error.kind();
  }
  ADD_FAILURE() << "no fss::Error thrown";
  return ErrorKind::kInternal;
}

TEST(ShapeTest, SizeAndPrinting) {
  const Shape shape{2, 128, 768};
  EXPECT_EQ(shape.rank(), 3);
  EXPECT_EQ(shape[1], 128);
  EXPECT_EQ(shape.size(), 2u * 128 * 768);
  EXPECT_EQ(shape.to_string(), "[2, 128, 768]");
  EXPECT_EQ(Shape{}.size(), 1u);
  EXPECT_EQ(Shape{}.to_string(), "[]");
  EXPECT_EQ((Shape{4, 0, 3}.size()), 0u);
  EXPECT_EQ(Shape{7}.to_string(), "[7]");
  EXPECT_EQ(kind_of_error([&] { (void)shape[3]; }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of_error([&] { (void)shape[-1]; }), ErrorKind::kInvalidArgument);
}

TEST(ShapeTest, Equality) {
  EXPECT_EQ((Shape{2, 3}), (Shape{2, 3}));
  EXPECT_NE((Shape{2, 3}), (Shape{3, 2}));
  EXPECT_NE((Shape{6}), (Shape{6, 1}));
  EXPECT_EQ((Shape{2, 3}), Shape(std::vector<int64_t>{2, 3}));
}

TEST(ShapeTest, RejectsNegativeDimensions) {
  EXPECT_EQ(kind_of_error([] { Shape{2, -1}; }), ErrorKind::kInvalidArgument);
}

TEST(TensorTest, ZeroFilledWithFixedPoint) {
  const Tensor tensor(Shape{2, 3}, FixedPoint{37, 12});
  EXPECT_EQ(tensor.shape(), (Shape{2, 3}));
  EXPECT_EQ(tensor.fixed_point(), (FixedPoint{37, 12}));
  EXPECT_EQ(tensor.ring().n, 37);
  ASSERT_EQ(tensor.size(), 6u);
  for (uint64_t value : tensor.data()) EXPECT_EQ(value, 0u);
}

TEST(TensorTest, RowMajorElementAccess) {
  Tensor tensor(Shape{2, 3, 4}, FixedPoint{16, 4});
  for (size_t i = 0; i < tensor.size(); ++i) tensor[i] = i;
  // Row-major: index (b, l, h) is at flat b*12 + l*4 + h.
  EXPECT_EQ(tensor.at({0, 0, 0}), 0u);
  EXPECT_EQ(tensor.at({0, 0, 3}), 3u);
  EXPECT_EQ(tensor.at({0, 2, 1}), 9u);
  EXPECT_EQ(tensor.at({1, 0, 0}), 12u);
  EXPECT_EQ(tensor.at({1, 2, 3}), 23u);
  tensor.at({1, 1, 1}) = 99;
  EXPECT_EQ(tensor[17], 99u);
  EXPECT_EQ(tensor.data()[17], 99u);
}

TEST(TensorTest, RejectsBadIndices) {
  const Tensor tensor(Shape{2, 3}, FixedPoint{16, 4});
  EXPECT_EQ(kind_of_error([&] { tensor.at({2, 0}); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of_error([&] { tensor.at({0, 3}); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of_error([&] { tensor.at({0, -1}); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of_error([&] { tensor.at({0}); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of_error([&] { tensor.at({0, 0, 0}); }), ErrorKind::kInvalidArgument);
}

TEST(TensorTest, FromValues) {
  const Tensor tensor(Shape{2, 2}, FixedPoint{8, 2}, {1, 2, 3, 255});
  EXPECT_EQ(tensor.at({1, 1}), 255u);
  EXPECT_EQ(kind_of_error([] {
              Tensor(Shape{2, 2}, FixedPoint{8, 2}, {1, 2, 3});
            }),
            ErrorKind::kInvalidArgument);
  // 256 does not fit in 8 bits.
  EXPECT_EQ(kind_of_error([] {
              Tensor(Shape{2, 2}, FixedPoint{8, 2}, {1, 2, 3, 256});
            }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of_error([] { Tensor(Shape{1}, FixedPoint{8, 8}); }), ErrorKind::kInvalidArgument);
}

TEST(TensorTest, ZeroFilledAndFilled) {
  // Sizes on both sides of the parallel fills' threshold.
  for (int64_t size : {int64_t{1}, int64_t{7}, int64_t{1} << 15, (int64_t{1} << 15) + 3}) {
    const Tensor zeros(Shape{size}, FixedPoint{8, 2});
    const Tensor sevens = Tensor::filled(Shape{size}, FixedPoint{8, 2}, 7);
    for (int64_t i = 0; i < size; ++i) {
      ASSERT_EQ(zeros[i], 0u) << "size " << size << ", element " << i;
      ASSERT_EQ(sevens[i], 7u) << "size " << size << ", element " << i;
    }
  }
  EXPECT_EQ(kind_of_error([] {
              Tensor::filled(Shape{2}, FixedPoint{8, 2}, 256);
            }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of_error([] {
              Tensor::filled(Shape{2}, FixedPoint{8, 8}, 1);
            }),
            ErrorKind::kInvalidArgument);
}

// ctest runs the tests with FSSFORMER_POISON_UNINITIALISED=1 (tests/CMakeLists.txt): a tensor
// for overwriting then starts with a nonzero pattern, so that an output element a gate fails to
// write cannot pass as the zero of a fresh page.
TEST(TensorTest, ForOverwriteStartsPoisonedInTheTests) {
  const char* poison = std::getenv("FSSFORMER_POISON_UNINITIALISED");
  ASSERT_TRUE(poison != nullptr && std::string(poison) == "1")
      << "run through ctest, which sets FSSFORMER_POISON_UNINITIALISED=1";
  for (int64_t size : {int64_t{1}, (int64_t{1} << 15) + 3}) {
    const Tensor tensor = Tensor::for_overwrite(Shape{size}, FixedPoint{64, 0});
    ASSERT_EQ(tensor.size(), static_cast<size_t>(size));
    for (int64_t i = 0; i < size; ++i) {
      ASSERT_NE(tensor[i], 0u) << "size " << size << ", element " << i;
      ASSERT_EQ(tensor[i], tensor[0]) << "size " << size << ", element " << i;
    }
  }
}

TEST(TensorTest, Reshape) {
  Tensor tensor(Shape{2, 3, 4}, FixedPoint{16, 4});
  for (size_t i = 0; i < tensor.size(); ++i) tensor[i] = i;
  tensor.reshape(Shape{6, 4});
  EXPECT_EQ(tensor.shape(), (Shape{6, 4}));
  EXPECT_EQ(tensor.at({5, 3}), 23u);
  try {
    tensor.reshape(Shape{5, 5});
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInvalidArgument);
    EXPECT_STREQ(error.what(), "cannot reshape tensor [6, 4] (24 elements) to [5, 5] (25)");
  }
  EXPECT_EQ(tensor.shape(), (Shape{6, 4}));
}

}  // namespace
}  // namespace fss

#include "sigma/max.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>

#include "mpc/local_run.h"
#include "mpc/select.h"
#include "sigma/drelu.h"
#include "sigma/last_axis.h"

namespace fss::sigma {
namespace {

void expect_invalid_argument(const std::function<void()>& action) {
  try {
    action();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
  }
}

std::vector<uint64_t> to_ring(const std::vector<int64_t>& values, int n) {
  const uint64_t mask = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
  std::vector<uint64_t> out;
  for (int64_t v : values) out.push_back(static_cast<uint64_t>(v) & mask);
  return out;
}

Program max_program(Shape shape, FixedPoint format, int m) {
  return [shape, format, m](Engine& engine) {
    return std::vector<Masked>{max_last_axis(engine, engine.input(shape, format), m)};
  };
}

// Runs max_last_axis on `values` (row-major, shape [..., k]) and checks both engines against
// std::max_element over each row of signed values.
void check_max(const Shape& shape, FixedPoint format, int m, const std::vector<int64_t>& values,
               const LocalRunOptions& options = {}) {
  const int64_t k = shape[shape.rank() - 1];
  const Tensor input(shape, format, to_ring(values, format.n));
  const LocalRunResult run =
      run_locally(max_program(shape, format, m), std::span(&input, 1), options);
  std::vector<int64_t> out_dims = shape.dims();
  out_dims.back() = 1;
  ASSERT_EQ(run.clear[0].shape(), Shape(out_dims));
  const std::vector<uint64_t> expected_ring = [&] {
    std::vector<int64_t> maxima;
    for (size_t row = 0; row * k < values.size(); ++row)
      maxima.push_back(*std::max_element(values.begin() + row * k, values.begin() + (row + 1) * k));
    return to_ring(maxima, format.n);
  }();
  for (size_t row = 0; row < expected_ring.size(); ++row) {
    ASSERT_EQ(run.clear[0][row], expected_ring[row]) << "k=" << k << " row " << row;
    ASSERT_EQ(run.reconstructed[0][row], expected_ring[row]) << "k=" << k << " row " << row;
  }
}

TEST(Max, RowsOfManyLengthsAgainstMaxElement) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const int n = 50, f = 12, m = n - f + 1;  // softmax's comparison width
  const int64_t quarter = int64_t{1} << (m - 2);
  std::uniform_int_distribution<int64_t> value(-quarter, quarter - 1);
  std::uniform_int_distribution<int64_t> narrow(-3, 3);  // many ties
  for (int64_t k : {1, 2, 3, 7, 128}) {
    const int64_t rows = std::max<int64_t>(8, 4096 / k);
    std::vector<int64_t> values;
    for (int64_t row = 0; row < rows; ++row) {
      for (int64_t j = 0; j < k; ++j) {
        switch (row % 4) {
          case 0:
            values.push_back(value(rng));
            break;
          case 1:
            values.push_back(narrow(rng));
            break;
          case 2:
            values.push_back(j % 2 ? -quarter : quarter - 1);
            break;  // domain limits
          default:
            values.push_back(-quarter + j);
            break;  // ascending: max in the last column
        }
      }
    }
    SCOPED_TRACE(testing::Message() << "k=" << k);
    check_max({rows, k}, {n, f}, m, values, {.seed = Block{rng(), rng()}, .tcp = k == 7});
  }
}

TEST(Max, LeadingDimensionsAndFullWidth) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (auto [n, m] : {std::pair{64, 64}, {37, 26}}) {
    const int64_t quarter = int64_t{1} << (m - 2);
    std::uniform_int_distribution<int64_t> value(-quarter, quarter - 1);
    std::vector<int64_t> values(2 * 3 * 5 * 9);
    for (int64_t& v : values) v = value(rng);
    check_max({2, 3, 5, 9}, {n, 12}, m, values, {.seed = Block{rng(), rng()}});
  }
}

TEST(Max, ExhaustivePairsOnASmallRing) {
  // Every pair of the gap domain [-2^{m-2}, 2^{m-2}) in both orders, three times over.
  const int n = 7, m = 6;
  std::vector<int64_t> values;
  for (int copy = 0; copy < 3; ++copy)
    for (int64_t a = -16; a < 16; ++a)
      for (int64_t b = -16; b < 16; ++b) values.push_back(a), values.push_back(b);
  check_max({static_cast<int64_t>(values.size() / 2), 2}, {n, 0}, m, values);
}

TEST(Max, CostsMatchTheFormula) {
  const int n = 50, m = 39;
  const int64_t rows = 10, k = 7;
  const Shape shape{rows, k};
  const Tensor input(shape, {n, 12});
  const LocalRunResult run = run_locally(max_program(shape, {n, 12}, m), std::span(&input, 1));
  // Level widths 7 -> 4 -> 2 -> 1: 3, 2 and 1 pairs per row.
  const uint64_t dpf_key = 16 + 16 * 31 + 4 + 16;  // DPF_{38,1}: nu = 7, 31 levels
  uint64_t drelu_key = 0, select_key = 0, bit_bytes = 0, value_bytes = 0, levels = 0;
  for (uint64_t pairs_per_row : {3, 2, 1}) {
    const uint64_t h = rows * pairs_per_row;
    drelu_key += 16 + h * dpf_key + (h + 7) / 8;
    select_key += 3 * ((h * n + 7) / 8);
    bit_bytes += (h + 7) / 8;
    value_bytes += (h * n + 7) / 8;
    ++levels;
  }
  const std::string drelu = DreluGate({n, 12}, m).describe();
  const std::string select = SelectGate({n, 12}).describe();
  EXPECT_EQ(run.dealer_costs.entries().at(drelu).key_bytes, drelu_key);
  EXPECT_EQ(run.dealer_costs.entries().at(drelu).elements, uint64_t(rows * (k - 1)));
  EXPECT_EQ(run.dealer_costs.entries().at(select).key_bytes, select_key);
  for (int party = 0; party < 2; ++party) {
    const auto& entries = run.party_costs[party].entries();
    EXPECT_EQ(entries.at(kMaxBitLabel).bytes_sent, bit_bytes);
    EXPECT_EQ(entries.at(kMaxValueLabel).bytes_sent, value_bytes);
    EXPECT_EQ(run.party_costs[party].total().rounds, 2 * levels);  // 2 ceil(log2 7)
    EXPECT_EQ(run.party_costs[party].total().bytes_sent, bit_bytes + value_bytes);
  }
}

TEST(Max, RejectsBadArguments) {
  const auto run_on = [](Shape shape, int m) {
    const Tensor input(shape, {10, 0});
    run_locally(max_program(shape, {10, 0}, m), std::span(&input, 1));
  };
  expect_invalid_argument([&] { run_on(Shape{}, 8); });
  expect_invalid_argument([&] { run_on(Shape{3, 0}, 8); });
  expect_invalid_argument([&] { run_on(Shape{3, 4}, 1); });
  expect_invalid_argument([&] { run_on(Shape{3, 1}, 11); });
}

TEST(LastAxis, GatherAndConcatMoveColumns) {
  Tensor t(Shape{2, 3, 4}, {16, 0});
  for (size_t i = 0; i < t.size(); ++i) t[i] = 100 + i;
  const int64_t columns[] = {3, 0, 0};
  const Tensor gathered = gather_last_axis(t, columns);
  ASSERT_EQ(gathered.shape(), (Shape{2, 3, 3}));
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(gathered.at({a, b, j}), t.at({a, b, columns[j]}));

  const Tensor joined = concat_last_axis(gathered, t);
  ASSERT_EQ(joined.shape(), (Shape{2, 3, 7}));
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t j = 0; j < 7; ++j)
        EXPECT_EQ(joined.at({a, b, j}), j < 3 ? gathered.at({a, b, j}) : t.at({a, b, j - 3}));

  EXPECT_EQ(gather_last_axis(t, {}).shape(), (Shape{2, 3, 0}));
}

TEST(LastAxis, RejectsBadArguments) {
  const Tensor t(Shape{2, 4}, {16, 0});
  const int64_t outside[] = {4}, negative[] = {-1}, first[] = {0};
  expect_invalid_argument([&] { gather_last_axis(t, outside); });
  expect_invalid_argument([&] { gather_last_axis(t, negative); });
  expect_invalid_argument([&] { gather_last_axis(Tensor(Shape{}, {16, 0}), first); });
  expect_invalid_argument([&] { concat_last_axis(t, Tensor(Shape{3, 4}, {16, 0})); });
  expect_invalid_argument([&] { concat_last_axis(t, Tensor(Shape{2, 4}, {17, 0})); });
  expect_invalid_argument([&] { concat_last_axis(t, Tensor(Shape{}, {16, 0})); });
}

}  // namespace
}  // namespace fss::sigma

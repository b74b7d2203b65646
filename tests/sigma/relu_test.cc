#include "sigma/relu.h"

#include <gtest/gtest.h>

#include <random>

#include "mpc/local_run.h"

namespace fss::sigma {
namespace {

using int128 = __int128;

int128 signed_value(uint64_t v, int bits) {
  const int128 modulus = int128{1} << bits;
  const int128 low = int128{v} % modulus;
  return low >= modulus / 2 ? low - modulus : low;
}

// ReLU with the sign taken on the low m bits: x if x mod 2^m reads as a signed value >= 0.
uint64_t reference_relu(uint64_t x, int m) { return signed_value(x, m) >= 0 ? x : 0; }

Program relu_program(Shape shape, FixedPoint format, int m) {
  return [shape, format, m](Engine& engine) {
    const Masked x = engine.input(shape, format);
    return std::vector<Masked>{engine.open(relu(engine, x, m))};
  };
}

void check_relu(FixedPoint format, int m, const std::vector<uint64_t>& xs,
                const LocalRunOptions& options) {
  const Shape shape{static_cast<int64_t>(xs.size())};
  const Tensor input(shape, format, xs);
  const LocalRunResult run =
      run_locally(relu_program(shape, format, m), std::span(&input, 1), options);
  for (size_t i = 0; i < xs.size(); ++i) {
    ASSERT_EQ(run.clear[0][i], reference_relu(xs[i], m)) << "m=" << m << " x=" << xs[i];
    ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i]) << "m=" << m << " x=" << xs[i];
  }
}

TEST(Relu, ExhaustiveSmallRingsManyMasks) {
  for (int n = 2; n <= 9; ++n) {
    for (int m : {2, (n + 2) / 2, n}) {
      std::vector<uint64_t> xs;
      for (int copy = 0; copy < 6; ++copy)
        for (uint64_t x = 0; x < (uint64_t{1} << n); ++x) xs.push_back(x);
      SCOPED_TRACE(testing::Message() << "n=" << n);
      check_relu({n, 0}, m, xs, {.seed = Block{uint64_t(n * 64 + m), 31}});
    }
  }
}

TEST(Relu, RandomFullWidthWithEdges) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (auto [n, m] : {std::pair{37, 26}, {50, 39}, {64, 64}}) {
    SCOPED_TRACE(testing::Message() << "n=" << n << " m=" << m);
    const uint64_t ring_mask = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
    const uint64_t half_m = uint64_t{1} << (m - 1);
    // Values in the faithful range [-2^{m-1}, 2^{m-1}), its edges, 0 and +-1.
    std::vector<uint64_t> xs = {0, 1, ring_mask, half_m - 1, (0 - half_m) & ring_mask};
    while (xs.size() < 10'000) xs.push_back(((rng() & (2 * half_m - 1)) - half_m) & ring_mask);
    check_relu({n, 12}, m, xs, {.seed = Block{rng(), rng()}, .tcp = n == 50});
    // In that range the result is the n-bit signed ReLU.
    for (uint64_t x : xs) ASSERT_EQ(reference_relu(x, m), signed_value(x, n) >= 0 ? x : 0);
  }
}

TEST(Relu, CostsMatchTheFormula) {
  const int n = 50, m = 39;
  const uint64_t count = 1000;
  const Shape shape{static_cast<int64_t>(count)};
  const Tensor input(shape, {n, 12});
  const LocalRunResult run = run_locally(relu_program(shape, {n, 12}, m), std::span(&input, 1));
  // DPF_{38,1} key: root + 31 level CWs + 4 bytes of right bits + leaf CW (nu = 7).
  const uint64_t dpf_key = 16 + 16 * 31 + 4 + 16;
  const uint64_t bits = (count + 7) / 8, values = (count * n + 7) / 8;
  const uint64_t expected_key = (16 + count * dpf_key + bits) + 3 * values;
  EXPECT_EQ(run.dealer_costs.total().key_bytes, expected_key);
  for (int party = 0; party < 2; ++party) {
    const Cost bit_open = run.party_costs[party].entries().at(kReluBitLabel);
    EXPECT_EQ(bit_open.bytes_sent, bits);
    EXPECT_EQ(bit_open.rounds, 1u);
    const Cost total = run.party_costs[party].total();
    EXPECT_EQ(total.key_bytes, expected_key);
    EXPECT_EQ(total.bytes_sent, bits + values);  // with the caller's open of the result
    EXPECT_EQ(total.rounds, 2u);
  }
}

TEST(Relu, RejectsBadWidth) {
  for (int m : {1, 11}) {
    try {
      const Shape shape{4};
      const Tensor input(shape, {10, 0});
      run_locally(relu_program(shape, {10, 0}, m), std::span(&input, 1));
      ADD_FAILURE() << "accepted m = " << m;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    }
  }
}

}  // namespace
}  // namespace fss::sigma

#include "sigma/sign_extend.h"

#include <gtest/gtest.h>

#include <random>

#include "mpc/local_run.h"

namespace fss::sigma {
namespace {

using i128 = __int128;

constexpr i128 pow2(int k) { return static_cast<i128>(1) << k; }

// From the definition, in 128-bit integers: the m-bit two's complement value v of x, reduced
// mod 2^n.
uint64_t reference_sign_extend(uint64_t x, int m, int n) {
  const i128 v = x >= pow2(m - 1) ? static_cast<i128>(x) - pow2(m) : static_cast<i128>(x);
  return static_cast<uint64_t>((v + pow2(n)) % pow2(n));
}

Program extend_program(int n, Shape shape, FixedPoint format) {
  return [=](Engine& engine) {
    const Masked x = engine.input(shape, format);
    return std::vector<Masked>{engine.open(sign_extend(engine, x, n))};
  };
}

LocalRunResult run_extend(int n, FixedPoint format, const std::vector<uint64_t>& xs,
                          const LocalRunOptions& options) {
  const Shape shape{static_cast<int64_t>(xs.size())};
  const Tensor input(shape, format, xs);
  return run_locally(extend_program(n, shape, format), std::span(&input, 1), options);
}

TEST(SignExtend, ExhaustiveSmallRingsManyMasks) {
  for (int m = 1; m <= 9; ++m) {
    for (int n : {m + 1, m + 2, 10, 64}) {
      if (n > 10 && n != 64) continue;
      SCOPED_TRACE(testing::Message() << "m=" << m << " n=" << n);
      // Every m-bit x, 8 times over, each element with its own fresh mask.
      std::vector<uint64_t> xs;
      for (int copy = 0; copy < 8; ++copy)
        for (uint64_t x = 0; x < (uint64_t{1} << m); ++x) xs.push_back(x);
      const LocalRunResult run =
          run_extend(n, {m, 0}, xs, {.seed = Block{uint64_t(m), uint64_t(n)}});
      for (size_t i = 0; i < xs.size(); ++i) {
        ASSERT_EQ(run.clear[0][i], reference_sign_extend(xs[i], m, n)) << "x=" << xs[i];
        ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i]) << "x=" << xs[i];
      }
    }
  }
}

TEST(SignExtend, RandomFullWidthWithEdges) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (auto [m, n] : {std::pair{38, 50}, {25, 37}, {52, 64}, {63, 64}, {1, 64}, {49, 50}}) {
    SCOPED_TRACE(testing::Message() << "m=" << m << " n=" << n);
    const Ring ring{m};
    const uint64_t half = uint64_t{1} << (m - 1);
    // 0, ±1, the largest and smallest m-bit values and their neighbours, then uniform ones.
    std::vector<uint64_t> xs;
    for (uint64_t edge : {uint64_t{0}, uint64_t{1}, ring.mask(), ring.mask() - 1, half - 1,
                          half - 2, half, half + 1})
      xs.push_back(edge & ring.mask());
    while (xs.size() < 10'000) xs.push_back(rng() & ring.mask());
    const LocalRunResult run =
        run_extend(n, {m, 0}, xs, {.seed = Block{rng(), rng()}, .tcp = n == 50 && m == 38});
    for (size_t i = 0; i < xs.size(); ++i) {
      ASSERT_EQ(run.clear[0][i], reference_sign_extend(xs[i], m, n)) << "x=" << xs[i];
      ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i]) << "x=" << xs[i];
    }
  }
}

uint64_t packed(uint64_t count, int bits) { return (count * bits + 7) / 8; }

// DPF_{m,1} key bytes (crypto/dpf.h): root 16, 16 and 1 bit per level, leaf 16; the leaf
// resolves min(m, 7) bits.
uint64_t dpf_key(int m) {
  const uint64_t levels = m > 7 ? m - 7 : 0;
  return 16 + 16 * levels + (levels + 7) / 8 + 16;
}

TEST(SignExtend, CostsMatchTheFormula) {
  const uint64_t count = 1000;
  for (auto [m, n] : {std::pair{38, 50}, {5, 37}}) {
    SCOPED_TRACE(testing::Message() << "m=" << m << " n=" << n);
    const LocalRunResult run = run_extend(n, {m, 0}, std::vector<uint64_t>(count, 0), {});
    const std::string label = SignExtendGate(FixedPoint{m, 0}, n).describe();
    // Header: 16 + count * (DPF_{m,1} key + 1 + (n - m) + n bits), fields packed apiece.
    const uint64_t expected_key =
        16 + count * dpf_key(m) + packed(count, 1) + packed(count, n - m) + packed(count, n);
    EXPECT_EQ(run.dealer_costs.entries().at(label).key_bytes, expected_key);
    for (int party = 0; party < 2; ++party) {
      const Cost cost = run.party_costs[party].entries().at(label);
      EXPECT_EQ(cost.key_bytes, expected_key);
      EXPECT_EQ(cost.bytes_sent, packed(count, 1));
      EXPECT_EQ(cost.rounds, 1u);
    }
  }
}

TEST(SignExtend, KeepsTheScale) {
  const SignExtendGate gate(FixedPoint{38, 12}, 50);
  EXPECT_EQ(gate.output_formats()[0], (FixedPoint{50, 12}));
  EXPECT_EQ(gate.kind(), GateKind::kSignExtend);
}

void expect_invalid(auto make) {
  try {
    make();
    ADD_FAILURE() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
  }
}

TEST(SignExtend, RejectsBadArguments) {
  expect_invalid([] { SignExtendGate(FixedPoint{10, 0}, 10); });
  expect_invalid([] { SignExtendGate(FixedPoint{10, 0}, 9); });
  expect_invalid([] { SignExtendGate(FixedPoint{10, 0}, 65); });
  expect_invalid([] { SignExtendGate(FixedPoint{0, 0}, 10); });
}

}  // namespace
}  // namespace fss::sigma

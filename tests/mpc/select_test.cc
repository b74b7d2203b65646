#include "mpc/select.h"

#include <gtest/gtest.h>

#include <random>

#include "mpc/local_run.h"

namespace fss {
namespace {

Program select_program(const SelectGate& gate, Shape shape, FixedPoint format) {
  return [&gate, shape, format](Engine& engine) {
    const Masked s = engine.input(shape, {1, 0});
    const Masked x = engine.input(shape, format);
    return std::vector<Masked>{engine.open(engine.apply(gate, s, x))};
  };
}

// Runs Select on (ss, xs) and checks clear == (s ? x : 0) and reconstructed == clear.
void check_select(FixedPoint format, const std::vector<uint64_t>& ss,
                  const std::vector<uint64_t>& xs, const LocalRunOptions& options) {
  const SelectGate gate(format);
  const Shape shape{static_cast<int64_t>(xs.size())};
  const Tensor inputs[] = {Tensor(shape, {1, 0}, ss), Tensor(shape, format, xs)};
  const LocalRunResult run = run_locally(select_program(gate, shape, format), inputs, options);
  ASSERT_EQ(run.clear[0].fixed_point(), format);
  for (size_t i = 0; i < xs.size(); ++i) {
    ASSERT_EQ(run.clear[0][i], ss[i] == 1 ? xs[i] : 0)
        << gate.describe() << " s=" << ss[i] << " x=" << xs[i];
    ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i])
        << gate.describe() << " s=" << ss[i] << " x=" << xs[i];
  }
}

TEST(Select, ExhaustiveSmallRingsManyMasks) {
  for (int n = 1; n <= 9; ++n) {
    std::vector<uint64_t> ss, xs;
    for (int copy = 0; copy < 6; ++copy)
      for (uint64_t s = 0; s < 2; ++s)
        for (uint64_t x = 0; x < (uint64_t{1} << n); ++x) ss.push_back(s), xs.push_back(x);
    check_select({n, 0}, ss, xs, {.seed = Block{uint64_t(n), 11}});
  }
}

TEST(Select, RandomFullWidthWithEdges) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n : {37, 50, 64}) {
    SCOPED_TRACE(testing::Message() << "n=" << n);
    const uint64_t ring_mask = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
    std::vector<uint64_t> ss, xs;
    for (uint64_t edge : {uint64_t{0}, uint64_t{1}, ring_mask, ring_mask - 1,
                          uint64_t{1} << (n - 1), (uint64_t{1} << (n - 1)) - 1})
      for (uint64_t s = 0; s < 2; ++s) ss.push_back(s), xs.push_back(edge);
    while (xs.size() < 10'000) ss.push_back(rng() & 1), xs.push_back(rng() & ring_mask);
    check_select({n, 12}, ss, xs, {.seed = Block{rng(), rng()}, .tcp = n == 50});
  }
}

TEST(Select, CostsMatchTheFormula) {
  const uint64_t count = 1000;
  for (int n : {13, 50, 64}) {
    const SelectGate gate({n, 12});
    const Shape shape{static_cast<int64_t>(count)};
    const Tensor inputs[] = {Tensor(shape, {1, 0}), Tensor(shape, {n, 12})};
    const LocalRunResult run = run_locally(select_program(gate, shape, {n, 12}), inputs);
    // Three n-bit arrays: [r_s], [A_0], [A_1].
    const uint64_t expected_key = 3 * ((count * n + 7) / 8);
    EXPECT_EQ(run.dealer_costs.entries().at(gate.describe()).key_bytes, expected_key);
    for (int party = 0; party < 2; ++party) {
      const Cost gate_cost = run.party_costs[party].entries().at(gate.describe());
      EXPECT_EQ(gate_cost.key_bytes, expected_key);
      EXPECT_EQ(gate_cost.bytes_sent, 0u);
      EXPECT_EQ(gate_cost.rounds, 0u);
    }
  }
}

TEST(Select, RejectsBadArguments) {
  for (FixedPoint bad : {FixedPoint{0, 0}, FixedPoint{65, 0}, FixedPoint{8, 8}}) {
    try {
      SelectGate gate(bad);
      ADD_FAILURE() << "accepted " << bad.to_string();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    }
  }
  // The selector must be a bit wire.
  const Shape shape{4};
  const Tensor inputs[] = {Tensor(shape, {8, 0}), Tensor(shape, {8, 0})};
  const SelectGate gate({8, 0});
  try {
    run_locally(
        [&](Engine& engine) {
          const Masked s = engine.input(shape, {8, 0});
          const Masked x = engine.input(shape, {8, 0});
          return std::vector<Masked>{engine.open(engine.apply(gate, s, x))};
        },
        inputs);
    ADD_FAILURE() << "accepted an 8-bit selector";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
  }
}

}  // namespace
}  // namespace fss

#include "mpc/lut.h"

#include <gtest/gtest.h>

#include <random>

#include "mpc/local_run.h"

namespace fss {
namespace {

uint64_t low_bits(int bits) { return bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

std::vector<uint64_t> random_table(std::mt19937_64& rng, int k, int l) {
  std::vector<uint64_t> table(uint64_t{1} << k);
  for (uint64_t& entry : table) entry = rng() & low_bits(l);
  // The extremes of the output ring appear in every table.
  table.front() = 0;
  table.back() = low_bits(l);
  return table;
}

Program lut_program(const LutGate& gate, Shape shape, FixedPoint format) {
  return [&gate, shape, format](Engine& engine) {
    const Masked x = engine.input(shape, format);
    return std::vector<Masked>{engine.open(engine.apply(gate, x))};
  };
}

// Runs the gate on all engines; checks clear == the table entry (the definition, read from the
// test's own copy of the table) and reconstructed == clear.
void check_lookups(const std::vector<uint64_t>& table, int k, int l,
                   const std::vector<uint64_t>& xs, const LocalRunOptions& options) {
  const FixedPoint in_format{k, 0}, out_format{l, 0};
  const LutGate gate("random", in_format, out_format, table);
  const Shape shape{static_cast<int64_t>(xs.size())};
  const Tensor input(shape, in_format, xs);
  const LocalRunResult run =
      run_locally(lut_program(gate, shape, in_format), std::span(&input, 1), options);
  for (size_t i = 0; i < xs.size(); ++i) {
    ASSERT_EQ(run.clear[0][i], table[xs[i]]) << "k=" << k << " l=" << l << " x=" << xs[i];
    ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i])
        << "k=" << k << " l=" << l << " x=" << xs[i];
  }
}

TEST(Lut, ExhaustiveSmallTablesManyMasks) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int k = 1; k <= 10; ++k) {
    for (int l : {1, 2, 7, 13, 37, 64}) {
      // Every input, 8 times over, each element with its own fresh mask (so both signs of the
      // one-hot's difference occur for every input).
      std::vector<uint64_t> xs;
      for (int copy = 0; copy < 8; ++copy)
        for (uint64_t x = 0; x < (uint64_t{1} << k); ++x) xs.push_back(x);
      check_lookups(random_table(rng, k, l), k, l, xs, {.seed = Block{rng(), rng()}});
    }
  }
}

TEST(Lut, RandomFullWidthOutputsWithEdgesOverTcp) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (auto [k, l, count] : {std::tuple{8, 50, 10'000},
                             {8, 37, 10'000},
                             {10, 64, 10'000},
                             {13, 50, 2'000},
                             {16, 64, 100}}) {
    const uint64_t top = low_bits(k);
    std::vector<uint64_t> xs = {
        0, 1, top, top - 1, uint64_t{1} << (k - 1), (uint64_t{1} << (k - 1)) - 1};
    while (xs.size() < static_cast<size_t>(count)) xs.push_back(rng() & top);
    check_lookups(random_table(rng, k, l), k, l, xs,
                  {.seed = Block{rng(), rng()}, .tcp = k == 8 && l == 50});
  }
}

TEST(Lut, CostsMatchTheFormula) {
  const uint64_t count = 1000;
  for (auto [k, l] : {std::pair{8, 50}, {13, 37}, {5, 64}}) {
    const FixedPoint in_format{k, 0}, out_format{l, 12};
    const LutGate gate("zeros", in_format, out_format, std::vector<uint64_t>(uint64_t{1} << k));
    const Shape shape{static_cast<int64_t>(count)};
    const Tensor input(shape, in_format);
    const LocalRunResult run =
        run_locally(lut_program(gate, shape, in_format), std::span(&input, 1));
    // DPF_{k,1} key: root, one CW block per level (k - 7 levels, none for k <= 7), right
    // control bits packed in bytes, leaf CW; then 2l bits of shares per element.
    const uint64_t levels = k > 7 ? k - 7 : 0;
    const uint64_t dpf_key = 16 + 16 * levels + (levels + 7) / 8 + 16;
    const uint64_t share_bytes = (count * l + 7) / 8;
    const Cost dealer = run.dealer_costs.entries().at(gate.describe());
    EXPECT_EQ(dealer.key_bytes, 16 + count * dpf_key + 2 * share_bytes) << "k=" << k;
    for (int party = 0; party < 2; ++party) {
      const Cost gate_cost = run.party_costs[party].entries().at(gate.describe());
      EXPECT_EQ(gate_cost.key_bytes, dealer.key_bytes);
      EXPECT_EQ(gate_cost.bytes_sent, share_bytes) << "k=" << k;  // sigma T[x] + rho
      EXPECT_EQ(gate_cost.rounds, 1u);
    }
  }
}

TEST(Lut, RejectsBadArguments) {
  const std::vector<uint64_t> table16(16);
  auto expect_invalid = [](auto make) {
    try {
      make();
      ADD_FAILURE() << "no exception";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    }
  };
  expect_invalid([&] { LutGate("t", {4, 0}, {8, 0}, std::vector<uint64_t>(15)); });
  expect_invalid([&] { LutGate("t", {4, 0}, {8, 0}, std::vector<uint64_t>(32)); });
  expect_invalid([&] {
    std::vector<uint64_t> wide = table16;
    wide[3] = 256;
    LutGate("t", {4, 0}, {8, 0}, wide);
  });
  expect_invalid([&] {
    LutGate("t", {LutGate::kMaxInputBits + 1, 0}, {8, 0},
            std::vector<uint64_t>(uint64_t{1} << (LutGate::kMaxInputBits + 1)));
  });
  expect_invalid([&] { LutGate("t", {0, 0}, {8, 0}, std::vector<uint64_t>(1)); });
  expect_invalid([&] { LutGate("t", {4, 0}, {65, 0}, table16); });
}

}  // namespace
}  // namespace fss

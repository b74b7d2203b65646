#include "sigma/drelu.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "mpc/local_run.h"

namespace fss::sigma {
namespace {

using int128 = __int128;

// The value of the low `bits` bits of v as a signed (two's complement) integer.
int128 signed_value(int128 v, int bits) {
  const int128 modulus = int128{1} << bits;
  int128 low = v % modulus;
  if (low < 0) low += modulus;
  return low >= modulus / 2 ? low - modulus : low;
}

// DReLU on m bits from the definition: 1 if x + c, read as a signed m-bit value, is >= 0.
uint64_t reference_drelu(uint64_t x, int64_t c, int m) {
  return signed_value(int128{x} + c, m) >= 0 ? 1 : 0;
}

// One dpf key of `bits` input bits and 1 output bit, from the layout in crypto/dpf.h: root
// seed, one 16-byte CW per level, the right control bits, the leaf CW; nu = min(bits, 7).
uint64_t dpf_key_bytes_by_layout(int bits) {
  const uint64_t levels = bits - std::min(bits, 7);
  return 16 + 16 * levels + (levels + 7) / 8 + 16;
}

Program drelu_program(const DreluGate& gate, Shape shape, FixedPoint format) {
  return [&gate, shape, format](Engine& engine) {
    const Masked x = engine.input(shape, format);
    const Masked* inputs[] = {&x};
    std::vector<Masked> opened;
    for (const Shared& bit : engine.apply(gate, inputs)) opened.push_back(engine.open(bit));
    return opened;
  };
}

// Runs the gate on xs and checks clear == reference and reconstructed == clear for every
// offset.
void check_drelu(FixedPoint format, int m, const std::vector<int64_t>& offsets,
                 const std::vector<uint64_t>& xs, const LocalRunOptions& options) {
  const DreluGate gate(format, m, offsets);
  const Shape shape{static_cast<int64_t>(xs.size())};
  const Tensor input(shape, format, xs);
  const LocalRunResult run =
      run_locally(drelu_program(gate, shape, format), std::span(&input, 1), options);
  ASSERT_EQ(run.clear.size(), offsets.size());
  for (size_t k = 0; k < offsets.size(); ++k) {
    ASSERT_EQ(run.clear[k].fixed_point(), (FixedPoint{1, 0}));
    for (size_t i = 0; i < xs.size(); ++i) {
      ASSERT_EQ(run.clear[k][i], reference_drelu(xs[i], offsets[k], m))
          << gate.describe() << " x=" << xs[i] << " c=" << offsets[k];
      ASSERT_EQ(run.reconstructed[k][i], run.clear[k][i])
          << gate.describe() << " x=" << xs[i] << " c=" << offsets[k];
    }
  }
}

TEST(Drelu, ExhaustiveSmallRingsManyMasks) {
  for (int n = 2; n <= 10; ++n) {
    for (int m = 2; m <= n; ++m) {
      std::vector<uint64_t> xs;
      for (int copy = 0; copy < 8; ++copy)
        for (uint64_t x = 0; x < (uint64_t{1} << n); ++x) xs.push_back(x);
      check_drelu({n, 0}, m, {0}, xs, {.seed = Block{uint64_t(n * 64 + m), 3}});
      // The offsets GeLU uses, plus some that wrap mod 2^m.
      check_drelu({n, 0}, m, {0, 255, -256, 1, -1, 3}, xs,
                  {.seed = Block{uint64_t(n * 64 + m), 4}});
    }
  }
}

TEST(Drelu, MatchesTheSignOfInRangeValues) {
  // Inputs whose signed n-bit value fits m bits: the gate is the sign test of the n-bit value.
  const int n = 10, m = 6;
  std::vector<uint64_t> xs;
  std::vector<int> expected;
  for (int v = -32; v < 32; ++v) {
    xs.push_back(static_cast<uint64_t>(v) & 1023);
    expected.push_back(v >= 0);
  }
  const DreluGate gate({n, 2}, m);
  const Shape shape{static_cast<int64_t>(xs.size())};
  const Tensor input(shape, {n, 2}, xs);
  const LocalRunResult run = run_locally(drelu_program(gate, shape, {n, 2}), std::span(&input, 1));
  for (size_t i = 0; i < xs.size(); ++i) {
    EXPECT_EQ(run.clear[0][i], uint64_t(expected[i])) << "x=" << xs[i];
    EXPECT_EQ(run.reconstructed[0][i], uint64_t(expected[i])) << "x=" << xs[i];
  }
}

TEST(Drelu, RandomFullWidthWithEdges) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  struct Case {
    int n, m;
    std::vector<int64_t> offsets;
    bool tcp;
  };
  const Case cases[] = {{37, 26, {0}, false},
                        {50, 39, {0, 255, -256}, true},
                        {50, 50, {0}, false},
                        {64, 64, {0, -1}, false},
                        {64, 52, {0}, false}};
  for (const Case& c : cases) {
    const uint64_t ring_mask = c.n == 64 ? ~uint64_t{0} : (uint64_t{1} << c.n) - 1;
    const uint64_t half_m = uint64_t{1} << (c.m - 1);
    // 0, +-1, the m-bit domain limits +-2^{m-1} and the n-bit limits.
    std::vector<uint64_t> xs = {0,
                                1,
                                ring_mask,
                                half_m - 1,
                                (0 - half_m) & ring_mask,
                                half_m,
                                ((0 - half_m) - 1) & ring_mask,
                                uint64_t{1} << (c.n - 1),
                                (uint64_t{1} << (c.n - 1)) - 1,
                                255,
                                256,
                                (0 - uint64_t{255}) & ring_mask,
                                (0 - uint64_t{256}) & ring_mask,
                                (0 - uint64_t{257}) & ring_mask};
    // Half the values in the m-bit signed range, half anywhere in the ring.
    while (xs.size() < 10'000) {
      const uint64_t in_range = (rng() & (2 * half_m - 1)) - half_m;
      xs.push_back((xs.size() % 2 ? rng() : in_range) & ring_mask);
    }
    SCOPED_TRACE(testing::Message() << "n=" << c.n << " m=" << c.m);
    check_drelu({c.n, 12}, c.m, c.offsets, xs, {.seed = Block{rng(), rng()}, .tcp = c.tcp});
  }
}

TEST(Drelu, GreaterEqualOnTheGapDomain) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (auto [n, m] : {std::pair{6, 6}, {50, 39}}) {
    const int64_t quarter = int64_t{1} << (m - 2);  // inputs in [-2^{m-2}, 2^{m-2})
    const uint64_t ring_mask = (uint64_t{1} << n) - 1;
    std::vector<int64_t> xs, ys;
    if (n == 6) {  // every pair, twice
      for (int copy = 0; copy < 2; ++copy)
        for (int64_t x = -quarter; x < quarter; ++x)
          for (int64_t y = -quarter; y < quarter; ++y) xs.push_back(x), ys.push_back(y);
    } else {
      for (int64_t v : {-quarter, quarter - 1, int64_t{0}, int64_t{-1}})
        for (int64_t w : {-quarter, quarter - 1, int64_t{0}, int64_t{-1}})
          xs.push_back(v), ys.push_back(w);
      std::uniform_int_distribution<int64_t> value(-quarter, quarter - 1);
      while (xs.size() < 10'000) {
        xs.push_back(value(rng));
        ys.push_back(xs.size() % 5 == 0 ? xs.back() : value(rng));
      }
    }
    const FixedPoint format{n, 0};
    const Shape shape{static_cast<int64_t>(xs.size())};
    std::vector<uint64_t> x_ring, y_ring;
    for (size_t i = 0; i < xs.size(); ++i) {
      x_ring.push_back(static_cast<uint64_t>(xs[i]) & ring_mask);
      y_ring.push_back(static_cast<uint64_t>(ys[i]) & ring_mask);
    }
    const Tensor inputs[] = {Tensor(shape, format, x_ring), Tensor(shape, format, y_ring)};
    const Program program = [&](Engine& engine) {
      const Masked x = engine.input(shape, format);
      const Masked y = engine.input(shape, format);
      return std::vector<Masked>{engine.open(greater_equal(engine, x, y, m))};
    };
    const LocalRunResult run = run_locally(program, inputs, {.seed = Block{rng(), 5}});
    for (size_t i = 0; i < xs.size(); ++i) {
      ASSERT_EQ(run.clear[0][i], xs[i] >= ys[i] ? 1u : 0u) << xs[i] << " >= " << ys[i];
      ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i]) << xs[i] << " >= " << ys[i];
    }
  }
}

TEST(Drelu, CostsMatchTheFormula) {
  const int n = 50, m = 39;
  const uint64_t count = 1000;
  for (const std::vector<int64_t>& offsets : {std::vector<int64_t>{0}, {0, 255, -256}}) {
    const DreluGate gate({n, 12}, m, offsets);
    const Shape shape{static_cast<int64_t>(count)};
    const Tensor input(shape, {n, 12});
    const LocalRunResult run =
        run_locally(drelu_program(gate, shape, {n, 12}), std::span(&input, 1));
    const uint64_t outputs = offsets.size();
    // One DPF_{m-1,1} key per element behind a 16-byte batch header, one bit per output.
    const uint64_t expected_key =
        16 + count * dpf_key_bytes_by_layout(m - 1) + outputs * ((count + 7) / 8);
    EXPECT_EQ(gate.key_bytes(count), expected_key);
    EXPECT_EQ(run.dealer_costs.entries().at(gate.describe()).key_bytes, expected_key);
    for (int party = 0; party < 2; ++party) {
      const Cost gate_cost = run.party_costs[party].entries().at(gate.describe());
      EXPECT_EQ(gate_cost.key_bytes, expected_key);
      EXPECT_EQ(gate_cost.bytes_sent, 0u);
      EXPECT_EQ(gate_cost.rounds, 0u);
      const Cost open_cost = run.party_costs[party].entries().at("open");
      EXPECT_EQ(open_cost.bytes_sent, outputs * ((count + 7) / 8));
      EXPECT_EQ(open_cost.rounds, outputs);
    }
  }
}

void expect_invalid_argument(const std::function<void()>& action) {
  try {
    action();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
  }
}

TEST(Drelu, RejectsBadArguments) {
  expect_invalid_argument([] { DreluGate({10, 0}, 1); });
  expect_invalid_argument([] { DreluGate({10, 0}, 11); });
  expect_invalid_argument([] { DreluGate({10, 0}, 5, {}); });
  expect_invalid_argument([] { DreluGate({65, 0}, 5); });
  // greater_equal needs operands of one format.
  expect_invalid_argument([] {
    const Shape shape{4};
    const Tensor inputs[] = {Tensor(shape, {10, 0}), Tensor(shape, {12, 0})};
    run_locally(
        [&](Engine& engine) {
          const Masked x = engine.input(shape, {10, 0});
          const Masked y = engine.input(shape, {12, 0});
          return std::vector<Masked>{engine.open(greater_equal(engine, x, y, 8))};
        },
        inputs);
  });
}

}  // namespace
}  // namespace fss::sigma

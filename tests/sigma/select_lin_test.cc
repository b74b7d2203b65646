#include "mpc/select_lin.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>
#include <random>

#include "mpc/local_run.h"
#include "sigma/drelu.h"

namespace fss::sigma {
namespace {

using int128 = __int128;
using Table = SelectLinGate::Table;

// alpha * x + beta mod 2^n in 128-bit integers.
uint64_t reference_linear(int64_t alpha, int64_t beta, uint64_t x, int n) {
  const int128 modulus = int128{1} << n;
  int128 value = (int128{alpha} * int128{x} + beta) % modulus;
  if (value < 0) value += modulus;
  return static_cast<uint64_t>(value);
}

Program select_lin_program(const SelectLinGate& gate, Shape shape, FixedPoint format) {
  return [&gate, shape, format](Engine& engine) {
    const Masked s0 = engine.input(shape, {1, 0});
    const Masked s1 = engine.input(shape, {1, 0});
    const Masked x = engine.input(shape, format);
    const Masked* inputs[] = {&s0, &s1, &x};
    return std::vector<Masked>{engine.open(engine.apply(gate, inputs).at(0))};
  };
}

void check_select_lin(FixedPoint format, const Table& alpha, const Table& beta,
                      const std::vector<uint64_t>& s0, const std::vector<uint64_t>& s1,
                      const std::vector<uint64_t>& xs, const LocalRunOptions& options) {
  const SelectLinGate gate(format, alpha, beta);
  const Shape shape{static_cast<int64_t>(xs.size())};
  const Tensor inputs[] = {Tensor(shape, {1, 0}, s0), Tensor(shape, {1, 0}, s1),
                           Tensor(shape, format, xs)};
  const LocalRunResult run = run_locally(select_lin_program(gate, shape, format), inputs, options);
  ASSERT_EQ(run.clear[0].fixed_point(), format);
  for (size_t i = 0; i < xs.size(); ++i) {
    const size_t j = 2 * s0[i] + s1[i];
    ASSERT_EQ(run.clear[0][i], reference_linear(alpha[j], beta[j], xs[i], format.n))
        << gate.describe() << " j=" << j << " x=" << xs[i];
    ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i])
        << gate.describe() << " j=" << j << " x=" << xs[i];
  }
}

// The table of SIGMA's GeLU step 3: Abs(Clip(y)) in 8 bits from (i, d, y mod 256).
const Table kGeluAlpha = {0, 0, -1, 1};
const Table kGeluBeta = {255, 255, 0, 0};

TEST(SelectLin, ExhaustiveSmallRingsManyMasks) {
  std::mt19937_64 rng(17);
  for (int n = 1; n <= 8; ++n) {
    std::vector<uint64_t> s0, s1, xs;
    for (int copy = 0; copy < 4; ++copy)
      for (uint64_t j = 0; j < 4; ++j)
        for (uint64_t x = 0; x < (uint64_t{1} << n); ++x)
          s0.push_back(j >> 1), s1.push_back(j & 1), xs.push_back(x);
    std::uniform_int_distribution<int64_t> small(-300, 300);
    const Table alpha = {small(rng), small(rng), small(rng), small(rng)};
    const Table beta = {small(rng), small(rng), small(rng), small(rng)};
    SCOPED_TRACE(testing::Message() << "n=" << n);
    check_select_lin({n, 0}, alpha, beta, s0, s1, xs, {.seed = Block{uint64_t(n), 21}});
    check_select_lin({n, 0}, kGeluAlpha, kGeluBeta, s0, s1, xs, {.seed = Block{uint64_t(n), 22}});
  }
}

TEST(SelectLin, RandomFullWidthWithEdges) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (int n : {37, 50, 64}) {
    SCOPED_TRACE(testing::Message() << "n=" << n);
    const uint64_t ring_mask = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
    std::vector<uint64_t> s0, s1, xs;
    for (uint64_t edge : {uint64_t{0}, uint64_t{1}, ring_mask, uint64_t{1} << (n - 1),
                          (uint64_t{1} << (n - 1)) - 1})
      for (uint64_t j = 0; j < 4; ++j)
        s0.push_back(j >> 1), s1.push_back(j & 1), xs.push_back(edge);
    while (xs.size() < 10'000)
      s0.push_back(rng() & 1), s1.push_back(rng() & 1), xs.push_back(rng() & ring_mask);
    const Table alpha = {kMin, kMax, -1, static_cast<int64_t>(rng())};
    const Table beta = {static_cast<int64_t>(rng()), 0, kMin, kMax};
    check_select_lin({n, 12}, alpha, beta, s0, s1, xs,
                     {.seed = Block{rng(), rng()}, .tcp = n == 50});
  }
}

// Masked y -> masked y mod 2^bits: plain data movement, valid on every engine's wires.
Masked low_bits(const Masked& y, int bits) {
  Tensor out(y.value.shape(), {bits, 0});
  for (size_t i = 0; i < out.size(); ++i) out[i] = out.ring().mod(y.value[i]);
  return {std::move(out)};
}

TEST(SelectLin, GeluAbsClipFromShiftedDrelus) {
  // GeLU steps 2-3 (PROTOCOLS.md §5): d = DReLU(y), i = DReLU(y + 255) ^ DReLU(y - 256) from one
  // DReLU gate with offsets, then SelectLin gives min(|y|, 255). Every y for which y + 255 and
  // y - 256 still fit the m-bit signed range.
  const int m = 14;
  const FixedPoint format{m, 6};
  std::vector<uint64_t> ys;
  std::vector<int64_t> values;
  for (int64_t y = -(int64_t{1} << (m - 1)) + 256; y < (int64_t{1} << (m - 1)) - 256; ++y) {
    values.push_back(y);
    ys.push_back(static_cast<uint64_t>(y) & ((uint64_t{1} << m) - 1));
  }
  const Shape shape{static_cast<int64_t>(ys.size())};
  const Tensor input(shape, format, ys);
  const DreluGate drelu(format, m, {0, 255, -256});
  const SelectLinGate abs_clip({8, 0}, kGeluAlpha, kGeluBeta);
  const Program program = [&](Engine& engine) {
    const Masked y = engine.input(shape, format);
    const Masked* inputs[] = {&y};
    const std::vector<Shared> bits = engine.apply(drelu, inputs);
    const Masked d = engine.open(bits[0]);
    const Masked in_range = add(engine.open(bits[1]), engine.open(bits[2]));  // XOR in Z_2
    const Masked z = low_bits(y, 8);
    const Masked* select_inputs[] = {&in_range, &d, &z};
    return std::vector<Masked>{engine.open(engine.apply(abs_clip, select_inputs).at(0))};
  };
  const LocalRunResult run = run_locally(program, std::span(&input, 1));
  for (size_t i = 0; i < ys.size(); ++i) {
    const uint64_t expected = std::min<int64_t>(std::abs(values[i]), 255);
    ASSERT_EQ(run.clear[0][i], expected) << "y=" << values[i];
    ASSERT_EQ(run.reconstructed[0][i], expected) << "y=" << values[i];
  }
}

TEST(SelectLin, CostsMatchTheFormula) {
  const uint64_t count = 1000;
  for (int n : {8, 37, 64}) {
    const SelectLinGate gate({n, 0}, kGeluAlpha, kGeluBeta);
    const Shape shape{static_cast<int64_t>(count)};
    const Tensor inputs[] = {Tensor(shape, {1, 0}), Tensor(shape, {1, 0}), Tensor(shape, {n, 0})};
    const LocalRunResult run = run_locally(select_lin_program(gate, shape, {n, 0}), inputs);
    // Eight n-bit arrays: slope and constant for each of the four public indices.
    const uint64_t expected_key = 8 * ((count * n + 7) / 8);
    EXPECT_EQ(run.dealer_costs.entries().at(gate.describe()).key_bytes, expected_key);
    for (int party = 0; party < 2; ++party) {
      const Cost gate_cost = run.party_costs[party].entries().at(gate.describe());
      EXPECT_EQ(gate_cost.key_bytes, expected_key);
      EXPECT_EQ(gate_cost.bytes_sent, 0u);
      EXPECT_EQ(gate_cost.rounds, 0u);
    }
  }
}

TEST(SelectLin, RejectsBadArguments) {
  for (FixedPoint bad : {FixedPoint{0, 0}, FixedPoint{65, 0}, FixedPoint{8, -1}}) {
    try {
      SelectLinGate gate(bad, kGeluAlpha, kGeluBeta);
      ADD_FAILURE() << "accepted " << bad.to_string();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    }
  }
}

}  // namespace
}  // namespace fss::sigma

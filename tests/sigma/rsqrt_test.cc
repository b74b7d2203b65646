#include "sigma/rsqrt.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

#include "mpc/clear_engine.h"
#include "mpc/local_run.h"
#include "norm_reference.h"

namespace fss::sigma {
namespace {

using reference::int128;
using reference::packed;
using reference::ring_value;

// ---- NormalizeByExponentGate ----

// y = x (2^K - sum_i c_i 2^{K-i}) mod 2^n and e = sum_i c_i mod 2^w, from the gate's definition.
std::pair<uint64_t, uint64_t> reference_normalize(uint64_t x, const std::vector<uint64_t>& bits,
                                                  int n, int w) {
  const int k = n - 2;
  int128 v = int128{1} << k;
  uint64_t e = 0;
  for (int i = 1; i <= k; ++i) {
    v -= int128(bits[i - 1]) << (k - i);
    e += bits[i - 1];
  }
  return {ring_value(int128(x) * v, n), ring_value(e, w)};
}

// Runs the gate on xs and bit columns (bits[i][j] is c_{i+1} of element j); returns the run.
LocalRunResult run_normalize(int n, int w, const std::vector<uint64_t>& xs,
                             const std::vector<std::vector<uint64_t>>& bits, Block seed,
                             bool tcp = false) {
  const FixedPoint format{n, n / 3};
  const Shape shape{2, static_cast<int64_t>(xs.size() / 2)};
  std::vector<Tensor> inputs = {Tensor(shape, format, xs)};
  for (const auto& column : bits) inputs.emplace_back(shape, FixedPoint{1, 0}, column);
  const NormalizeByExponentGate gate(format, w);
  Program program = [&](Engine& engine) {
    std::vector<Masked> wires;
    wires.push_back(engine.input(shape, format));
    for (int i = 1; i <= n - 2; ++i) wires.push_back(engine.input(shape, {1, 0}));
    std::vector<const Masked*> pointers;
    for (const Masked& wire : wires) pointers.push_back(&wire);
    std::vector<Shared> out = engine.apply(gate, pointers);
    return std::vector<Masked>{engine.open(out[0]), engine.open(out[1])};
  };
  return run_locally(program, inputs, {.seed = seed, .tcp = tcp});
}

void check_normalize(int n, int w, const std::vector<uint64_t>& xs,
                     const std::vector<std::vector<uint64_t>>& bits, const LocalRunResult& run) {
  for (size_t j = 0; j < xs.size(); ++j) {
    std::vector<uint64_t> element_bits;
    for (const auto& column : bits) element_bits.push_back(column[j]);
    const auto [y, e] = reference_normalize(xs[j], element_bits, n, w);
    SCOPED_TRACE(testing::Message() << "n=" << n << " w=" << w << " x=" << xs[j] << " j=" << j);
    ASSERT_EQ(run.clear[0][j], y);
    ASSERT_EQ(run.clear[1][j], e);
    ASSERT_EQ(run.reconstructed[0][j], y);
    ASSERT_EQ(run.reconstructed[1][j], e);
  }
}

TEST(NormalizeByExponent, ExhaustiveSmallRingsManyMasks) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n = 3; n <= 10; ++n) {
    const int k = n - 2;
    for (int w : {static_cast<int>(std::bit_width(static_cast<unsigned>(k))), 13}) {
      // Every (x, bit vector) pair for n <= 6; for larger n every x with its thermometer code
      // (the bits rsqrt feeds in) and with random bits. Four copies of each, fresh masks each.
      std::vector<uint64_t> xs;
      std::vector<std::vector<uint64_t>> bits(k);
      auto push = [&](uint64_t x, uint64_t pattern) {
        xs.push_back(x);
        for (int i = 0; i < k; ++i) bits[i].push_back((pattern >> i) & 1);
      };
      for (int copy = 0; copy < 4; ++copy) {
        for (uint64_t x = 0; x < (uint64_t{1} << n); ++x) {
          if (n <= 6) {
            for (uint64_t pattern = 0; pattern < (uint64_t{1} << k); ++pattern) push(x, pattern);
          } else {
            uint64_t thermometer = 0;
            for (int i = 1; i <= k; ++i)
              thermometer |= uint64_t{x >= (uint64_t{1} << i)} << (i - 1);
            push(x, thermometer);
            push(x, rng() & ((uint64_t{1} << k) - 1));
          }
        }
      }
      const LocalRunResult run = run_normalize(n, w, xs, bits, Block{rng(), rng()});
      check_normalize(n, w, xs, bits, run);
    }
  }
}

TEST(NormalizeByExponent, RandomFullWidthOverTcp) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n : {37, 50, 64}) {
    const Ring ring{n};
    std::vector<uint64_t> xs = {0, 1, ring.mask(), uint64_t{1} << (n - 2),
                                (uint64_t{1} << (n - 1)) - 1};
    while (xs.size() < 10'000) xs.push_back(rng() & ring.mask());
    std::vector<std::vector<uint64_t>> bits(n - 2);
    for (auto& column : bits)
      for (size_t j = 0; j < xs.size(); ++j) column.push_back(j < 3 ? j % 2 : rng() & 1);
    const LocalRunResult run = run_normalize(n, 13, xs, bits, Block{rng(), rng()}, n == 50);
    check_normalize(n, 13, xs, bits, run);
  }
}

TEST(NormalizeByExponent, KeyBytesMatchTheFormula) {
  for (auto [n, w] : {std::pair{37, 13}, {50, 13}, {10, 4}}) {
    const uint64_t count = 999;
    const NormalizeByExponentGate gate({n, 0}, w);
    // [r_x], [r_y] (n bits), [r_e] (w bits); per i: [rho_i] in max(i + 2, w), [r_x rho_i] in i + 2.
    uint64_t expected = 2 * packed(count, n) + packed(count, w);
    for (int i = 1; i <= n - 2; ++i)
      expected += packed(count, std::max(i + 2, w)) + packed(count, i + 2);
    EXPECT_EQ(gate.key_bytes(count), expected) << "n=" << n;
    const std::vector<uint64_t> xs(count + 1);
    const std::vector<std::vector<uint64_t>> bits(n - 2, std::vector<uint64_t>(count + 1));
    const LocalRunResult run = run_normalize(n, w, xs, bits, Block{3, 4});
    const Cost dealer = run.dealer_costs.entries().at(gate.describe());
    EXPECT_EQ(dealer.key_bytes, gate.key_bytes(count + 1));
    for (int party = 0; party < 2; ++party) {
      const Cost cost = run.party_costs[party].entries().at(gate.describe());
      EXPECT_EQ(cost.bytes_sent, 0u);
      EXPECT_EQ(cost.rounds, 0u);
    }
  }
}

TEST(NormalizeByExponent, RejectsBadArguments) {
  EXPECT_EQ(reference::thrown_kind([&] {
              NormalizeByExponentGate({2, 0}, 6);
            }),
            "invalid argument");  // no threshold
  EXPECT_EQ(reference::thrown_kind([&] {
              NormalizeByExponentGate({50, 0}, 5);
            }),
            "invalid argument");  // 48 does not fit 5 bits
  EXPECT_EQ(reference::thrown_kind([&] {
              NormalizeByExponentGate({50, 0}, 0);
            }),
            "invalid argument");
  EXPECT_EQ(reference::thrown_kind([&] {
              NormalizeByExponentGate({50, 0}, 65);
            }),
            "invalid argument");
  EXPECT_NO_THROW(NormalizeByExponentGate({50, 0}, 6));
}

// ---- RecSqrt ----

Program rec_sqrt_program(Shape shape, FixedPoint format, RecSqrtParams params) {
  return [shape, format, params](Engine& engine) {
    const Masked x = engine.input(shape, format);
    return std::vector<Masked>{engine.open(rec_sqrt(engine, x, params))};
  };
}

LocalRunResult run_rec_sqrt(FixedPoint format, const RecSqrtParams& params,
                            const std::vector<uint64_t>& xs, const LocalRunOptions& options) {
  const Shape shape{2, static_cast<int64_t>(xs.size() / 2)};
  const Tensor input(shape, format, xs);
  return run_locally(rec_sqrt_program(shape, format, params), std::span(&input, 1), options);
}

reference::RecSqrtSpec spec_of(FixedPoint format, const RecSqrtParams& params) {
  return {format.n, format.f, params.output_frac_bits, params.divisor, params.mantissa_bits};
}

TEST(RecSqrt, ExhaustiveSmallRingsManyMasks) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n = 8; n <= 10; ++n) {
    for (int m = 1; m <= n - 3; ++m) {
      const FixedPoint format{n, static_cast<int>(rng() % 4)};
      const RecSqrtParams params{.output_frac_bits = static_cast<int>(rng() % 4),
                                 .divisor = 1 + static_cast<double>(rng() % 8),
                                 .mantissa_bits = m};
      std::vector<uint64_t> xs;
      for (int copy = 0; copy < 4; ++copy)
        for (uint64_t x = 0; x < (uint64_t{1} << n); ++x) xs.push_back(x);
      const LocalRunResult run = run_rec_sqrt(format, params, xs, {.seed = Block{rng(), rng()}});
      for (size_t j = 0; j < xs.size(); ++j) {
        SCOPED_TRACE(testing::Message() << "n=" << n << " M=" << m << " x=" << xs[j]);
        ASSERT_EQ(run.reconstructed[0][j], run.clear[0][j]);
        if (xs[j] < (uint64_t{1} << (n - 1))) {
          ASSERT_EQ(run.clear[0][j],
                    ring_value(reference::rec_sqrt_entry(xs[j], spec_of(format, params)), n));
        }
      }
    }
  }
}

// LayerNorm's parameters: s at scale 2f, the /k folded in, output at scale f.
constexpr RecSqrtParams kLayerNormParams{
    .output_frac_bits = 12, .divisor = 768, .mantissa_bits = 7};

TEST(RecSqrt, RandomFullWidthWithEdgesOverTcp) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n : {37, 50, 64}) {
    const FixedPoint format{n, 24};
    const uint64_t domain = uint64_t{1} << (n - 1);
    std::vector<uint64_t> xs = {0, 1, 2, 3, domain - 1, domain - 2};
    for (int i = 1; i < n - 1; ++i)  // around every power of two and its mantissa steps
      for (int64_t delta : {-1, 0, 1})
        for (uint64_t step : {uint64_t{0}, (uint64_t{1} << i) >> 7})
          xs.push_back((uint64_t{1} << i) + step + delta);
    // Outside the domain: only reconstructed == clear is promised.
    for (uint64_t x : {domain, domain + 1, Ring{n}.mask()}) xs.push_back(x);
    while (xs.size() < 10'000) {
      const int bits = 1 + static_cast<int>(rng() % (n - 1));  // log-uniform magnitudes
      xs.push_back(rng() & ((uint64_t{1} << bits) - 1));
    }
    while (xs.size() < 10'010) xs.push_back(rng() & Ring{n}.mask());
    const LocalRunResult run =
        run_rec_sqrt(format, kLayerNormParams, xs, {.seed = Block{rng(), rng()}, .tcp = n == 50});
    for (size_t j = 0; j < xs.size(); ++j) {
      SCOPED_TRACE(testing::Message() << "n=" << n << " x=" << xs[j]);
      ASSERT_EQ(run.reconstructed[0][j], run.clear[0][j]);
      if (xs[j] < domain) {
        ASSERT_EQ(
            run.clear[0][j],
            ring_value(reference::rec_sqrt_entry(xs[j], spec_of(format, kLayerNormParams)), n));
      }
    }
  }
}

// The clear engine against float64 1/sqrt: every x below 2^16, then 2^18 log-spaced points up to
// 2^49 (n = 50), with LayerNorm's parameters. The documented bound (rsqrt.h) is the relative
// (sqrt(1 + 2^-7) - 1) / 2 = 0.00194 of the table's midrange plus 1/2 ulp of its rounding; for
// outputs of at least 2^10 ulp (var <= 4 here) that is within 0.0024 relative.
TEST(RecSqrt, DenseGridAccuracy) {
  const FixedPoint format{50, 24};
  const auto spec = spec_of(format, kLayerNormParams);
  std::vector<uint64_t> xs;
  for (uint64_t x = 1; x < (uint64_t{1} << 16); ++x) xs.push_back(x);
  for (int i = 0; i < (1 << 18); ++i)
    xs.push_back(static_cast<uint64_t>(std::ldexp(1.0, 16 + 33 * i / double(1 << 18))));
  const Shape shape{static_cast<int64_t>(xs.size())};
  ClearEngine engine;
  engine.provide_input(Tensor(shape, format, xs));
  const Masked out =
      engine.open(rec_sqrt(engine, engine.input(shape, format), kLayerNormParams), "open");
  const double relative_bound = (std::sqrt(1 + std::ldexp(1.0, -7)) - 1) / 2;
  double max_relative = 0, max_excess = 0;
  for (size_t j = 0; j < xs.size(); ++j) {
    const double exact = reference::rec_sqrt_exact(static_cast<double>(xs[j]), spec);
    const double error = std::abs(static_cast<double>(out.value[j]) - exact);
    // Error beyond the midrange bound, in ulps: at most the rounding's 1/2.
    max_excess = std::max(max_excess, error - relative_bound * exact);
    if (exact >= 1024) max_relative = std::max(max_relative, error / exact);
    ASSERT_EQ(out.value[j], ring_value(reference::rec_sqrt_entry(xs[j], spec), 50));
  }
  EXPECT_LE(max_excess, 0.5);
  EXPECT_LE(max_relative, 0.0024);
  std::printf(
      "rsqrt (M = 7, f_out = 12): max relative error %.6f (outputs >= 2^10), beyond the "
      "midrange bound %.3f ulp\n",
      max_relative, max_excess);
}

TEST(RecSqrt, CostsMatchTheFormula) {
  const uint64_t count = 1000;
  for (int n : {37, 50}) {
    for (int m : {7, 4}) {
      const FixedPoint format{n, 24};
      const RecSqrtParams params{.output_frac_bits = 12, .divisor = 768, .mantissa_bits = m};
      const LocalRunResult run = run_rec_sqrt(format, params, std::vector<uint64_t>(count), {});
      const reference::GateCost cost = reference::rec_sqrt_cost(count, n, m);
      EXPECT_EQ(run.dealer_costs.total().key_bytes, cost.key) << "n=" << n << " M=" << m;
      for (int party = 0; party < 2; ++party) {
        const Cost total = run.party_costs[party].total();
        EXPECT_EQ(total.key_bytes, cost.key);
        EXPECT_EQ(total.bytes_sent, cost.sent + packed(count, n)) << "n=" << n;  // + the open
        EXPECT_EQ(total.rounds, cost.rounds + 1) << "n=" << n;
        const auto& entries = run.party_costs[party].entries();
        EXPECT_EQ(entries.at(kRecSqrtBitsLabel).bytes_sent, packed((n - 2) * count, 1));
        EXPECT_EQ(entries.at(kRecSqrtNormalizedLabel).bytes_sent, packed(count, n));
        EXPECT_EQ(entries.at(kRecSqrtIndexLabel).bytes_sent, packed(count, m + 6));
      }
    }
  }
}

TEST(RecSqrt, RejectsBadParameters) {
  auto expect_invalid = [](FixedPoint format, RecSqrtParams params) {
    try {
      rec_sqrt_table(format, params);
      ADD_FAILURE() << "no exception for n=" << format.n << " M=" << params.mantissa_bits;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    }
  };
  expect_invalid({50, 24}, {.output_frac_bits = 12, .divisor = 1, .mantissa_bits = 0});
  expect_invalid({50, 24}, {.output_frac_bits = 12, .divisor = 1, .mantissa_bits = 15});
  expect_invalid({9, 2}, {.output_frac_bits = 2, .divisor = 1, .mantissa_bits = 7});  // n < M + 3
  expect_invalid({50, 24}, {.output_frac_bits = 50, .divisor = 1, .mantissa_bits = 7});
  expect_invalid({50, 24}, {.output_frac_bits = 12, .divisor = 0, .mantissa_bits = 7});
  expect_invalid({50, 24}, {.output_frac_bits = 12, .divisor = NAN, .mantissa_bits = 7});
  ClearEngine engine;
  engine.provide_input(Tensor(Shape{4}, {9, 2}));
  const Masked x = engine.input(Shape{4}, {9, 2});
  EXPECT_EQ(reference::thrown_kind([&] {
              rec_sqrt(engine, x, {.output_frac_bits = 2, .divisor = 1, .mantissa_bits = 7});
            }),
            "invalid argument");
}

}  // namespace
}  // namespace fss::sigma

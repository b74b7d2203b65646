#include "sigma/mul.h"

#include <gtest/gtest.h>

#include <random>

#include "mpc/clear_engine.h"
#include "mpc/local_run.h"
#include "sigma/gap_truncation.h"

namespace fss::sigma {
namespace {

using i128 = __int128;

constexpr i128 pow2(int k) { return static_cast<i128>(1) << k; }

i128 signed_value(uint64_t x, int n) {
  return x >= pow2(n - 1) ? static_cast<i128>(x) - pow2(n) : static_cast<i128>(x);
}
uint64_t to_ring(i128 v, int n) {
  return static_cast<uint64_t>(((v % pow2(n)) + pow2(n)) % pow2(n));
}

// References from the definitions, in 128-bit integers: the product mod 2^n, and
// floor(product / 2^f) of the signed product, reduced mod 2^n.
uint64_t reference_mul(uint64_t a, uint64_t b, int n) {
  return to_ring(static_cast<i128>(static_cast<unsigned __int128>(a) * b % pow2(n)), n);
}
uint64_t reference_mul_truncate(uint64_t a, uint64_t b, int n, int f) {
  const i128 product = signed_value(a, n) * signed_value(b, n);
  i128 q = product / pow2(f);
  if (q * pow2(f) != product && product < 0) --q;  // C++ division rounds toward zero
  return to_ring(q, n);
}
bool product_in_gap(uint64_t a, uint64_t b, int n) {
  const i128 product = signed_value(a, n) * signed_value(b, n);
  return product >= -pow2(n - 2) && product < pow2(n - 2);
}

// f < 0: the plain gates; f >= 0: mul_truncate / square_truncate by f. `square` takes one input.
Program product_program(bool squaring, int f, Shape shape, FixedPoint format) {
  return [=](Engine& engine) {
    const Masked a = engine.input(shape, format);
    if (squaring)
      return std::vector<Masked>{
          engine.open(f < 0 ? square(engine, a) : square_truncate(engine, a, f))};
    const Masked b = engine.input(shape, format);
    return std::vector<Masked>{
        engine.open(f < 0 ? mul(engine, a, b) : mul_truncate(engine, a, b, f))};
  };
}

LocalRunResult run_product(bool squaring, int f, FixedPoint format, const std::vector<uint64_t>& as,
                           const std::vector<uint64_t>& bs, const LocalRunOptions& options) {
  const Shape shape{static_cast<int64_t>(as.size())};
  std::vector<Tensor> inputs = {Tensor(shape, format, as)};
  if (!squaring) inputs.emplace_back(shape, format, bs);
  return run_locally(product_program(squaring, f, shape, format), inputs, options);
}

TEST(Mul, ExhaustiveSmallRingsManyMasks) {
  for (int n = 1; n <= 7; ++n) {
    SCOPED_TRACE(testing::Message() << "n=" << n);
    // Every pair, at least 8 times over, each element with its own fresh masks.
    std::vector<uint64_t> as, bs;
    const uint64_t size = uint64_t{1} << n;
    for (int copy = 0; copy < std::max<int>(8, 16384 >> (2 * n)); ++copy)
      for (uint64_t a = 0; a < size; ++a)
        for (uint64_t b = 0; b < size; ++b) as.push_back(a), bs.push_back(b);
    const LocalRunResult run =
        run_product(false, -1, {n, 0}, as, bs, {.seed = Block{uint64_t(n), 3}});
    for (size_t i = 0; i < as.size(); ++i) {
      ASSERT_EQ(run.clear[0][i], reference_mul(as[i], bs[i], n)) << as[i] << " * " << bs[i];
      ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i]) << as[i] << " * " << bs[i];
    }
  }
}

TEST(Square, ExhaustiveSmallRingsManyMasks) {
  for (int n = 1; n <= 10; ++n) {
    SCOPED_TRACE(testing::Message() << "n=" << n);
    std::vector<uint64_t> xs;
    for (int copy = 0; copy < 8; ++copy)
      for (uint64_t x = 0; x < (uint64_t{1} << n); ++x) xs.push_back(x);
    const LocalRunResult run =
        run_product(true, -1, {n, 0}, xs, {}, {.seed = Block{uint64_t(n), 4}});
    for (size_t i = 0; i < xs.size(); ++i) {
      ASSERT_EQ(run.clear[0][i], reference_mul(xs[i], xs[i], n)) << "x=" << xs[i];
      ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i]) << "x=" << xs[i];
    }
  }
}

// 0, ±1, the largest and smallest values, then uniform ones; `bs` likewise in another order.
std::vector<uint64_t> full_width_values(int n, std::mt19937_64& rng) {
  const Ring ring{n};
  const uint64_t half = uint64_t{1} << (n - 1);
  std::vector<uint64_t> xs = {0, 1, ring.mask(), half - 1, half, half + 1, 2, ring.mask() - 1};
  while (xs.size() < 10'000) xs.push_back(rng() & ring.mask());
  return xs;
}

TEST(MulAndSquare, RandomFullWidthWithEdges) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n : {37, 50, 64}) {
    SCOPED_TRACE(testing::Message() << "n=" << n);
    const std::vector<uint64_t> as = full_width_values(n, rng);
    std::vector<uint64_t> bs = full_width_values(n, rng);
    std::rotate(bs.begin(), bs.begin() + 3, bs.begin() + 8);  // edge times edge, pairwise
    const FixedPoint format{n, 12};
    const LocalRunResult mul_run =
        run_product(false, -1, format, as, bs, {.seed = Block{rng(), rng()}, .tcp = n == 50});
    const LocalRunResult square_run =
        run_product(true, -1, format, as, {}, {.seed = Block{rng(), rng()}, .tcp = n == 37});
    for (size_t i = 0; i < as.size(); ++i) {
      ASSERT_EQ(mul_run.clear[0][i], reference_mul(as[i], bs[i], n)) << as[i] << " * " << bs[i];
      ASSERT_EQ(mul_run.reconstructed[0][i], mul_run.clear[0][i]) << as[i] << " * " << bs[i];
      ASSERT_EQ(square_run.clear[0][i], reference_mul(as[i], as[i], n)) << "x=" << as[i];
      ASSERT_EQ(square_run.reconstructed[0][i], square_run.clear[0][i]) << "x=" << as[i];
    }
  }
}

TEST(MulTruncate, ExhaustiveSmallRingGapInputs) {
  const int n = 7;
  const uint64_t size = uint64_t{1} << n;
  for (int f = 1; f <= n - 2; ++f) {
    SCOPED_TRACE(testing::Message() << "n=" << n << " f=" << f);
    std::vector<uint64_t> as, bs, xs;
    for (int copy = 0; copy < 4; ++copy)
      for (uint64_t a = 0; a < size; ++a) {
        if (product_in_gap(a, a, n)) xs.push_back(a);
        for (uint64_t b = 0; b < size; ++b)
          if (product_in_gap(a, b, n)) as.push_back(a), bs.push_back(b);
      }
    const FixedPoint format{n, 3};
    const LocalRunResult mul_run =
        run_product(false, f, format, as, bs, {.seed = Block{7, uint64_t(f)}});
    const LocalRunResult square_run =
        run_product(true, f, format, xs, {}, {.seed = Block{8, uint64_t(f)}});
    for (size_t i = 0; i < as.size(); ++i) {
      ASSERT_EQ(mul_run.clear[0][i], reference_mul_truncate(as[i], bs[i], n, f))
          << as[i] << " * " << bs[i];
      ASSERT_EQ(mul_run.reconstructed[0][i], mul_run.clear[0][i]) << as[i] << " * " << bs[i];
    }
    for (size_t i = 0; i < xs.size(); ++i) {
      ASSERT_EQ(square_run.clear[0][i], reference_mul_truncate(xs[i], xs[i], n, f))
          << "x=" << xs[i];
      ASSERT_EQ(square_run.reconstructed[0][i], square_run.clear[0][i]) << "x=" << xs[i];
    }
  }
}

TEST(MulTruncate, RandomFixedPointInTheGap) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n : {37, 50, 64}) {
    const int f = 12;
    SCOPED_TRACE(testing::Message() << "n=" << n);
    const Ring ring{n};
    const uint64_t quarter = uint64_t{1} << (n - 2);
    // Products at the gap's edges (-2^{n-2}, 2^{n-2} - 1) and at ±1 ulp, then random factors
    // whose bit lengths add up to at most n - 3.
    std::vector<uint64_t> as = {1, ring.mask(), ring.mask(), uint64_t{1} << (n / 2 - 1),
                                1, ring.mask(), 0,           1};
    std::vector<uint64_t> bs = {
        quarter - 1, quarter, ring.neg(quarter - 1), ring.neg(uint64_t{1} << (n - 2 - (n / 2 - 1))),
        ring.mask(), 1,       ring.mask(),           1};
    std::vector<uint64_t> xs = {0,
                                1,
                                ring.mask(),
                                uint64_t{1} << (n / 2 - 2),
                                ring.neg(uint64_t{1} << (n / 2 - 2)),
                                (uint64_t{1} << (n / 2 - 1)) - 1};
    while (as.size() < 10'000) {
      const int a_bits = static_cast<int>(rng() % (n - 3));
      const uint64_t a = rng() & ((uint64_t{1} << a_bits) - 1);
      const uint64_t b = rng() & ((uint64_t{1} << (n - 3 - a_bits)) - 1);
      as.push_back(rng() & 1 ? ring.neg(a) : a);
      bs.push_back(rng() & 1 ? ring.neg(b) : b);
    }
    while (xs.size() < 10'000) {
      const uint64_t x = rng() & ((uint64_t{1} << ((n - 3) / 2)) - 1);
      xs.push_back(rng() & 1 ? ring.neg(x) : x);
    }
    for (size_t i = 0; i < as.size(); ++i) {
      ASSERT_TRUE(product_in_gap(as[i], bs[i], n)) << "test input " << i;
      ASSERT_TRUE(product_in_gap(xs[i], xs[i], n)) << "test input " << i;
    }
    const FixedPoint format{n, f};
    const LocalRunResult mul_run =
        run_product(false, f, format, as, bs, {.seed = Block{rng(), rng()}, .tcp = n == 50});
    const LocalRunResult square_run =
        run_product(true, f, format, xs, {}, {.seed = Block{rng(), rng()}, .tcp = n == 50});
    for (size_t i = 0; i < as.size(); ++i) {
      ASSERT_EQ(mul_run.clear[0][i], reference_mul_truncate(as[i], bs[i], n, f))
          << as[i] << " * " << bs[i];
      ASSERT_EQ(mul_run.reconstructed[0][i], mul_run.clear[0][i]) << as[i] << " * " << bs[i];
      ASSERT_EQ(square_run.clear[0][i], reference_mul_truncate(xs[i], xs[i], n, f))
          << "x=" << xs[i];
      ASSERT_EQ(square_run.reconstructed[0][i], square_run.clear[0][i]) << "x=" << xs[i];
    }
  }
}

uint64_t packed(uint64_t count, int bits) { return (count * bits + 7) / 8; }

// DPF_{f,1} key bytes (crypto/dpf.h): root 16, 16 and 1 bit per level, leaf 16; the leaf
// resolves min(f, 7) bits.
uint64_t dpf_key(int f) {
  const uint64_t levels = f > 7 ? f - 7 : 0;
  return 16 + 16 * levels + (levels + 7) / 8 + 16;
}

TEST(MulAndSquare, CostsMatchTheFormula) {
  const int n = 50, f = 12;
  const uint64_t count = 1000;
  const FixedPoint format{n, f};
  const std::vector<uint64_t> zeros(count, 0);
  const LocalRunResult mul_run = run_product(false, f, format, zeros, zeros, {});
  const LocalRunResult square_run = run_product(true, f, format, zeros, {}, {});
  const std::string ars_label = GapArsGate(FixedPoint{n, 2 * f}, f).describe();
  // GapARS (gap_truncation.h): 16 + count * (DPF_{f,1} key + 1 + n + f + n bits).
  const uint64_t ars_key =
      16 + count * dpf_key(f) + packed(count, 1) + 2 * packed(count, n) + packed(count, f);
  struct Case {
    const LocalRunResult& run;
    std::string gate_label, open_label;
    uint64_t gate_key;
  };
  for (const Case& c : {Case{mul_run, MulGate(format, format).describe(), "mul_truncate open",
                             3 * packed(count, n)},
                        Case{square_run, SquareGate(format).describe(), "square_truncate open",
                             2 * packed(count, n)}}) {
    SCOPED_TRACE(c.gate_label);
    EXPECT_EQ(c.run.dealer_costs.entries().at(c.gate_label).key_bytes, c.gate_key);
    EXPECT_EQ(c.run.dealer_costs.entries().at(ars_label).key_bytes, ars_key);
    for (int party = 0; party < 2; ++party) {
      const auto& entries = c.run.party_costs[party].entries();
      EXPECT_EQ(entries.at(c.gate_label).key_bytes, c.gate_key);
      EXPECT_EQ(entries.at(c.gate_label).bytes_sent, 0u);
      EXPECT_EQ(entries.at(c.gate_label).rounds, 0u);
      EXPECT_EQ(entries.at(c.open_label).bytes_sent, packed(count, n));
      EXPECT_EQ(entries.at(c.open_label).rounds, 1u);
      EXPECT_EQ(entries.at(ars_label).bytes_sent, packed(count, 1));
      EXPECT_EQ(entries.at(ars_label).rounds, 1u);
    }
  }
}

TEST(MulAndSquare, OutputFormats) {
  EXPECT_EQ(MulGate(FixedPoint{50, 12}, FixedPoint{50, 8}).output_formats()[0],
            (FixedPoint{50, 20}));
  EXPECT_EQ(SquareGate(FixedPoint{50, 12}).output_formats()[0], (FixedPoint{50, 24}));
  ClearEngine engine;
  const FixedPoint format{50, 12};
  engine.provide_input(Tensor(Shape{3}, format));
  const Masked x = engine.input(Shape{3}, format);
  EXPECT_EQ(mul_truncate(engine, x, x, 12).value.fixed_point(), format);
  EXPECT_EQ(square_truncate(engine, x, 16).value.fixed_point(), (FixedPoint{50, 8}));
}

void expect_invalid(auto make) {
  try {
    make();
    ADD_FAILURE() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
  }
}

TEST(MulAndSquare, RejectsBadArguments) {
  expect_invalid([] { MulGate(FixedPoint{10, 0}, FixedPoint{11, 0}); });
  expect_invalid([] { MulGate(FixedPoint{10, 5}, FixedPoint{10, 5}); });
  expect_invalid([] { MulGate(FixedPoint{10, 10}, FixedPoint{10, 0}); });
  expect_invalid([] { SquareGate(FixedPoint{10, 5}); });
  expect_invalid([] { SquareGate(FixedPoint{65, 5}); });
  EXPECT_NO_THROW(MulGate(FixedPoint{10, 5}, FixedPoint{10, 4}));
  for (int f : {0, 9}) {
    expect_invalid([f] {
      ClearEngine engine;
      const FixedPoint format{10, 2};
      engine.provide_input(Tensor(Shape{3}, format));
      const Masked x = engine.input(Shape{3}, format);
      mul_truncate(engine, x, x, f);
    });
  }
}

}  // namespace
}  // namespace fss::sigma

#include "sigma/rotary.h"

#include <gtest/gtest.h>

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
using reference::signed_value;

// Hugging Face Llama's rotary embedding in float64: inv_freq_p = 1 / base^{2p/d} for p < d/2,
// out = x cos + rotate_half(x) sin with rotate_half(x) = [-x_{d/2..d-1}, x_{0..d/2-1}].
struct Rotation {
  double cos;
  double sin;  // the coefficient of x_{(j + d/2) mod d}, its sign included
};
Rotation exact_rotation(int64_t position, int64_t j, int64_t d, double base = 10000) {
  const int64_t p = j % (d / 2);
  const double inv_freq = 1.0 / std::pow(base, static_cast<double>(2 * p) / static_cast<double>(d));
  const double angle = static_cast<double>(position) * inv_freq;
  return {std::cos(angle), j < d / 2 ? -std::sin(angle) : std::sin(angle)};
}

// ARS_{f_c}(a x + b x') in Z_{2^n}, from the definition with 128-bit integers.
uint64_t reference_rotary(uint64_t x, uint64_t partner, uint64_t a, uint64_t b, int n, int fc) {
  const int128 sum = int128(signed_value(x, n)) * signed_value(a, n) +
                     int128(signed_value(partner, n)) * signed_value(b, n);
  return reference::ars(ring_value(sum, n), n, fc);
}

Program rotary_program(Shape shape, FixedPoint format, const RotaryTables& tables) {
  return [shape, format, &tables](Engine& engine) {
    const Masked x = engine.input(shape, format);
    return std::vector<Masked>{engine.open(rotary_embedding(engine, x, tables))};
  };
}

// Checks the clear output against the definition for every element, and the protocol against the
// clear output where the sum lies in GapARS's gap (|a x + b x'| < 2^{n-2}); returns how many did.
int64_t check_rotary(const Tensor& x, const RotaryTables& tables, const LocalRunResult& run) {
  const int n = x.fixed_point().n, fc = tables.cos.fixed_point().f;
  const int64_t d = x.shape()[x.shape().rank() - 1];
  const size_t period = tables.cos.size();
  int64_t in_gap = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t row = i / d, j = i % d;
    const uint64_t partner = x[row * d + (j + d / 2) % d];
    const uint64_t a = tables.cos[i % period], b = tables.sin[i % period];
    EXPECT_EQ(run.clear[0][i], reference_rotary(x[i], partner, a, b, n, fc)) << "element " << i;
    const int128 sum = int128(signed_value(x[i], n)) * signed_value(a, n) +
                       int128(signed_value(partner, n)) * signed_value(b, n);
    const int128 gap = int128{1} << (n - 2);
    if (-gap <= sum && sum < gap) {
      ++in_gap;
      EXPECT_EQ(run.reconstructed[0][i], run.clear[0][i]) << "element " << i;
    }
    if (testing::Test::HasFailure()) return in_gap;
  }
  return in_gap;
}

TEST(Rotary, TablesFollowTheDefinition) {
  for (auto [n, f, d] :
       {std::tuple{48, 12, int64_t{128}}, {37, 12, int64_t{64}}, {8, 4, int64_t{2}}}) {
    const FixedPoint format{n, f};
    const int64_t first = 4000, positions = 96;
    const RotaryTables tables = rotary_tables(format, positions, d, 10000, first);
    ASSERT_EQ(tables.cos.shape(), (Shape{positions, d}));
    ASSERT_EQ(tables.cos.fixed_point(), (FixedPoint{n, f - 3}));
    const double scale = std::ldexp(1.0, f - 3);
    for (int64_t i = 0; i < positions; ++i) {
      for (int64_t j = 0; j < d; ++j) {
        const Rotation r = exact_rotation(first + i, j, d);
        // Rounded to f - 3 fraction bits: within half a step.
        EXPECT_LE(std::abs(signed_value(tables.cos.at({i, j}), n) - r.cos * scale), 0.5 + 1e-9);
        EXPECT_LE(std::abs(signed_value(tables.sin.at({i, j}), n) - r.sin * scale), 0.5 + 1e-9);
      }
    }
  }
}

// Every pair (x_j, x_{j + d/2}) of a 7-bit ring (f = 4, so f_c = 1 and the coefficients are
// in {-2, ..., 2}) at eight positions, with fresh masks per element.
TEST(Rotary, ExhaustiveSmallRing) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const FixedPoint format{7, 4};
  const int64_t positions = 8, d = 2;
  const RotaryTables tables = rotary_tables(format, positions, d, 10000, 0);
  std::vector<uint64_t> xs;
  for (uint64_t u = 0; u < 128; ++u)
    for (uint64_t v = 0; v < 128; ++v)
      for (int64_t i = 0; i < positions; ++i) xs.insert(xs.end(), {u, v});
  const Shape shape{2, 128 * 128 / 2, positions, d};
  const Tensor x(shape, format, xs);
  const LocalRunResult run = run_locally(rotary_program(shape, format, tables), std::span(&x, 1),
                                         {.seed = Block{rng(), rng()}});
  // A quarter of the pairs and positions keep a x + b x' in the gap (2^5 at scale 5).
  EXPECT_GE(check_rotary(x, tables, run), 60'000);
}

TEST(Rotary, RandomFullWidthOverTcp) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n : {37, 48, 50}) {
    SCOPED_TRACE(testing::Message() << "n=" << n);
    const FixedPoint format{n, 12};
    // |x| up to a bound that keeps a x + b x' in the gap: |a x + b x'| <= 1.42 max(|x|, |x'|) 2^9.
    const int64_t limit = static_cast<int64_t>(std::ldexp(1.0, n - 11) / 1.5);
    std::uniform_int_distribution<int64_t> realistic(-8 * 4096, 8 * 4096), wide(-limit, limit);
    // x [B, H, L, d] with tables [L, d].
    const int64_t batch = 2, heads = 2, positions = 40, d = 64;
    const Shape shape{batch, heads, positions, d};
    std::vector<uint64_t> xs = {0, 1, format.ring().mask(), format.ring().from_signed(limit),
                                format.ring().from_signed(-limit)};
    while (xs.size() < shape.size())
      xs.push_back(format.ring().from_signed(xs.size() % 4 ? realistic(rng) : wide(rng)));
    const Tensor x(shape, format, xs);
    const RotaryTables tables = rotary_tables(format, positions, d, 10000, rng() % 1000);
    const LocalRunResult run = run_locally(rotary_program(shape, format, tables), std::span(&x, 1),
                                           {.seed = Block{rng(), rng()}, .tcp = n == 48});
    EXPECT_EQ(check_rotary(x, tables, run), static_cast<int64_t>(x.size()));
  }
}

// x [B, L, H, d] takes tables repeated over the heads, [L, H, d].
TEST(Rotary, HeadsAfterPositions) {
  const FixedPoint format{48, 12};
  const int64_t positions = 5, heads = 3, d = 8;
  const RotaryTables base = rotary_tables(format, positions, d);
  RotaryTables tables{Tensor(Shape{positions, heads, d}, base.cos.fixed_point()),
                      Tensor(Shape{positions, heads, d}, base.cos.fixed_point())};
  for (int64_t i = 0; i < positions; ++i)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t j = 0; j < d; ++j) {
        tables.cos.at({i, h, j}) = base.cos.at({i, j});
        tables.sin.at({i, h, j}) = base.sin.at({i, j});
      }
  std::mt19937_64 rng(3);
  const Shape shape{2, positions, heads, d};
  std::vector<uint64_t> xs;
  for (size_t i = 0; i < shape.size(); ++i) xs.push_back(format.encode((rng() % 4096) / 256.0 - 8));
  const Tensor x(shape, format, xs);
  const LocalRunResult run = run_locally(rotary_program(shape, format, tables), std::span(&x, 1));
  EXPECT_EQ(check_rotary(x, tables, run), static_cast<int64_t>(x.size()));
}

// The clear engine against float64 over a grid of pairs (x_j, x_{j+d/2}) in [-8, 8], step 1/2,
// at d = 128 and positions 0..7 and 4088..4095. The coefficients' rounding to f - 3 = 9 bits
// costs at most (|x| + |x'|) 2^-10 and the floor 1 ulp: at most (|x| + |x'|) 4 + 1 ulp at f = 12.
TEST(Rotary, GridAccuracy) {
  const FixedPoint format{48, 12};
  const int64_t d = 128, positions = 8;
  std::vector<double> grid;
  for (int v = -16; v <= 16; ++v) grid.push_back(v / 2.0);
  double max_ulps = 0, max_beyond_bound = -1e9;
  for (int64_t first : {int64_t{0}, int64_t{4088}}) {
    const RotaryTables tables = rotary_tables(format, positions, d, 10000, first);
    const int64_t pairs = static_cast<int64_t>(grid.size() * grid.size());
    const Shape shape{pairs, positions, d};
    std::vector<uint64_t> xs;
    for (double u : grid)
      for (double v : grid)
        for (int64_t i = 0; i < positions; ++i)
          for (int64_t j = 0; j < d; ++j) xs.push_back(format.encode(j < d / 2 ? u : v));
    ClearEngine engine;
    engine.provide_input(Tensor(shape, format, xs));
    const Masked out =
        engine.open(rotary_embedding(engine, engine.input(shape, format), tables), "open");
    for (size_t e = 0; e < xs.size(); ++e) {
      const int64_t j = e % d, i = (e / d) % positions;
      const double x = format.decode(xs[e]);
      const double partner = format.decode(xs[e - j + (j + d / 2) % d]);
      const Rotation r = exact_rotation(first + i, j, d);
      const double exact = r.cos * x + r.sin * partner;
      const double error = std::abs(format.decode(out.value[e]) - exact) * 4096;
      max_ulps = std::max(max_ulps, error);
      max_beyond_bound =
          std::max(max_beyond_bound, error - (std::abs(x) + std::abs(partner)) * 4 - 1);
    }
  }
  std::printf("rotary over [-8, 8]^2: max %.2f ulp, %.3f ulp beyond (|x| + |x'|) 4 + 1\n", max_ulps,
              max_beyond_bound);
  EXPECT_LE(max_beyond_bound, 0);
  EXPECT_LE(max_ulps, 64);
}

TEST(Rotary, CostsMatchTheFormula) {
  for (int n : {48, 37}) {
    const FixedPoint format{n, 12};
    const Shape shape{2, 3, 10, 16};
    const uint64_t count = shape.size();
    const RotaryTables tables = rotary_tables(format, 10, 16);
    const Tensor x(shape, format);
    const LocalRunResult run = run_locally(rotary_program(shape, format, tables), std::span(&x, 1));
    EXPECT_EQ(run.dealer_costs.total().key_bytes, reference::gap_ars_key(count, n, 9));
    for (int party = 0; party < 2; ++party) {
      const Cost total = run.party_costs[party].total();
      EXPECT_EQ(total.bytes_sent, packed(count, 1) + packed(count, n));  // + the caller's open
      EXPECT_EQ(total.rounds, 2u);
    }
  }
}

TEST(Rotary, RejectsBadArguments) {
  const FixedPoint format{48, 12};
  EXPECT_EQ(reference::thrown_kind([&] { rotary_tables(format, 4, 7); }),
            "invalid argument");  // odd d
  EXPECT_EQ(reference::thrown_kind([&] { rotary_tables(format, 0, 8); }),
            "invalid argument");  // no positions
  EXPECT_EQ(reference::thrown_kind([&] {
              rotary_tables({48, 3}, 4, 8);
            }),
            "invalid argument");  // f - 3 < 1
  EXPECT_EQ(reference::thrown_kind([&] { rotary_tables(format, 4, 8, 1.0); }),
            "invalid argument");  // base
  EXPECT_EQ(reference::thrown_kind([&] { rotary_tables(format, 4, 8, 10000, -1); }),
            "invalid argument");
  const RotaryTables tables = rotary_tables(format, 4, 8);
  auto expect_invalid = [&](const Shape& shape, FixedPoint x_format, const RotaryTables& t) {
    ClearEngine engine;
    engine.provide_input(Tensor(shape, x_format));
    const Masked x = engine.input(shape, x_format);
    try {
      rotary_embedding(engine, x, t);
      ADD_FAILURE() << "no exception for " << shape.to_string();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    }
  };
  expect_invalid(Shape{2, 5, 8}, format, tables);    // positions differ
  expect_invalid(Shape{2, 4, 6}, format, tables);    // d differs
  expect_invalid(Shape{2, 4, 8}, {37, 12}, tables);  // widths differ
  RotaryTables mismatched = tables;
  mismatched.sin = Tensor(Shape{4, 8}, {48, 8});
  expect_invalid(Shape{2, 4, 8}, format, mismatched);
}

}  // namespace
}  // namespace fss::sigma

#include "sigma/ars.h"

#include <gtest/gtest.h>

#include <random>

#include "mpc/clear_engine.h"
#include "mpc/local_run.h"
#include "mpc/truncate_reduce.h"
#include "sigma/sign_extend.h"

namespace fss::sigma {
namespace {

using i128 = __int128;

constexpr i128 pow2(int k) { return static_cast<i128>(1) << k; }

// From the definition, in 128-bit integers: floor(v / 2^f) of the n-bit two's complement value
// v of x, reduced mod 2^n.
uint64_t reference_ars(uint64_t x, int n, int f) {
  const i128 v = x >= pow2(n - 1) ? static_cast<i128>(x) - pow2(n) : static_cast<i128>(x);
  i128 q = v / pow2(f);
  if (q * pow2(f) != v && v < 0) --q;  // C++ division rounds toward zero
  return static_cast<uint64_t>(((q % pow2(n)) + pow2(n)) % pow2(n));
}

Program ars_program(int f, Shape shape, FixedPoint format) {
  return [=](Engine& engine) {
    const Masked x = engine.input(shape, format);
    return std::vector<Masked>{engine.open(ars(engine, x, f))};
  };
}

LocalRunResult run_ars(int f, FixedPoint format, const std::vector<uint64_t>& xs,
                       const LocalRunOptions& options) {
  const Shape shape{static_cast<int64_t>(xs.size())};
  const Tensor input(shape, format, xs);
  return run_locally(ars_program(f, shape, format), std::span(&input, 1), options);
}

TEST(Ars, ExhaustiveSmallRingsManyMasks) {
  for (int n = 2; n <= 10; ++n) {
    for (int f = 1; f < n; ++f) {
      SCOPED_TRACE(testing::Message() << "n=" << n << " f=" << f);
      // Every n-bit x (no gap), 8 times over, each element with its own fresh masks.
      std::vector<uint64_t> xs;
      for (int copy = 0; copy < 8; ++copy)
        for (uint64_t x = 0; x < (uint64_t{1} << n); ++x) xs.push_back(x);
      const LocalRunResult run = run_ars(f, {n, 0}, xs, {.seed = Block{uint64_t(n), uint64_t(f)}});
      for (size_t i = 0; i < xs.size(); ++i) {
        ASSERT_EQ(run.clear[0][i], reference_ars(xs[i], n, f)) << "x=" << xs[i];
        ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i]) << "x=" << xs[i];
      }
    }
  }
}

TEST(Ars, RandomFullWidthWithEdges) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (auto [n, f] : {std::pair{37, 12}, {50, 12}, {64, 12}, {64, 63}, {64, 1}, {20, 19}}) {
    SCOPED_TRACE(testing::Message() << "n=" << n << " f=" << f);
    const Ring ring{n};
    const uint64_t half = uint64_t{1} << (n - 1), step = uint64_t{1} << f;
    // 0, ±1, ±2^f and neighbours, the largest and smallest n-bit values, then uniform ones.
    std::vector<uint64_t> xs = {0, 1, step - 1, step, step + 1, half - 1, half, half + 1};
    for (uint64_t v : {uint64_t{1}, step - 1, step, step + 1}) xs.push_back(ring.neg(v));
    while (xs.size() < 10'000) xs.push_back(rng() & ring.mask());
    const LocalRunResult run =
        run_ars(f, {n, std::min(f, n - 1)}, xs, {.seed = Block{rng(), rng()}, .tcp = n == 50});
    for (size_t i = 0; i < xs.size(); ++i) {
      ASSERT_EQ(run.clear[0][i], reference_ars(xs[i], n, f)) << "x=" << xs[i];
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

TEST(Ars, CostsMatchTheFormula) {
  const int n = 50, f = 12, m = n - f;
  const uint64_t count = 1000;
  const FixedPoint format{n, f};
  const LocalRunResult run = run_ars(f, format, std::vector<uint64_t>(count, 0), {});
  const std::string tr_label = TruncateReduceGate(format, f).describe();
  const std::string extend_label = SignExtendGate(FixedPoint{m, 0}, n).describe();
  // truncate_reduce: DPF_{f,1} + 1 + 2(n - f) bits; sign_extend: DPF_{m,1} + 1 + (n - m) + n.
  const uint64_t tr_key = 16 + count * dpf_key(f) + packed(count, 1) + 2 * packed(count, m);
  const uint64_t extend_key =
      16 + count * dpf_key(m) + packed(count, 1) + packed(count, n - m) + packed(count, n);
  EXPECT_EQ(run.dealer_costs.entries().at(tr_label).key_bytes, tr_key);
  EXPECT_EQ(run.dealer_costs.entries().at(extend_label).key_bytes, extend_key);
  EXPECT_EQ(run.dealer_costs.total().key_bytes, tr_key + extend_key);
  for (int party = 0; party < 2; ++party) {
    const auto& entries = run.party_costs[party].entries();
    EXPECT_EQ(entries.at(tr_label).bytes_sent, packed(count, 1));
    EXPECT_EQ(entries.at("ars open").bytes_sent, packed(count, m));
    EXPECT_EQ(entries.at(extend_label).bytes_sent, packed(count, 1));
    // The program's final open (label "open") is not part of ars.
    const Cost total = run.party_costs[party].total();
    const Cost final_open = entries.at("open");
    EXPECT_EQ(total.rounds - final_open.rounds, 3u);
    EXPECT_EQ(total.bytes_sent - final_open.bytes_sent, 2 * packed(count, 1) + packed(count, m));
  }
}

// ars applied on the clear engine to a tensor of the given format.
Shared clear_ars(FixedPoint format, int f) {
  ClearEngine engine;
  engine.provide_input(Tensor(Shape{4}, format));
  return ars(engine, engine.input(Shape{4}, format), f);
}

TEST(Ars, OutputFormat) {
  EXPECT_EQ(clear_ars({50, 24}, 12).value.fixed_point(), (FixedPoint{50, 12}));
  EXPECT_EQ(clear_ars({50, 12}, 12).value.fixed_point(), (FixedPoint{50, 0}));
  EXPECT_EQ(clear_ars({50, 4}, 12).value.fixed_point(), (FixedPoint{50, 0}));
}

TEST(Ars, RejectsBadShift) {
  for (int f : {0, 10, 11}) {
    try {
      clear_ars({10, 0}, f);
      ADD_FAILURE() << "no exception for f=" << f;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    }
  }
}

}  // namespace
}  // namespace fss::sigma

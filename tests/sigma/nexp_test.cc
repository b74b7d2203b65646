#include "sigma/nexp.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <random>

#include "crypto/dpf.h"
#include "mpc/clear_engine.h"
#include "mpc/local_run.h"
#include "mpc/lut.h"
#include "mpc/select.h"
#include "mpc/truncate_reduce.h"
#include "sigma/drelu.h"
#include "sigma/gap_truncation.h"
#include "sigma/mul.h"

namespace fss::sigma {
namespace {

// e^{-x} as PROTOCOLS.md §6 step 2 defines it on raw values x >= 0 with f fraction bits: clip at
// 2^16 - 1, split into bytes, floor(e^{-byte value} 2^f) for each, multiply, drop f bits.
uint64_t reference_nexp(uint64_t x, int f) {
  const uint64_t c = std::min<uint64_t>(x, 65535);
  const double scale = std::ldexp(1.0, f);
  const auto high =
      static_cast<uint64_t>(std::floor(std::exp(-double(c >> 8) * 256 / scale) * scale));
  const auto low = static_cast<uint64_t>(std::floor(std::exp(-double(c & 255) / scale) * scale));
  return (high * low) >> f;
}

uint64_t packed(uint64_t count, int bits) { return (count * bits + 7) / 8; }
uint64_t dpf(int bits) { return dpf_key_bytes({bits, 1}); }

Program nexp_program(Shape shape, FixedPoint format) {
  return [shape, format](Engine& engine) {
    return std::vector<Masked>{engine.open(nexp(engine, engine.input(shape, format)))};
  };
}

void check_protocol(FixedPoint format, const std::vector<uint64_t>& xs, LocalRunOptions options) {
  const Shape shape{static_cast<int64_t>(xs.size())};
  const Tensor input(shape, format, xs);
  const LocalRunResult run =
      run_locally(nexp_program(shape, format), std::span(&input, 1), options);
  for (size_t i = 0; i < xs.size(); ++i) {
    ASSERT_EQ(run.clear[0][i], reference_nexp(xs[i], format.f))
        << format.to_string() << " x=" << xs[i];
    ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i]) << format.to_string() << " x=" << xs[i];
  }
}

TEST(Nexp, EveryInputOfTheSmallestRing) {
  // n = 17, f = 2 (m = 17): every value of the ring, read as unsigned, is a valid input.
  std::vector<uint64_t> xs(uint64_t{1} << 17);
  for (uint64_t x = 0; x < xs.size(); ++x) xs[x] = x;
  check_protocol({17, 2}, xs, {.seed = Block{17, 2}});
}

TEST(Nexp, EveryInputBelowTwiceTheClipAtF12) {
  // n = 27 (m = 17): the domain [0, 2^16) and every clipped input up to 2^17.
  std::vector<uint64_t> xs(uint64_t{1} << 17);
  for (uint64_t x = 0; x < xs.size(); ++x) xs[x] = x;
  check_protocol({27, 12}, xs, {.seed = Block{27, 12}});
}

TEST(Nexp, RandomFullWidthWithEdges) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n : {50, 37, 64}) {
    const int f = 12, m = n - f + 2;
    const uint64_t domain = uint64_t{1} << (m - 1);
    std::vector<uint64_t> xs = {0,     1,     2,     255,        256,        4095,
                                4096,  65534, 65535, 65536,      65537,      131071,
                                34308, 34304, 34303, domain - 1, domain - 2, domain / 2};
    std::uniform_int_distribution<uint64_t> near(0, 1 << 17), anywhere(0, domain - 1);
    while (xs.size() < 10'000) xs.push_back(xs.size() % 2 ? near(rng) : anywhere(rng));
    check_protocol({n, f}, xs, {.seed = Block{rng(), rng()}, .tcp = n == 50});
  }
}

TEST(Nexp, DenseGridAccuracy) {
  // Every representable x in [0, 32) at f = 12 in the clear engine, against float64 e^{-x}.
  const FixedPoint format{50, 12};
  const double ulp = std::ldexp(1.0, -format.f);
  std::vector<uint64_t> xs(uint64_t{1} << 17);
  for (uint64_t x = 0; x < xs.size(); ++x) xs[x] = x;
  ClearEngine clear;
  clear.provide_input(Tensor(Shape{static_cast<int64_t>(xs.size())}, format, xs));
  const Shared out = nexp(clear, clear.input(Shape{static_cast<int64_t>(xs.size())}, format));
  double max_exact = 0, max_rounded = 0;
  for (uint64_t x : xs) {
    const double exact = std::exp(-double(x) * ulp) / ulp;
    const double value = double(out.value[x]);
    ASSERT_EQ(out.value[x], reference_nexp(x, format.f)) << x;
    max_exact = std::max(max_exact, std::abs(value - exact));
    max_rounded = std::max(max_rounded, std::abs(value - std::round(exact)));
  }
  // floor(t1 t0 / 2^f) with t1, t0 floored lies below e^{-x} 2^f by less than
  // (t1 + t0 + 1) / 2^f + 1 <= 3 + 2^-f ulp; measured 2.64 ulp exact, 3 rounded.
  EXPECT_LE(max_exact, 2.65) << "measured " << max_exact;
  EXPECT_LE(max_rounded, 3.0) << "measured " << max_rounded;
  EXPECT_EQ(out.value[0], uint64_t{1} << format.f);  // e^0 = 1 exactly
}

TEST(Nexp, CostsMatchTheFormula) {
  const int n = 50, f = 12, m = n - f + 2;
  const uint64_t count = 1000;
  const Shape shape{static_cast<int64_t>(count)};
  const Tensor input(shape, {n, f});
  const LocalRunResult run = run_locally(nexp_program(shape, {n, f}), std::span(&input, 1));

  // Gate labels as the gates describe themselves.
  const std::vector<uint64_t> no_table(256);
  const std::string drelu = DreluGate({n, f}, m, {-65536}).describe();
  const std::string select = SelectGate({16, 0}).describe();
  const std::string truncate = TruncateReduceGate({16, 0}, 8).describe();
  const std::string lut_high = LutGate(kNexpHighTable, {8, 0}, {n, f}, no_table).describe();
  const std::string lut_low = LutGate(kNexpLowTable, {8, 0}, {n, f}, no_table).describe();
  const std::string product = MulGate({n, f}, {n, f}).describe();
  const std::string gap_ars = GapArsGate({n, 2 * f}, f).describe();
  const std::map<std::string, uint64_t> key = {
      {drelu, 16 + count * dpf(m - 1) + packed(count, 1)},
      {select, 3 * packed(count, 16)},
      {truncate, 16 + count * dpf(8) + packed(count, 1) + 2 * packed(count, 8)},
      {lut_high, 16 + count * dpf(8) + 2 * packed(count, n)},
      {lut_low, 16 + count * dpf(8) + 2 * packed(count, n)},
      {product, 3 * packed(count, n)},
      {gap_ars, 16 + count * dpf(f) + packed(count, 1) + 2 * packed(count, n) + packed(count, f)},
  };
  const std::map<std::string, std::pair<uint64_t, uint64_t>> sent = {
      // bytes, rounds
      {kNexpClipBitLabel, {packed(count, 1), 1}},
      {kNexpClippedLabel, {packed(count, 16), 1}},
      {truncate, {packed(count, 1), 1}},
      {kNexpHighByteLabel, {packed(count, 8), 1}},
      {lut_high, {packed(count, n), 1}},
      {lut_low, {packed(count, n), 1}},
      {kNexpTablesLabel, {packed(2 * count, n), 1}},
      {"mul_truncate open", {packed(count, n), 1}},
      {gap_ars, {packed(count, 1), 1}},
      {"open", {packed(count, n), 1}},  // the test's open of the result
  };
  uint64_t key_total = 0, sent_total = 0, rounds_total = 0;
  for (const auto& [label, bytes] : key) {
    ASSERT_TRUE(run.dealer_costs.entries().contains(label)) << label;
    EXPECT_EQ(run.dealer_costs.entries().at(label).key_bytes, bytes) << label;
    key_total += bytes;
  }
  for (const auto& [label, cost] : sent) sent_total += cost.first, rounds_total += cost.second;
  EXPECT_EQ(rounds_total, 10u);  // 9 in nexp, 1 for the result
  EXPECT_EQ(run.dealer_costs.total().key_bytes, key_total);
  // The header's per-element summary.
  EXPECT_EQ(key_total, 80 + count * (dpf(m - 1) + 3 * dpf(8) + dpf(f)) + 3 * packed(count, 1) +
                           8 * count + 9 * packed(count, n) + packed(count, f));
  for (int party = 0; party < 2; ++party) {
    const auto& entries = run.party_costs[party].entries();
    for (const auto& [label, cost] : sent) {
      ASSERT_TRUE(entries.contains(label)) << label;
      EXPECT_EQ(entries.at(label).bytes_sent, cost.first) << label;
      EXPECT_EQ(entries.at(label).rounds, cost.second) << label;
    }
    EXPECT_EQ(run.party_costs[party].total().bytes_sent, sent_total);
    EXPECT_EQ(run.party_costs[party].total().rounds, rounds_total);
    EXPECT_EQ(run.party_costs[party].total().key_bytes, key_total);
  }
}

TEST(Nexp, RejectsBadArguments) {
  const auto run_on = [](FixedPoint format) {
    ClearEngine clear;
    clear.provide_input(Tensor(Shape{4}, format));
    nexp(clear, clear.input(Shape{4}, format));
  };
  for (FixedPoint format : {FixedPoint{50, 13}, FixedPoint{50, 1}, FixedPoint{26, 12},
                            FixedPoint{16, 2}, FixedPoint{24, 10}}) {
    try {
      run_on(format);
      ADD_FAILURE() << "no error for " << format.to_string();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    }
  }
  EXPECT_NO_THROW(run_on({27, 12}));
  EXPECT_NO_THROW(run_on({17, 2}));
}

}  // namespace
}  // namespace fss::sigma

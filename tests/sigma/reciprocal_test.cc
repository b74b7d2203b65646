#include "sigma/reciprocal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "crypto/dpf.h"
#include "mpc/clear_engine.h"
#include "mpc/local_run.h"
#include "mpc/lut.h"
#include "mpc/truncate_reduce.h"

namespace fss::sigma {
namespace {

// ceil(log2(k + 1)) by counting.
int log2_ceil_of_successor(int64_t k) {
  int bits = 0;
  while ((int64_t{1} << bits) < k + 1) ++bits;
  return bits;
}

// PROTOCOLS.md §6 step 4 on raw values: keep p bits of z, drop f - 6 of them, and divide 2^{f+6}
// by the index (index 0 reads as 1).
uint64_t reference_reciprocal(uint64_t z, int f, int64_t k) {
  const int p = f + log2_ceil_of_successor(k);
  const uint64_t index = (z % (uint64_t{1} << p)) / (uint64_t{1} << (f - 6));
  return (uint64_t{1} << (f + 6)) / std::max<uint64_t>(index, 1);
}

uint64_t packed(uint64_t count, int bits) { return (count * bits + 7) / 8; }
uint64_t dpf(int bits) { return dpf_key_bytes({bits, 1}); }

Program reciprocal_program(Shape shape, FixedPoint format, int64_t k) {
  return [shape, format, k](Engine& engine) {
    return std::vector<Masked>{
        engine.open(softmax_reciprocal(engine, engine.input(shape, format), k))};
  };
}

void check_protocol(FixedPoint format, int64_t k, const std::vector<uint64_t>& zs,
                    LocalRunOptions options) {
  const Shape shape{static_cast<int64_t>(zs.size())};
  const Tensor input(shape, format, zs);
  const LocalRunResult run =
      run_locally(reciprocal_program(shape, format, k), std::span(&input, 1), options);
  for (size_t i = 0; i < zs.size(); ++i) {
    ASSERT_EQ(run.clear[0][i], reference_reciprocal(zs[i], format.f, k))
        << format.to_string() << " k=" << k << " z=" << zs[i];
    ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i])
        << format.to_string() << " k=" << k << " z=" << zs[i];
  }
}

TEST(Reciprocal, EveryInputOfASmallRingManyMasks) {
  // n = 14, f = 7, k = 3: p = 9, q = 8; every ring value (in the domain [128, 384] or not),
  // four times over.
  std::vector<uint64_t> zs;
  for (int copy = 0; copy < 4; ++copy)
    for (uint64_t z = 0; z < (uint64_t{1} << 14); ++z) zs.push_back(z);
  check_protocol({14, 7}, 3, zs, {.seed = Block{14, 7}});
}

TEST(Reciprocal, SoftmaxDenominatorsAtFullWidth) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const int f = 12;
  const uint64_t one = uint64_t{1} << f, step = uint64_t{1} << (f - 6);
  for (int n : {50, 37}) {
    for (int64_t k : {1, 2, 3, 7, 128}) {
      SCOPED_TRACE(testing::Message() << "n=" << n << " k=" << k);
      const uint64_t top = k * one;
      std::vector<uint64_t> zs = {one, one + 1, one + step - 1, one + step, top, top - 1};
      std::uniform_int_distribution<uint64_t> sum(one, top);
      while (zs.size() < 10'000) zs.push_back(sum(rng));
      check_protocol({n, f}, k, zs, {.seed = Block{rng(), rng()}, .tcp = n == 37 && k == 7});
    }
  }
}

TEST(Reciprocal, DenseGridAccuracy) {
  // Every representable z in [1, 128] at f = 12 in the clear engine, against float64 1 / z.
  const FixedPoint format{50, 12};
  const int64_t k = 128;
  const uint64_t one = uint64_t{1} << format.f;
  std::vector<uint64_t> zs;
  for (uint64_t z = one; z <= k * one; ++z) zs.push_back(z);
  const Shape shape{static_cast<int64_t>(zs.size())};
  ClearEngine clear;
  clear.provide_input(Tensor(shape, format, zs));
  const Shared out = softmax_reciprocal(clear, clear.input(shape, format), k);
  double max_above = 0, max_below = 0, max_rounded = 0;
  for (size_t i = 0; i < zs.size(); ++i) {
    ASSERT_EQ(out.value[i], reference_reciprocal(zs[i], format.f, k)) << zs[i];
    const double exact = double(one) * double(one) / double(zs[i]);  // 2^f / (z / 2^f)
    const double error = double(out.value[i]) - exact;
    max_above = std::max(max_above, error);
    max_below = std::max(max_below, -error);
    max_rounded = std::max(max_rounded, std::abs(double(out.value[i]) - std::round(exact)));
  }
  // The index drops z's low f - 6 bits: 2^{f+6} / i - 2^f / z < 2^{f+6} / (i (i + 1)) <= 2^f / 65
  // (63.02 ulp at f = 12); the table's floor loses less than 1 ulp. Measured 62.05 above, 0.9999
  // below, 62 rounded.
  EXPECT_LE(max_above, 4096.0 / 65) << "measured " << max_above;
  EXPECT_LT(max_below, 1.0) << "measured " << max_below;
  EXPECT_LE(max_rounded, 63.0) << "measured " << max_rounded;
}

TEST(Reciprocal, CostsMatchTheFormula) {
  const int n = 50, f = 12;
  const int64_t k = 128;
  const int p = 12 + 8, q = 6 + 8;
  const uint64_t count = 500;
  const Shape shape{static_cast<int64_t>(count)};
  const Tensor input(shape, {n, f}, std::vector<uint64_t>(count, 5000));
  const LocalRunResult run =
      run_locally(reciprocal_program(shape, {n, f}, k), std::span(&input, 1));

  const std::string truncate = TruncateReduceGate({p, f}, f - 6).describe();
  const std::string lut =
      LutGate(kReciprocalTable, {q, 6}, {n, f}, std::vector<uint64_t>(1 << q)).describe();
  const uint64_t truncate_key = 16 + count * dpf(f - 6) + packed(count, 1) + 2 * packed(count, q);
  const uint64_t lut_key = 16 + count * dpf(q) + 2 * packed(count, n);
  EXPECT_EQ(run.dealer_costs.entries().at(truncate).key_bytes, truncate_key);
  EXPECT_EQ(run.dealer_costs.entries().at(lut).key_bytes, lut_key);
  EXPECT_EQ(run.dealer_costs.total().key_bytes, truncate_key + lut_key);
  EXPECT_EQ(truncate_key + lut_key, 32 + count * (dpf(f - 6) + dpf(q)) + packed(count, 1) +
                                        2 * packed(count, q) + 2 * packed(count, n));
  for (int party = 0; party < 2; ++party) {
    const auto& entries = run.party_costs[party].entries();
    EXPECT_EQ(entries.at(truncate).bytes_sent, packed(count, 1));
    EXPECT_EQ(entries.at(kReciprocalIndexLabel).bytes_sent, packed(count, q));
    EXPECT_EQ(entries.at(lut).bytes_sent, packed(count, n));
    EXPECT_EQ(entries.at("open").bytes_sent, packed(count, n));  // the test's open
    EXPECT_EQ(run.party_costs[party].total().rounds, 3u + 1u);
    EXPECT_EQ(run.party_costs[party].total().bytes_sent,
              packed(count, 1) + packed(count, q) + 2 * packed(count, n));
  }
}

TEST(Reciprocal, RejectsBadArguments) {
  const auto run_on = [](FixedPoint format, int64_t k) {
    ClearEngine clear;
    clear.provide_input(Tensor(Shape{4}, format));
    softmax_reciprocal(clear, clear.input(Shape{4}, format), k);
  };
  const std::pair<FixedPoint, int64_t> bad[] = {
      {{50, 12}, 0},        // no terms
      {{50, 6}, 8},         // f - 6 = 0 fraction bits to drop
      {{50, 12}, 1 << 14},  // q = 21 > the LUT's 20 bits
      {{20, 12}, 1000},     // p = 22 > n
      {{18, 12}, 1},        // 2^{f+6} does not fit n bits
  };
  for (const auto& [format, k] : bad) {
    try {
      run_on(format, k);
      ADD_FAILURE() << "no error for " << format.to_string() << " k=" << k;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    }
  }
  EXPECT_NO_THROW(run_on({50, 12}, (1 << 14) - 1));
  EXPECT_NO_THROW(run_on({19, 12}, 1));
}

}  // namespace
}  // namespace fss::sigma

#include "sigma/gap_truncation.h"

#include <gtest/gtest.h>

#include <random>

#include "mpc/local_run.h"

namespace fss::sigma {
namespace {

using i128 = __int128;

constexpr i128 pow2(int k) { return static_cast<i128>(1) << k; }

// Shifts from the definitions, in 128-bit integers: LRS = floor(x / 2^f) of the unsigned value,
// ARS = floor(v / 2^f) of the two's complement value v, reduced mod 2^n.
uint64_t reference_lrs(uint64_t x, int f) { return static_cast<uint64_t>(x / pow2(f)); }

uint64_t reference_ars(uint64_t x, int n, int f) {
  const i128 v = x >= pow2(n - 1) ? static_cast<i128>(x) - pow2(n) : static_cast<i128>(x);
  i128 q = v / pow2(f);
  if (q * pow2(f) != v && v < 0) --q;  // C++ division rounds toward zero
  return static_cast<uint64_t>(((q % pow2(n)) + pow2(n)) % pow2(n));
}

uint64_t reference(bool arithmetic, uint64_t x, int n, int f) {
  return arithmetic ? reference_ars(x, n, f) : reference_lrs(x, f);
}

// The gate's domain: [0, 2^{n-1}) for LRS, [0, 2^{n-2}) ∪ [2^n - 2^{n-2}, 2^n) for ARS.
std::vector<uint64_t> whole_domain(bool arithmetic, int n) {
  std::vector<uint64_t> xs;
  const uint64_t size = uint64_t{1} << n;
  for (uint64_t x = 0; x < size; ++x)
    if (arithmetic ? (x < size / 4 || x >= size - size / 4) : x < size / 2) xs.push_back(x);
  return xs;
}

Program shift_program(bool arithmetic, int f, Shape shape, FixedPoint format) {
  return [=](Engine& engine) {
    const Masked x = engine.input(shape, format);
    return std::vector<Masked>{
        engine.open(arithmetic ? gap_ars(engine, x, f) : gap_lrs(engine, x, f))};
  };
}

LocalRunResult run_shift(bool arithmetic, int f, FixedPoint format, const std::vector<uint64_t>& xs,
                         const LocalRunOptions& options) {
  const Shape shape{static_cast<int64_t>(xs.size())};
  const Tensor input(shape, format, xs);
  return run_locally(shift_program(arithmetic, f, shape, format), std::span(&input, 1), options);
}

const char* name(bool arithmetic) { return arithmetic ? "gap_ars" : "gap_lrs"; }

TEST(GapTruncation, ExhaustiveSmallRingsManyMasks) {
  for (bool arithmetic : {false, true}) {
    for (int n = 2; n <= 10; ++n) {
      for (int f = 1; f <= (arithmetic ? n - 2 : n - 1); ++f) {
        SCOPED_TRACE(testing::Message() << name(arithmetic) << " n=" << n << " f=" << f);
        // The whole domain 8 times over, each element with its own fresh mask.
        const std::vector<uint64_t> domain = whole_domain(arithmetic, n);
        std::vector<uint64_t> xs;
        for (int copy = 0; copy < 8; ++copy) xs.insert(xs.end(), domain.begin(), domain.end());
        const LocalRunResult run =
            run_shift(arithmetic, f, {n, 0}, xs, {.seed = Block{uint64_t(n * 64 + f), arithmetic}});
        for (size_t i = 0; i < xs.size(); ++i) {
          ASSERT_EQ(run.clear[0][i], reference(arithmetic, xs[i], n, f)) << "x=" << xs[i];
          ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i]) << "x=" << xs[i];
        }
      }
    }
  }
}

// 10^4 inputs of the domain: its edges, values around 0 and 2^f, then uniform ones.
std::vector<uint64_t> full_width_inputs(bool arithmetic, int n, int f, std::mt19937_64& rng) {
  const Ring ring{n};
  const uint64_t quarter = uint64_t{1} << (n - 2), step = uint64_t{1} << f;
  std::vector<uint64_t> xs = {0, 1, step - 1, step, step + 1, quarter - 1, quarter, quarter + 1};
  if (arithmetic) {
    for (uint64_t v : {uint64_t{1}, step - 1, step, step + 1, quarter - 1, quarter})
      xs.push_back(ring.neg(v));
  } else {
    for (uint64_t v : {2 * quarter - 1, 2 * quarter - step, 2 * quarter - step - 1})
      xs.push_back(v);
  }
  while (xs.size() < 10'000) {
    const uint64_t offset_value = rng() & (2 * quarter - 1);  // [0, 2^{n-1})
    xs.push_back(arithmetic ? ring.sub(offset_value, quarter) : offset_value);
  }
  return xs;
}

TEST(GapTruncation, RandomFullWidthWithEdges) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (bool arithmetic : {false, true}) {
    for (auto [n, f] : {std::pair{37, 12}, {50, 12}, {64, 12}, {64, 1}, {64, 62}, {20, 18}}) {
      SCOPED_TRACE(testing::Message() << name(arithmetic) << " n=" << n << " f=" << f);
      const std::vector<uint64_t> xs = full_width_inputs(arithmetic, n, f, rng);
      const LocalRunResult run = run_shift(arithmetic, f, {n, std::min(f, n - 1)}, xs,
                                           {.seed = Block{rng(), rng()}, .tcp = n == 50});
      for (size_t i = 0; i < xs.size(); ++i) {
        ASSERT_EQ(run.clear[0][i], reference(arithmetic, xs[i], n, f)) << "x=" << xs[i];
        ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i]) << "x=" << xs[i];
      }
    }
  }
}

// Outside the domain only Lemma 2's wrap bit can be wrong: the error is 0 or ±2^{n-f}.
TEST(GapTruncation, OutsideTheDomainTheErrorIsTheWrapTerm) {
  const int n = 12, f = 4;
  const uint64_t wrap_term = uint64_t{1} << (n - f), ring_mask = (uint64_t{1} << n) - 1;
  for (bool arithmetic : {false, true}) {
    SCOPED_TRACE(name(arithmetic));
    const std::vector<uint64_t> domain = whole_domain(arithmetic, n);
    std::vector<uint64_t> xs;
    for (int copy = 0; copy < 4; ++copy)
      for (uint64_t x = 0; x <= ring_mask; ++x)
        if (!std::binary_search(domain.begin(), domain.end(), x)) xs.push_back(x);
    const LocalRunResult run = run_shift(arithmetic, f, {n, 0}, xs, {.seed = Block{5, 5}});
    size_t wrong = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      const uint64_t error = (run.reconstructed[0][i] - run.clear[0][i]) & ring_mask;
      ASSERT_TRUE(error == 0 || error == wrap_term || error == ring_mask + 1 - wrap_term)
          << "x=" << xs[i] << " error=" << error;
      wrong += error != 0;
    }
    EXPECT_GT(wrong, xs.size() / 10);  // the domain is a real precondition
  }
}

uint64_t packed(uint64_t count, int bits) { return (count * bits + 7) / 8; }

// DPF_{f,1} key bytes (crypto/dpf.h): root 16, 16 and 1 bit per level, leaf 16; the leaf
// resolves min(f, 7) bits.
uint64_t dpf_key(int f) {
  const uint64_t levels = f > 7 ? f - 7 : 0;
  return 16 + 16 * levels + (levels + 7) / 8 + 16;
}

TEST(GapTruncation, CostsMatchTheFormula) {
  const uint64_t count = 1000;
  for (bool arithmetic : {false, true}) {
    for (auto [n, f] : {std::pair{50, 12}, {37, 5}}) {
      SCOPED_TRACE(testing::Message() << name(arithmetic) << " n=" << n << " f=" << f);
      const FixedPoint format{n, f};
      const std::vector<uint64_t> zeros(count, 0);
      const LocalRunResult run = run_shift(arithmetic, f, format, zeros, {});
      const std::string label =
          arithmetic ? GapArsGate(format, f).describe() : GapLrsGate(format, f).describe();
      // Header: 16 + count * (DPF_{f,1} key + 1 + n + f + n bits), fields packed apiece.
      const uint64_t expected_key =
          16 + count * dpf_key(f) + packed(count, 1) + 2 * packed(count, n) + packed(count, f);
      EXPECT_EQ(run.dealer_costs.entries().at(label).key_bytes, expected_key);
      for (int party = 0; party < 2; ++party) {
        const Cost cost = run.party_costs[party].entries().at(label);
        EXPECT_EQ(cost.key_bytes, expected_key);
        EXPECT_EQ(cost.bytes_sent, packed(count, 1));
        EXPECT_EQ(cost.rounds, 1u);
      }
    }
  }
}

TEST(GapTruncation, OutputFormat) {
  EXPECT_EQ(GapArsGate(FixedPoint{50, 24}, 12).output_formats()[0], (FixedPoint{50, 12}));
  EXPECT_EQ(GapLrsGate(FixedPoint{50, 12}, 12).output_formats()[0], (FixedPoint{50, 0}));
  EXPECT_EQ(GapArsGate(FixedPoint{50, 4}, 12).output_formats()[0], (FixedPoint{50, 0}));
  EXPECT_EQ(GapLrsGate(FixedPoint{50, 4}, 12).kind(), GateKind::kGapLrs);
  EXPECT_EQ(GapArsGate(FixedPoint{50, 4}, 12).kind(), GateKind::kGapArs);
}

void expect_invalid(auto make) {
  try {
    make();
    ADD_FAILURE() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
  }
}

TEST(GapTruncation, RejectsBadArguments) {
  expect_invalid([] { GapLrsGate(FixedPoint{10, 0}, 0); });
  expect_invalid([] { GapLrsGate(FixedPoint{10, 0}, 10); });
  expect_invalid([] { GapArsGate(FixedPoint{10, 0}, 0); });
  expect_invalid([] { GapArsGate(FixedPoint{10, 0}, 9); });
  expect_invalid([] { GapArsGate(FixedPoint{2, 0}, 1); });
  expect_invalid([] { GapLrsGate(FixedPoint{65, 0}, 12); });
  expect_invalid([] { GapArsGate(FixedPoint{10, 10}, 1); });
  EXPECT_NO_THROW(GapLrsGate(FixedPoint{10, 0}, 9));
  EXPECT_NO_THROW(GapArsGate(FixedPoint{10, 0}, 8));
}

}  // namespace
}  // namespace fss::sigma

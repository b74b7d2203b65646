#include "mpc/truncate_reduce.h"

#include <gtest/gtest.h>

#include <random>

#include "core/bitpack.h"
#include "crypto/dpf.h"
#include "mpc/local_run.h"

namespace fss {
namespace {

// TR from the definition, with 128-bit arithmetic: floor(x / 2^f) mod 2^{n-f}.
uint64_t reference_truncate_reduce(uint64_t x, int n, int f) {
  const unsigned __int128 value = x & (n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1);
  return static_cast<uint64_t>((value >> f) & ((static_cast<unsigned __int128>(1) << (n - f)) - 1));
}

Program truncate_program(const TruncateReduceGate& gate, Shape shape, FixedPoint format) {
  return [&gate, shape, format](Engine& engine) {
    const Masked x = engine.input(shape, format);
    return std::vector<Masked>{engine.open(engine.apply(gate, x))};
  };
}

TEST(TruncateReduce, ExhaustiveSmallRingsManyMasks) {
  for (int n = 2; n <= 10; ++n) {
    for (int f = 1; f < n; ++f) {
      const FixedPoint format{n, 0};
      const TruncateReduceGate gate(format, f);
      // Every x, 8 times over, each element with its own fresh mask.
      std::vector<uint64_t> xs;
      for (int copy = 0; copy < 8; ++copy)
        for (uint64_t x = 0; x < (uint64_t{1} << n); ++x) xs.push_back(x);
      const Shape shape{static_cast<int64_t>(xs.size())};
      const Tensor input(shape, format, xs);
      const LocalRunResult run =
          run_locally(truncate_program(gate, shape, format), std::span(&input, 1),
                      {.seed = Block{uint64_t(n * 64 + f), 7}});
      for (size_t i = 0; i < xs.size(); ++i) {
        ASSERT_EQ(run.clear[0][i], reference_truncate_reduce(xs[i], n, f))
            << "n=" << n << " f=" << f;
        ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i])
            << "n=" << n << " f=" << f << " x=" << xs[i];
      }
    }
  }
}

TEST(TruncateReduce, RandomFullWidthWithEdgesOverTcp) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (auto [n, f] : {std::pair{50, 12}, {37, 12}, {64, 12}, {64, 63}, {16, 8}}) {
    const FixedPoint format{n, std::min(f, n - 1)};
    const Ring ring{n};
    std::vector<uint64_t> xs = {0,
                                1,
                                ring.mask(),
                                ring.mask() - 1,
                                uint64_t{1} << (n - 1),
                                (uint64_t{1} << (n - 1)) - 1,
                                uint64_t{1} << f,
                                (uint64_t{1} << f) - 1};
    while (xs.size() < 10'000) xs.push_back(rng() & ring.mask());
    const Shape shape{2, static_cast<int64_t>(xs.size() / 2)};
    const Tensor input(shape, format, xs);
    const TruncateReduceGate gate(format, f);
    const LocalRunResult run =
        run_locally(truncate_program(gate, shape, format), std::span(&input, 1),
                    {.seed = Block{rng(), rng()}, .tcp = n == 50});
    for (size_t i = 0; i < xs.size(); ++i) {
      ASSERT_EQ(run.clear[0][i], reference_truncate_reduce(xs[i], n, f)) << "n=" << n;
      ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i]) << "n=" << n << " x=" << xs[i];
    }
  }
}

TEST(TruncateReduce, CostsMatchTheFormula) {
  const int n = 50, f = 12;
  const uint64_t count = 1000;
  const FixedPoint format{n, f};
  const TruncateReduceGate gate(format, f);
  const Shape shape{static_cast<int64_t>(count)};
  const Tensor input(shape, format);
  const LocalRunResult run =
      run_locally(truncate_program(gate, shape, format), std::span(&input, 1));
  // Documented in the header: DPF_{f,1} keys + 1 bit + 2(n - f) bits per element.
  const uint64_t dpf_key = 16 + 16 * 5 + 1 + 16;  // f = 12: nu = 7, L = 5 levels
  const uint64_t expected_key =
      16 + count * dpf_key + (count + 7) / 8 + 2 * ((count * (n - f) + 7) / 8);
  const Cost dealer = run.dealer_costs.entries().at(gate.describe());
  EXPECT_EQ(dealer.key_bytes, expected_key);
  for (int party = 0; party < 2; ++party) {
    const Cost gate_cost = run.party_costs[party].entries().at(gate.describe());
    EXPECT_EQ(gate_cost.bytes_sent, (count + 7) / 8);  // the masked carry bits
    EXPECT_EQ(gate_cost.rounds, 1u);
    const Cost open_cost = run.party_costs[party].entries().at("open");
    EXPECT_EQ(open_cost.bytes_sent, (count * (n - f) + 7) / 8);
  }
}

TEST(TruncateReduce, RejectsBadShift) {
  EXPECT_THROW(TruncateReduceGate(FixedPoint{10, 0}, 0), Error);
  EXPECT_THROW(TruncateReduceGate(FixedPoint{10, 0}, 10), Error);
}

}  // namespace
}  // namespace fss

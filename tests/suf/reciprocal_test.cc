#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "core/error.h"
#include "gate_checks.h"
#include "suf/softmax_parts.h"

namespace fss::suf {
namespace {

using testing::dcf_bytes;
using testing::packed;

// The largest |result - 2^f / z| in ulps over every z in [7/8, k] real (the fitted range that a
// softmax row of k terms reaches).
double worst_error_ulps(const SufSpec& spec, int64_t k) {
  const int f = spec.input.f;
  const double scale = std::ldexp(1.0, f);
  double worst = 0;
  for (uint64_t z = uint64_t{7} << (f - 3); z <= static_cast<uint64_t>(k) << f; ++z) {
    const double exact = scale * scale / static_cast<double>(z);
    worst = std::max(worst, std::abs(double(evaluate(spec, z).arithmetic[0]) - exact));
  }
  return worst;
}

TEST(SufReciprocal, ExhaustiveOnSmallRingsWithChosenMasks) {
  // n = 10, f = 3, k = 7: p = w = 6; n = 9, f = 4, k = 3: w = 6.
  for (auto [n, f, k, bits] : {std::tuple{10, 3, 7, 4}, {9, 4, 3, 3}}) {
    const SufGate gate = reciprocal_gate({n, f}, k, bits);
    ASSERT_EQ(gate.plan().spec.w(), f + std::bit_width(uint64_t(k)));
    ASSERT_LE(gate.plan().spec.intervals(), 1 << bits);
    testing::expect_exhaustive(gate, 64, 29 + n);
  }
}

TEST(SufReciprocal, RandomAtFullWidthOnceOverTcp) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (auto [n, k, total, tcp] : {std::tuple{50, 128, 10'000, true}, {37, 1000, 2'000, false}}) {
    const FixedPoint format{n, 12};
    const SufGate gate = reciprocal_gate(format, k);
    const int p = 12 + std::bit_width(uint64_t(k));
    std::vector<uint64_t> xs = {0, 1, (uint64_t{1} << p) - 1, uint64_t{1} << p,
                                format.ring().mask()};
    for (const uint64_t start : gate.plan().spec.starts)
      if (xs.size() < 200) xs.insert(xs.end(), {start, (start - 1) & format.ring().mask()});
    while (xs.size() < static_cast<size_t>(total / 2))  // the domain [1, k]
      xs.push_back((uint64_t{1} << 12) + rng() % (uint64_t(k - 1) << 12));
    while (xs.size() < static_cast<size_t>(total)) xs.push_back(rng() & format.ring().mask());
    const LocalRunResult run = testing::run_gate(gate, xs, Block{rng(), rng()}, tcp);
    const uint64_t count = xs.size();
    testing::expect_costs(gate, run, 16 + count * dcf_bytes(p, n) + packed(count, n), 0, 0);
  }
}

TEST(SufReciprocal, ErrorAgainstTheReciprocal) {
  // Measured: 2.678 ulp (f = 12, k = 128, 1024 steps), 2.668 ulp (f = 10, k = 64, 256 steps).
  const double fine = worst_error_ulps(reciprocal_spec({50, 12}, 128), 128);
  EXPECT_LT(fine, 2.68) << fine;
  const double coarse = worst_error_ulps(reciprocal_spec({37, 10}, 64, 8), 64);
  EXPECT_LT(coarse, 2.67) << coarse;
}

TEST(SufReciprocal, KeySizeDoesNotDependOnTheMask) {
  testing::expect_key_size_independent_of_mask(reciprocal_gate({50, 12}, 128), 7);
  testing::expect_key_size_independent_of_mask(reciprocal_gate({10, 3}, 7, 4), 8);
}

TEST(SufReciprocal, RejectsBadParameters) {
  EXPECT_THROW(reciprocal_gate({50, 12}, 0), Error);
  EXPECT_THROW(reciprocal_gate({50, 2}, 8), Error);
  EXPECT_THROW(reciprocal_gate({20, 12}, 1 << 10), Error);  // p = 23 > n
  EXPECT_THROW(reciprocal_gate({50, 12}, 128, 1), Error);
  EXPECT_THROW(reciprocal_gate({50, 12}, 128, 13), Error);
}

}  // namespace
}  // namespace fss::suf

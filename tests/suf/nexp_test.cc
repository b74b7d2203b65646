#include <gtest/gtest.h>

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

// The largest |nexp(x) - e^{-x}| in ulps over the clear spec, every x in [0, 2^{f+5}) (beyond,
// both are below 2^-32 of an ulp at these f) and the view's top.
double worst_error_ulps(const SufSpec& spec) {
  const FixedPoint format = spec.input;
  const double scale = std::ldexp(1.0, format.f);
  double worst = 0;
  const auto check = [&](uint64_t x) {
    const double exact = scale * std::exp(-static_cast<double>(x) / scale);
    const double got = static_cast<double>(evaluate(spec, x).arithmetic[0]);
    worst = std::max(worst, std::abs(got - exact));
  };
  for (uint64_t x = 0; x < (uint64_t{1} << (format.f + 5)); ++x) check(x);
  check((uint64_t{1} << spec.w()) - 1);
  return worst;
}

TEST(SufNexp, ExhaustiveOnSmallRingsWithChosenMasks) {
  // n = 10, f = 3: w = 8, 16 steps; n = 9, f = 2: w = 8, 8 steps.
  for (auto [n, f, bits] : {std::tuple{10, 3, 4}, {9, 2, 3}}) {
    const SufGate gate = nexp_gate({n, f}, bits);
    ASSERT_EQ(gate.plan().spec.w(), n - f + 1);
    ASSERT_LE(gate.plan().spec.intervals(), 1 << bits);
    testing::expect_exhaustive(gate, 64, 17 + n);
  }
}

TEST(SufNexp, RandomAtFullWidthOnceOverTcp) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (auto [n, total, tcp] : {std::tuple{50, 10'000, true}, {37, 2'000, false}}) {
    const FixedPoint format{n, 12};
    const SufGate gate = nexp_gate(format);
    const uint64_t domain = uint64_t{1} << (n - 12 + 1);
    std::vector<uint64_t> xs = {0, 1, domain - 1, domain, format.ring().mask()};
    for (const uint64_t start : gate.plan().spec.starts)
      if (xs.size() < 200) xs.insert(xs.end(), {start, (start - 1) & format.ring().mask()});
    while (xs.size() < static_cast<size_t>(total / 2)) xs.push_back(rng() % (uint64_t{1} << 17));
    while (xs.size() < static_cast<size_t>(total)) xs.push_back(rng() & format.ring().mask());
    const LocalRunResult run = testing::run_gate(gate, xs, Block{rng(), rng()}, tcp);
    // Degree 0: the DCF_{w,n} key and the output mask; nothing sent, no round in the gate.
    const uint64_t count = xs.size();
    testing::expect_costs(gate, run, 16 + count * dcf_bytes(n - 11, n) + packed(count, n), 0, 0);
  }
}

TEST(SufNexp, ErrorAgainstTheExponential) {
  // Measured: 2.380 ulp (f = 12, 1024 steps), 0.901 ulp (f = 8, 256 steps).
  const double fine = worst_error_ulps(nexp_spec({50, 12}, 10));
  EXPECT_LT(fine, 2.39) << fine;
  const double coarse = worst_error_ulps(nexp_spec({37, 8}, 8));
  EXPECT_LT(coarse, 0.91) << coarse;
  // Where e^{-x} 2^f < 1/2 (x >= 2^f ln 2^{f+1}, 9.01 at f = 12) the result is exactly 0.
  const SufSpec spec = nexp_spec({50, 12}, 10);
  const uint64_t zero = static_cast<uint64_t>(std::ceil(4096 * std::log(8192.0)));
  for (uint64_t x : {zero, zero + 1, uint64_t{1} << 20, (uint64_t{1} << 39) - 1})
    EXPECT_EQ(evaluate(spec, x).arithmetic[0], 0u) << "x=" << x;
  EXPECT_NE(evaluate(spec, zero - 1).arithmetic[0], 0u);
}

TEST(SufNexp, KeySizeDoesNotDependOnTheMask) {
  testing::expect_key_size_independent_of_mask(nexp_gate({50, 12}), 5);
  testing::expect_key_size_independent_of_mask(nexp_gate({10, 3}, 4), 6);
}

TEST(SufNexp, RejectsBadParameters) {
  EXPECT_THROW(nexp_gate({50, 0}), Error);
  EXPECT_THROW(nexp_gate({50, 21}), Error);
  EXPECT_THROW(nexp_gate({17, 12}), Error);
  EXPECT_THROW(nexp_gate({50, 12}, 0), Error);
  EXPECT_THROW(nexp_gate({50, 12}, 13), Error);
}

}  // namespace
}  // namespace fss::suf

#include "suf/activations.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <tuple>
#include <vector>

#include "core/error.h"
#include "gate_checks.h"

namespace fss::suf {
namespace {

using testing::dcf_bytes;
using testing::packed;

double gelu_real(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }
double silu_real(double x) { return x / (1.0 + std::exp(-x)); }

// The largest |act(x) - result| in ulps over every x with |x| < 2^{bound_bits} real.
double worst_error_ulps(const SufSpec& spec, const std::function<double(double)>& act,
                        int bound_bits) {
  const FixedPoint format = spec.input;
  const Ring ring = format.ring();
  const int64_t bound = int64_t{1} << (bound_bits + format.f);
  double worst = 0;
  for (int64_t x = -bound; x < bound; ++x) {
    const uint64_t encoded = ring.from_signed(x);
    const double got = static_cast<double>(ring.to_signed(evaluate(spec, encoded).arithmetic[0]));
    worst =
        std::max(worst, std::abs(got - act(format.decode(encoded)) * std::ldexp(1.0, format.f)));
  }
  return worst;
}

TEST(SufActivations, ExhaustiveOnSmallRingsWithChosenMasks) {
  // n = 10, f = 2: w = 9; n = 9, f = 3: w = 7.
  for (auto [n, f] : {std::pair{10, 2}, {9, 3}}) {
    for (const SufGate& gate : {gelu_gate({n, f}, 16), silu_gate({n, f}, 32)}) {
      ASSERT_EQ(gate.plan().spec.w(), n - f + 1);
      testing::expect_exhaustive(gate, 64, 53 + n);
    }
  }
}

TEST(SufActivations, RandomAtFullWidthOnceOverTcp) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (auto [n, silu, total, tcp] :
       {std::tuple{50, false, 10'000, true}, {50, true, 4'000, false}, {37, false, 2'000, false}}) {
    const FixedPoint format{n, 12};
    const SufGate gate = silu ? silu_gate(format) : gelu_gate(format);
    const Ring ring = format.ring();
    const int64_t faithful = int64_t{1} << (n - 12);
    std::vector<uint64_t> xs;
    for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, faithful - 1, -faithful})
      xs.push_back(ring.from_signed(v));
    for (const uint64_t start : gate.plan().spec.starts)
      if (xs.size() < 300) xs.insert(xs.end(), {start, (start - 1) & ring.mask()});
    while (xs.size() < static_cast<size_t>(total / 2))  // |x| < 16
      xs.push_back(ring.from_signed(static_cast<int64_t>(rng() % (32 << 12)) - (16 << 12)));
    while (xs.size() < static_cast<size_t>(total)) xs.push_back(rng() & ring.mask());
    const LocalRunResult run = testing::run_gate(gate, xs, Block{rng(), rng()}, tcp);
    for (size_t i = 0; i < xs.size(); ++i) {
      const int64_t x = ring.to_signed(xs[i]);
      if (x < -faithful || x >= faithful) continue;
      const double real = format.decode(xs[i]);
      const double want = (silu ? silu_real(real) : gelu_real(real)) * 4096;
      ASSERT_LT(std::abs(double(ring.to_signed(run.clear[0][i])) - want), 5.85) << "x=" << xs[i];
    }
    // One DCF_{w,n} key; [r], the slope's mask a and kappa; the masked slope is sent (1 round).
    const uint64_t count = xs.size();
    testing::expect_costs(gate, run, 16 + count * dcf_bytes(n - 11, n) + 3 * packed(count, n),
                          packed(count, n), 1);
  }
}

TEST(SufActivations, ErrorAgainstTheFunctions) {
  // Measured at f = 12 over every input with |x| < 16 (beyond, both tails are within 1/2 ulp):
  // GeLU-256 5.848 ulp, SiLU-1024 2.664 ulp.
  const double gelu_error = worst_error_ulps(gelu_spec({50, 12}, 256), gelu_real, 4);
  EXPECT_LT(gelu_error, 5.85) << gelu_error;
  const double silu_error = worst_error_ulps(silu_spec({50, 12}, 1024), silu_real, 4);
  EXPECT_LT(silu_error, 2.67) << silu_error;
}

TEST(SufActivations, KeySizeDoesNotDependOnTheMask) {
  testing::expect_key_size_independent_of_mask(gelu_gate({50, 12}), 11);
  testing::expect_key_size_independent_of_mask(silu_gate({50, 12}), 12);
}

TEST(SufActivations, RejectsBadParameters) {
  EXPECT_THROW(gelu_gate({50, 0}), Error);
  EXPECT_THROW(gelu_gate({10, 4}), Error);  // w = 7 < f + 4
  EXPECT_THROW(gelu_gate({50, 12}, 1), Error);
  EXPECT_THROW(silu_gate({50, 12}, (1 << 16) + 1), Error);
}

}  // namespace
}  // namespace fss::suf

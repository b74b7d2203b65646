#include "sigma/rmsnorm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mpc/clear_engine.h"
#include "mpc/local_run.h"
#include "norm_reference.h"

namespace fss::sigma {
namespace {

using reference::packed;

Tensor random_gamma(FixedPoint format, int64_t k, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> gamma(0.5, 1.5);
  Tensor out(Shape{k}, format);
  for (int64_t j = 0; j < k; ++j) out[j] = format.encode(gamma(rng));
  return out;
}

reference::NormSpec rmsnorm_spec(FixedPoint format, int64_t k, const NormOptions& options = {}) {
  const double eps = options.epsilon * k * std::ldexp(1.0, 2 * format.f);
  return {.n = format.n,
          .f = format.f,
          .k = k,
          .center = false,
          .mean_shift = 0,
          .f_out = options.rsqrt_frac_bits.value_or(format.f),
          .epsilon_term = std::max<uint64_t>(1, std::llround(eps)),
          .mantissa_bits = options.mantissa_bits,
          .gamma_f = format.f};
}

Program rmsnorm_program(Shape shape, FixedPoint format, const Tensor& gamma,
                        const NormOptions& options) {
  return [shape, format, &gamma, options](Engine& engine) {
    const Masked x = engine.input(shape, format);
    return std::vector<Masked>{engine.open(rmsnorm(engine, x, gamma, options))};
  };
}

Program rmsnorm_masked_gamma_program(Shape shape, FixedPoint format, int64_t k,
                                     const NormOptions& options) {
  return [shape, format, k, options](Engine& engine) {
    const Masked x = engine.input(shape, format);
    const Masked gamma = engine.input(Shape{k}, format);
    return std::vector<Masked>{engine.open(rmsnorm(engine, x, gamma, options))};
  };
}

void check_against_reference(const reference::NormSpec& spec, const std::vector<uint64_t>& xs,
                             const Tensor& gamma, const Tensor& out) {
  for (size_t row = 0; row < xs.size() / spec.k; ++row) {
    const std::vector<uint64_t> expected =
        reference::norm_row(spec, &xs[row * spec.k], gamma.data().data(), nullptr);
    for (int64_t j = 0; j < spec.k; ++j)
      ASSERT_EQ(out[row * spec.k + j], expected[j]) << "row " << row << " column " << j;
  }
}

TEST(RmsNorm, RandomFullWidthWithEdgesOverTcp) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (auto [n, k] :
       {std::pair{37, int64_t{64}}, {37, int64_t{128}}, {48, int64_t{128}}, {50, int64_t{768}}}) {
    SCOPED_TRACE(testing::Message() << "n=" << n << " k=" << k);
    const FixedPoint format{n, 12};
    const int64_t rows = std::max<int64_t>(4, 10'000 / k + 1) & ~int64_t{1};
    std::vector<uint64_t> xs = reference::activation_rows(format, rows, k, rng);
    // Edge rows: zeros; one spike; a constant -a and alternating +-a with the largest a that keeps
    // s = k a^2 + 1 below 2^{n-1} (8 where the domain allows).
    const int64_t amplitude = std::min<int64_t>(
        8 * 4096, std::sqrt(static_cast<double>((int64_t{1} << (n - 1)) - 2) / k));
    std::fill_n(xs.begin(), k, 0);
    std::fill_n(xs.begin() + k, k, 0);
    xs[k + 3] = format.encode(-8);
    std::fill_n(xs.begin() + 2 * k, k, format.ring().from_signed(-amplitude));
    for (int64_t j = 0; j < k; ++j)
      xs[3 * k + j] = format.ring().from_signed(j % 2 ? amplitude : -amplitude);
    const Tensor gamma = random_gamma(format, k, rng);
    const Shape shape{2, rows / 2, k};
    const Tensor input(shape, format, xs);
    const LocalRunResult run =
        run_locally(rmsnorm_program(shape, format, gamma, {}), std::span(&input, 1),
                    {.seed = Block{rng(), rng()}, .tcp = n == 48});
    for (size_t i = 0; i < xs.size(); ++i)
      ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i]) << "element " << i;
    check_against_reference(rmsnorm_spec(format, k), xs, gamma, run.clear[0]);
  }
}

TEST(RmsNorm, MaskedGammaGivesThePublicResult) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const FixedPoint format{48, 12};
  const int64_t k = 80, rows = 10;
  const NormOptions options{.epsilon = 1e-6, .rsqrt_frac_bits = 14, .mantissa_bits = 9};
  const std::vector<uint64_t> xs = reference::activation_rows(format, rows, k, rng);
  const Tensor gamma = random_gamma(format, k, rng);
  const Shape shape{2, rows / 2, k};
  const Tensor inputs[] = {Tensor(shape, format, xs), gamma};
  const LocalRunResult masked = run_locally(rmsnorm_masked_gamma_program(shape, format, k, options),
                                            inputs, {.seed = Block{rng(), rng()}});
  const LocalRunResult open = run_locally(rmsnorm_program(shape, format, gamma, options),
                                          std::span(inputs, 1), {.seed = Block{rng(), rng()}});
  for (size_t i = 0; i < xs.size(); ++i) {
    ASSERT_EQ(masked.reconstructed[0][i], masked.clear[0][i]) << i;
    ASSERT_EQ(open.reconstructed[0][i], open.clear[0][i]) << i;
    ASSERT_EQ(masked.clear[0][i], open.clear[0][i]) << i;
  }
  check_against_reference(rmsnorm_spec(format, k, options), xs, gamma, open.clear[0]);
}

// The clear engine against float64 on random activation rows (fixed seed: docs/accuracy.md),
// gamma in [0.5, 1.5], eps = 1e-5. Errors in ulps (2^-12); `beyond` is the largest error minus
// 2^-9 |gamma p| for the exact normalized p (the table's relative share).
TEST(RmsNorm, AccuracyAgainstFloat64) {
  std::mt19937_64 rng(2025);
  const FixedPoint format{50, 12};
  for (int64_t k : {64, 128, 768, 4096}) {
    const int64_t rows = std::max<int64_t>(16, 80'000 / k);
    const std::vector<uint64_t> xs = reference::activation_rows(format, rows, k, rng);
    const Tensor gamma = random_gamma(format, k, rng);
    const Shape shape{rows, k};
    ClearEngine engine;
    engine.provide_input(Tensor(shape, format, xs));
    const NormOptions options{.epsilon = 1e-5};
    const Masked out =
        engine.open(rmsnorm(engine, engine.input(shape, format), gamma, options), "open");
    double max_ulps = 0, beyond = 0;
    for (int64_t row = 0; row < rows; ++row) {
      std::vector<double> x, g;
      for (int64_t j = 0; j < k; ++j) {
        x.push_back(format.decode(xs[row * k + j]));
        g.push_back(format.decode(gamma[j]));
      }
      const std::vector<double> exact = reference::norm_row_exact(x, g, {}, false, 1e-5);
      for (int64_t j = 0; j < k; ++j) {
        const double error = std::abs(format.decode(out.value[row * k + j]) - exact[j]) * 4096;
        max_ulps = std::max(max_ulps, error);
        beyond = std::max(beyond, error - std::ldexp(std::abs(exact[j]) * 4096, -9));
      }
    }
    std::printf("rmsnorm k=%ld: max %.2f ulp, %.2f ulp beyond 2^-9 |gamma p|\n",
                static_cast<long>(k), max_ulps, beyond);
    EXPECT_LE(max_ulps, 36) << "k=" << k;
    EXPECT_LE(beyond, 6) << "k=" << k;
  }
}

TEST(RmsNorm, CostsMatchTheFormula) {
  using reference::gap_ars_key;
  for (auto [n, k] : {std::pair{48, int64_t{512}}, {37, int64_t{128}}}) {
    for (bool masked : {false, true}) {
      const FixedPoint format{n, 12};
      const int f = 12, m = 7;
      const int64_t rows = 4, elements = rows * k;
      const Shape shape{2, rows / 2, k};
      std::mt19937_64 rng(7);
      const Tensor gamma = random_gamma(format, k, rng);
      const Tensor inputs[] = {Tensor(shape, format), gamma};
      const LocalRunResult run =
          masked ? run_locally(rmsnorm_masked_gamma_program(shape, format, k, {}), inputs)
                 : run_locally(rmsnorm_program(shape, format, gamma, {}), std::span(inputs, 1));
      const reference::GateCost rsqrt = reference::rec_sqrt_cost(rows, n, m);
      uint64_t key = packed(elements, n) + packed(rows, n) + rsqrt.key + 3 * packed(elements, n) +
                     gap_ars_key(elements, n, f) + gap_ars_key(elements, n, f);
      uint64_t sent = packed(rows, n) + rsqrt.sent + packed(rows, n) + packed(elements, n) +
                      packed(elements, 1) + packed(elements, n) + packed(elements, 1);
      uint64_t rounds = 11;
      if (masked) {
        key += 3 * packed(elements, n);
        sent += packed(elements, n);
        rounds += 1;
      }
      SCOPED_TRACE(testing::Message() << "n=" << n << " k=" << k << " masked=" << masked);
      EXPECT_EQ(run.dealer_costs.total().key_bytes, key);
      for (int party = 0; party < 2; ++party) {
        const Cost total = run.party_costs[party].total();
        EXPECT_EQ(total.key_bytes, key);
        EXPECT_EQ(total.bytes_sent, sent + packed(elements, n));  // + the caller's open
        EXPECT_EQ(total.rounds, rounds + 1);
        EXPECT_EQ(run.party_costs[party]
                      .entries()
                      .at(norm_open_label("rmsnorm", kNormNormalizedStep))
                      .bytes_sent,
                  packed(elements, n));
      }
    }
  }
}

TEST(RmsNorm, RejectsBadArguments) {
  const FixedPoint format{48, 12};
  const Shape shape{3, 16};
  auto expect_invalid = [&](const Tensor& gamma, const NormOptions& options, const char* what) {
    ClearEngine engine;
    engine.provide_input(Tensor(shape, format));
    const Masked x = engine.input(shape, format);
    try {
      rmsnorm(engine, x, gamma, options);
      ADD_FAILURE() << "no exception: " << what;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << what << ": " << e.what();
    }
  };
  expect_invalid(Tensor(Shape{15}, format), {}, "gamma's shape");
  expect_invalid(Tensor(Shape{16}, {48, 0}), {}, "gamma's scale");
  expect_invalid(Tensor(Shape{16}, {48, 36}), {}, "f + f_g = n");
  expect_invalid(Tensor(Shape{16}, format), {.rsqrt_frac_bits = 40}, "f + f_out > n");
  expect_invalid(Tensor(Shape{16}, format), {.epsilon = INFINITY}, "infinite epsilon");
  expect_invalid(Tensor(Shape{16}, format), {.mantissa_bits = 15}, "mantissa bits");
}

}  // namespace
}  // namespace fss::sigma

#include "sigma/silu.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mpc/clear_engine.h"
#include "mpc/local_run.h"

namespace fss::sigma {
namespace {

using int128 = __int128;

constexpr int kLutBits = 10, kFracBits = 7;

int64_t signed_value(uint64_t x, int bits) {
  return bits == 64 ? static_cast<int64_t>(x)
                    : static_cast<int64_t>(x << (64 - bits)) >> (64 - bits);
}

// SiLU from its definition in float64.
double reference_silu(double v) { return v / (1 + std::exp(-v)); }

// T[c] = floor((ReLU - SiLU)(c / 128) 2^f).
std::vector<uint64_t> reference_table(int f) {
  std::vector<uint64_t> table;
  for (int c = 0; c < 1 << kLutBits; ++c) {
    const double v = std::ldexp(c, -kFracBits);
    table.push_back(static_cast<uint64_t>(std::floor((v - reference_silu(v)) * std::ldexp(1, f))));
  }
  return table;
}

// ReLU(x) - T[min(|floor(x / 2^{f-7})|, 1023)] mod 2^n, the protocol's formula (silu.h).
uint64_t reference_protocol(uint64_t x, FixedPoint format, const std::vector<uint64_t>& table) {
  const int64_t v = signed_value(x, format.n);
  const int64_t y = v >> (format.f - kFracBits);
  const int64_t c = std::min<int64_t>(y < 0 ? -y : y, (1 << kLutBits) - 1);
  return format.ring().from_signed(static_cast<int64_t>(int128{v > 0 ? v : 0} - table[c]));
}

// Signed x in [-2^{m-1} + 2^{k+f-q}, 2^{m-1} - 2^{k+f-q}), m = n - f + 1 (gelu.h).
bool in_valid_range(uint64_t x, FixedPoint format) {
  const int m = format.n - format.f + 1;
  const int128 bound = (int128{1} << (m - 1)) - (int128{1} << (kLutBits + format.f - kFracBits));
  const int64_t v = signed_value(x, format.n);
  return -bound <= v && v < bound;
}

Program silu_program(Shape shape, FixedPoint format) {
  return [shape, format](Engine& engine) {
    const Masked x = engine.input(shape, format);
    return std::vector<Masked>{engine.open(silu(engine, x))};
  };
}

LocalRunResult run_silu(FixedPoint format, const std::vector<uint64_t>& xs,
                        const LocalRunOptions& options = {}) {
  const Shape shape{static_cast<int64_t>(xs.size())};
  const Tensor input(shape, format, xs);
  return run_locally(silu_program(shape, format), std::span(&input, 1), options);
}

// Max error in ulps: from the correctly rounded reference, and from the float64 value.
struct ErrorBound {
  int64_t distance = 0;
  double real = 0;
  void add(int64_t out, double scaled_reference) {
    distance = std::max<int64_t>(distance, std::abs(out - std::llround(scaled_reference)));
    real = std::max(real, std::abs(out - scaled_reference));
  }
};

// Every representable input in (-8, 8) at f = 12, n = 50, through the whole protocol.
TEST(Silu, DenseGridAccuracyAndExactness) {
  const FixedPoint format{50, 12};
  const std::vector<uint64_t> table = reference_table(format.f);
  std::vector<uint64_t> xs;
  for (int64_t v = -8 * 4096 + 1; v < 8 * 4096; ++v) xs.push_back(format.ring().from_signed(v));
  const LocalRunResult run = run_silu(format, xs, {.seed = Block{2024, 6}});
  ErrorBound error;
  for (size_t i = 0; i < xs.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "x=" << signed_value(xs[i], format.n));
    ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i]);
    ASSERT_EQ(run.clear[0][i], reference_protocol(xs[i], format, table));
    error.add(signed_value(run.clear[0][i], format.n), reference_silu(format.decode(xs[i])) * 4096);
  }
  // docs/accuracy.md.
  EXPECT_LE(error.distance, 16);
  EXPECT_LE(error.real, 16.3);
  std::printf("silu over (-8, 8): %ld ulp from the rounded reference, %.3f ulp from the exact\n",
              static_cast<long>(error.distance), error.real);
}

// Beyond the table (|x| >= 8) the output is ReLU(x) - T[1023]: the clear engine over [-64, 64).
TEST(Silu, TailAccuracy) {
  const FixedPoint format{50, 12};
  std::vector<uint64_t> xs;
  for (int64_t v = -64 * 4096; v < 64 * 4096; ++v) xs.push_back(format.ring().from_signed(v));
  const Shape shape{static_cast<int64_t>(xs.size())};
  ClearEngine engine;
  engine.provide_input(Tensor(shape, format, xs));
  const std::vector<Masked> out = silu_program(shape, format)(engine);
  ErrorBound error;
  for (size_t i = 0; i < xs.size(); ++i)
    error.add(signed_value(out[0].value[i], format.n), reference_silu(format.decode(xs[i])) * 4096);
  EXPECT_LE(error.distance, 16);
  EXPECT_LE(error.real, 16.3);
}

TEST(Silu, RandomFullWidthWithEdgesOverTcp) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const std::vector<uint64_t> table = reference_table(12);
  for (int n : {37, 50, 64}) {
    const FixedPoint format{n, 12};
    const Ring ring = format.ring();
    const int64_t limit = (int64_t{1} << (n - 12)) - (int64_t{1} << 15);  // valid range bound
    // 0, +-1 ulp, the clip at |y| = 1023 / 1024 (x = +-8 and +-1023/128, +-1 ulp), the domain
    // limits, and the largest and smallest representable values (outside the domain).
    std::vector<int64_t> edges = {0,      1,     -1,     31,    32,     33,        -31,       -32,
                                  -33,    32768, 32767,  32769, -32768, -32767,    -32769,    32736,
                                  -32736, 32735, -32737, limit, -limit, limit - 1, -limit - 1};
    std::vector<uint64_t> xs;
    for (int64_t e : edges) xs.push_back(ring.from_signed(e));
    xs.push_back(ring.mask() >> 1);
    xs.push_back((ring.mask() >> 1) + 1);
    std::uniform_int_distribution<int64_t> valid(-limit, limit - 1), near(-70'000, 70'000);
    while (xs.size() < 10'000) {
      switch (xs.size() % 3) {
        case 0:
          xs.push_back(ring.from_signed(valid(rng)));
          break;
        case 1:
          xs.push_back(ring.from_signed(near(rng)));
          break;
        default:
          xs.push_back(rng() & ring.mask());
      }
    }
    const LocalRunResult run = run_silu(format, xs, {.seed = Block{rng(), rng()}, .tcp = n == 50});
    for (size_t i = 0; i < xs.size(); ++i) {
      SCOPED_TRACE(testing::Message() << "n=" << n << " x=" << signed_value(xs[i], n));
      ASSERT_EQ(run.reconstructed[0][i], run.clear[0][i]);
      if (in_valid_range(xs[i], format)) {
        ASSERT_EQ(run.clear[0][i], reference_protocol(xs[i], format, table));
      }
    }
  }
}

// DPF key layout of crypto/dpf.h: root, one 16-byte CW per level, right control bits in bytes,
// leaf CW.
uint64_t dpf_key(int bits) {
  const uint64_t levels = bits > 7 ? bits - 7 : 0;
  return 16 + 16 * levels + (levels + 7) / 8 + 16;
}
uint64_t packed(uint64_t count, int bits) { return (count * bits + 7) / 8; }

TEST(Silu, CostsMatchTheFormula) {
  const uint64_t count = 1000;
  const int n = 48, f = 12, k = kLutBits, q = kFracBits;  // Llama2's ring
  const int m = n - f + 1, reduced = m - (f - q);
  const LocalRunResult run = run_silu({n, f}, std::vector<uint64_t>(count));
  const uint64_t key = (16 + count * dpf_key(f - q) + packed(count, 1) +
                        2 * packed(count, reduced)) +                                // TR_{m, f-q}
                       (16 + count * dpf_key(reduced - 1) + 3 * packed(count, 1)) +  // DReLU
                       8 * packed(count, k) +                                        // SelectLin_k
                       (16 + count * dpf_key(k) + 2 * packed(count, n)) +            // LUT_{k,n}
                       3 * packed(count, n);                                         // Select_n
  EXPECT_EQ(run.dealer_costs.total().key_bytes, key);
  const uint64_t sent = packed(count, 1) + packed(count, reduced) + packed(2 * count, 1) +
                        packed(count, k) + packed(count, n) + packed(count, n);
  for (int party = 0; party < 2; ++party) {
    EXPECT_EQ(run.party_costs[party].total().bytes_sent, sent);
    EXPECT_EQ(run.party_costs[party].total().rounds, 6u);
    EXPECT_EQ(run.party_costs[party].entries().at("silu: clipped magnitude").bytes_sent,
              packed(count, k));
  }
}

TEST(Silu, RejectsFormatsOutsideItsDomain) {
  for (FixedPoint format : {FixedPoint{50, 7}, FixedPoint{27, 12}}) {
    try {
      run_silu(format, std::vector<uint64_t>(4));
      ADD_FAILURE() << "no exception for " << format.to_string();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    }
  }
}

}  // namespace
}  // namespace fss::sigma

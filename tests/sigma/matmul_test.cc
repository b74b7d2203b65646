#include "sigma/matmul.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "core/bitpack.h"
#include "mpc/clear_engine.h"
#include "mpc/local_run.h"

namespace fss::sigma {
namespace {

using u128 = unsigned __int128;

uint64_t mask_of(int n) { return n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1; }

// Z = X W from the definition: entries read as signed n-bit integers, products and sums in
// 128-bit arithmetic (exact mod 2^128), reduced mod 2^n.
std::vector<uint64_t> reference_matmul(const std::vector<uint64_t>& x,
                                       const std::vector<uint64_t>& w, const MatmulShape& s,
                                       int n) {
  const auto as_signed = [n](uint64_t v) {
    const uint64_t sign = uint64_t{1} << (n - 1);
    return static_cast<u128>(
        static_cast<__int128>(v & sign ? int64_t(v | ~mask_of(n)) : int64_t(v)));
  };
  std::vector<uint64_t> z(s.batch * s.rows * s.cols);
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t i = 0; i < s.rows; ++i)
      for (int64_t j = 0; j < s.cols; ++j) {
        u128 sum = 0;
        for (int64_t k = 0; k < s.inner; ++k) {
          const int64_t w_batch = s.batched_weights ? b : 0;
          sum += as_signed(x[(b * s.rows + i) * s.inner + k]) *
                 as_signed(w[(w_batch * s.inner + k) * s.cols + j]);
        }
        z[(b * s.rows + i) * s.cols + j] = static_cast<uint64_t>(sum) & mask_of(n);
      }
  return z;
}

Shape x_shape(const MatmulShape& s) { return {s.batch, s.rows, s.inner}; }
Shape w_shape(const MatmulShape& s) {
  return s.batched_weights ? Shape{s.batch, s.inner, s.cols} : Shape{s.inner, s.cols};
}

std::string to_string(const MatmulShape& s) {
  return x_shape(s).to_string() + " x " + w_shape(s).to_string();
}

// Both operands are program inputs (masked); the product is opened.
Program secret_matmul_program(const MatmulShape& s, FixedPoint x_format, FixedPoint w_format) {
  return [=](Engine& engine) {
    const Masked x = engine.input(x_shape(s), x_format);
    const Masked w = engine.input(w_shape(s), w_format);
    return std::vector<Masked>{engine.open(matmul(engine, x, w))};
  };
}

void expect_protocol_matches_reference(const MatmulShape& s, FixedPoint x_format,
                                       FixedPoint w_format, const std::vector<uint64_t>& x,
                                       const std::vector<uint64_t>& w,
                                       const LocalRunOptions& options) {
  const Tensor inputs[] = {Tensor(x_shape(s), x_format, x), Tensor(w_shape(s), w_format, w)};
  const LocalRunResult run =
      run_locally(secret_matmul_program(s, x_format, w_format), inputs, options);
  const std::vector<uint64_t> expected = reference_matmul(x, w, s, x_format.n);
  const Tensor& clear = run.clear.at(0);
  const Tensor& reconstructed = run.reconstructed.at(0);
  ASSERT_EQ(clear.shape(), (Shape{s.batch, s.rows, s.cols}));
  ASSERT_EQ(clear.fixed_point(), (FixedPoint{x_format.n, x_format.f + w_format.f}));
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(clear[i], expected[i]) << to_string(s) << " n=" << x_format.n << " i=" << i;
    ASSERT_EQ(reconstructed[i], clear[i]) << to_string(s) << " n=" << x_format.n << " i=" << i;
  }
}

TEST(Matmul, SmallRingsEveryValueManyMasks) {
  const MatmulShape shapes[] = {{4, 8, 8, 8}, {4, 8, 8, 8, true}, {1, 1, 1, 1}, {3, 5, 7, 2}};
  for (int n = 1; n <= 8; ++n) {
    const uint64_t values = uint64_t{1} << n;
    for (const MatmulShape& s : shapes) {
      const uint64_t x_count = s.batch * s.rows * s.inner;
      const uint64_t w_count = (s.batched_weights ? s.batch : 1) * s.inner * s.cols;
      // Each copy shifts the enumeration and draws fresh masks; in the 4x8x8 shapes each of X's
      // 256 entries (and W's in the batched one) takes every value of the ring once over
      // `values` consecutive positions (i * odd is a bijection mod 2^n).
      for (uint64_t copy = 0; copy < 6; ++copy) {
        std::vector<uint64_t> x(x_count), w(w_count);
        for (uint64_t i = 0; i < x_count; ++i) x[i] = (i * 37 + copy * 11) % values;
        for (uint64_t i = 0; i < w_count; ++i) w[i] = (i * 21 + copy * 5 + 3) % values;
        const FixedPoint format{n, 0};
        ASSERT_NO_FATAL_FAILURE(expect_protocol_matches_reference(
            s, format, format, x, w, {.seed = Block{uint64_t(n) * 100 + copy, 17}}));
      }
    }
  }
}

std::vector<uint64_t> random_with_edges(std::mt19937_64& rng, size_t count, FixedPoint format) {
  const Ring ring = format.ring();
  const uint64_t one = uint64_t{1} << format.f;
  std::vector<uint64_t> values = {0,
                                  1,
                                  ring.mask(),                          // -1 ulp
                                  (uint64_t{1} << (format.n - 1)) - 1,  // largest
                                  uint64_t{1} << (format.n - 1),        // smallest
                                  one,
                                  ring.neg(one)};
  values.resize(std::min(values.size(), count));
  while (values.size() < count) values.push_back(rng() & ring.mask());
  return values;
}

TEST(Matmul, RandomFullWidthWithEdges) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  // X has >= 10^4 elements in the first two shapes; batch 1 and 3; shared and batched weights.
  const MatmulShape shapes[] = {{1, 100, 128, 80}, {3, 40, 96, 50}, {3, 32, 64, 48, true}};
  for (auto [n, f] : {std::pair{50, 12}, {64, 12}, {37, 12}}) {
    for (const MatmulShape& s : shapes) {
      const FixedPoint format{n, f};
      const std::vector<uint64_t> x = random_with_edges(rng, x_shape(s).size(), format);
      const std::vector<uint64_t> w = random_with_edges(rng, w_shape(s).size(), format);
      ASSERT_NO_FATAL_FAILURE(expect_protocol_matches_reference(
          s, format, format, x, w, {.seed = Block{rng(), rng()}, .tcp = n == 50 && s.batch == 3}));
    }
  }
}

uint64_t packed(uint64_t count, int n) { return (count * n + 7) / 8; }

TEST(Matmul, CostsMatchTheFormula) {
  const int n = 50;
  const FixedPoint format{n, 12};
  for (const MatmulShape& s : {MatmulShape{3, 20, 30, 10}, MatmulShape{3, 20, 30, 10, true}}) {
    SCOPED_TRACE(to_string(s));
    const Tensor inputs[] = {Tensor(x_shape(s), format), Tensor(w_shape(s), format)};
    const LocalRunResult run = run_locally(secret_matmul_program(s, format, format), inputs);
    const uint64_t x_count = 3 * 20 * 30;
    const uint64_t w_count = (s.batched_weights ? 3 : 1) * 30 * 10;
    const uint64_t z_count = 3 * 20 * 10;
    const std::string label = MatmulGate(format, format, s).describe();
    // One record for the whole batch: |X| + |W| + |Z| ring elements of n bits, packed.
    const Cost dealer = run.dealer_costs.entries().at(label);
    EXPECT_EQ(dealer.calls, 1u);
    EXPECT_EQ(dealer.key_bytes, packed(x_count, n) + packed(w_count, n) + packed(z_count, n));
    for (int party = 0; party < 2; ++party) {
      const Cost gate = run.party_costs[party].entries().at(label);
      EXPECT_EQ(gate.bytes_sent, 0u);
      EXPECT_EQ(gate.rounds, 0u);
      const Cost open = run.party_costs[party].entries().at("open");
      EXPECT_EQ(open.bytes_sent, packed(z_count, n));
      EXPECT_EQ(open.rounds, 1u);
    }
  }
}

// Public weights: Y = X W1 + b1 stays masked without a key or an open; then a secret-weight
// product whose shares are multiplied by a public W2 and offset by b2 before one open.
TEST(Matmul, PublicWeightsAndBiasAreLocal) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const int n = 50;
  const FixedPoint x_format{n, 12}, w_format{n, 10}, product{n, 22}, product2{n, 32};
  const MatmulShape first{3, 30, 40, 20};
  const MatmulShape secret{3, 30, 40, 20};
  const MatmulShape second{3, 30, 20, 8};
  const std::vector<uint64_t> x = random_with_edges(rng, x_shape(first).size(), x_format);
  const std::vector<uint64_t> w1 = random_with_edges(rng, w_shape(first).size(), w_format);
  const std::vector<uint64_t> w_secret = random_with_edges(rng, w_shape(secret).size(), w_format);
  const std::vector<uint64_t> w2 = random_with_edges(rng, w_shape(second).size(), w_format);
  const std::vector<uint64_t> b1 = random_with_edges(rng, 20, product);
  const std::vector<uint64_t> b2 = random_with_edges(rng, 30 * 8, product2);
  const Tensor w1_public(w_shape(first), w_format, w1);
  const Tensor w2_public(w_shape(second), w_format, w2);
  const Tensor bias1(Shape{20}, product, b1);
  const Tensor bias2(Shape{30, 8}, product2, b2);  // a two-axis suffix

  const Program program = [&](Engine& engine) {
    const Masked input = engine.input(x_shape(first), x_format);
    const Masked weights = engine.input(w_shape(secret), w_format);
    const Masked y = add_bias(engine, matmul_public(input, w1_public), bias1);
    const Shared z =
        add_bias(engine, matmul_public(matmul(engine, input, weights), w2_public), bias2);
    return std::vector<Masked>{y, engine.open(z, "second open")};
  };
  const Tensor inputs[] = {Tensor(x_shape(first), x_format, x),
                           Tensor(w_shape(secret), w_format, w_secret)};
  const LocalRunResult run = run_locally(program, inputs, {.seed = Block{rng(), rng()}});

  std::vector<uint64_t> y = reference_matmul(x, w1, first, n);
  for (size_t i = 0; i < y.size(); ++i) y[i] = (y[i] + b1[i % 20]) & mask_of(n);
  std::vector<uint64_t> z =
      reference_matmul(reference_matmul(x, w_secret, secret, n), w2, second, n);
  for (size_t i = 0; i < z.size(); ++i) z[i] = (z[i] + b2[i % (30 * 8)]) & mask_of(n);
  ASSERT_EQ(run.clear.at(0).shape(), (Shape{3, 30, 20}));
  ASSERT_EQ(run.clear.at(1).shape(), (Shape{3, 30, 8}));
  EXPECT_EQ(run.clear.at(0).fixed_point(), product);
  EXPECT_EQ(run.clear.at(1).fixed_point(), product2);
  for (size_t i = 0; i < y.size(); ++i) {
    ASSERT_EQ(run.clear[0][i], y[i]) << i;
    ASSERT_EQ(run.reconstructed[0][i], y[i]) << i;
  }
  for (size_t i = 0; i < z.size(); ++i) {
    ASSERT_EQ(run.clear[1][i], z[i]) << i;
    ASSERT_EQ(run.reconstructed[1][i], z[i]) << i;
  }
  // The only key is the secret-weight gate's; the only communication the one open, which
  // carries the narrow [3, 30, 8] product instead of the [3, 30, 20] one.
  const Cost keys = run.dealer_costs.total();
  EXPECT_EQ(keys.calls, 2u);  // the gate and the open
  EXPECT_EQ(keys.key_bytes, packed(3 * 30 * 40, n) + packed(40 * 20, n) + packed(3 * 30 * 20, n));
  for (int party = 0; party < 2; ++party) {
    const Cost total = run.party_costs[party].total();
    EXPECT_EQ(total.bytes_sent, packed(3 * 30 * 8, n));
    EXPECT_EQ(total.rounds, 1u);
  }
}

void expect_invalid_argument(const std::function<void()>& call) {
  try {
    call();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
  }
}

TEST(Matmul, RejectsBadArgumentsAndShapes) {
  const FixedPoint f12{50, 12};
  expect_invalid_argument([&] { MatmulGate(f12, FixedPoint{40, 12}, {1, 2, 3, 4}); });
  expect_invalid_argument([&] { MatmulGate(f12, FixedPoint{50, 38}, {1, 2, 3, 4}); });
  expect_invalid_argument([&] { MatmulGate(f12, f12, {0, 2, 3, 4}); });
  expect_invalid_argument([&] { MatmulGate(f12, f12, {1, 2, 0, 4}); });
  expect_invalid_argument([&] { MatmulGate(f12, f12, {1, 2, 3, -4}); });

  ClearEngine engine;
  const Masked x{Tensor(Shape{2, 3, 4}, f12)};
  const Masked w{Tensor(Shape{4, 5}, f12)};
  const MatmulGate gate(f12, f12, {2, 3, 4, 5});
  EXPECT_EQ(engine.apply(gate, x, w).value.shape(), (Shape{2, 3, 5}));
  const MatmulGate other_batch(f12, f12, {1, 3, 4, 5});
  expect_invalid_argument([&] { engine.apply(other_batch, x, w); });
  const MatmulGate other_cols(f12, f12, {2, 3, 4, 6});
  expect_invalid_argument([&] { engine.apply(other_cols, x, w); });
  const MatmulGate batched(f12, f12, {2, 3, 4, 5, true});
  expect_invalid_argument([&] { engine.apply(batched, x, w); });  // w lacks the batch axis

  // The convenience form checks ranks and inner dimensions.
  expect_invalid_argument([&] { matmul(engine, x, Masked{Tensor(Shape{5, 4}, f12)}); });
  expect_invalid_argument([&] { matmul(engine, Masked{Tensor(Shape{3, 4}, f12)}, w); });
  expect_invalid_argument([&] { matmul(engine, x, Masked{Tensor(Shape{3, 4, 5}, f12)}); });
  expect_invalid_argument([&] { matmul(engine, x, Masked{Tensor(Shape{20}, f12)}); });
  EXPECT_EQ(matmul(engine, x, Masked{Tensor(Shape{2, 4, 7}, f12)}).value.shape(), (Shape{2, 3, 7}));

  expect_invalid_argument([&] { matmul_public(x, Tensor(Shape{5, 4}, f12)); });
  expect_invalid_argument([&] { matmul_public(x, Tensor(Shape{2, 4, 5}, f12)); });
  expect_invalid_argument([&] { matmul_public(x, Tensor(Shape{4, 5}, FixedPoint{50, 38})); });
  expect_invalid_argument([&] { matmul_public(Shared{x.value}, Tensor(Shape{5, 5}, f12)); });
  const Masked product = matmul_public(x, Tensor(Shape{4, 5}, f12));
  const FixedPoint f24{50, 24};
  expect_invalid_argument([&] { add_bias(engine, product, Tensor(Shape{3}, f24)); });
  expect_invalid_argument([&] { add_bias(engine, product, Tensor(Shape{5}, f12)); });
  expect_invalid_argument([&] { add_bias(engine, product, Tensor(Shape{1, 2, 3, 5}, f24)); });
  expect_invalid_argument([&] {
    add_bias(engine, Shared{product.value}, Tensor(Shape{2, 5}, f24));
  });
}

}  // namespace
}  // namespace fss::sigma

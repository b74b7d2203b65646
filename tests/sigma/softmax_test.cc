#include "sigma/softmax.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <random>

#include "crypto/dpf.h"
#include "mpc/clear_engine.h"
#include "mpc/local_run.h"
#include "mpc/lut.h"
#include "mpc/select.h"
#include "mpc/truncate_reduce.h"
#include "sigma/broadcast.h"
#include "sigma/drelu.h"
#include "sigma/gap_truncation.h"
#include "sigma/max.h"
#include "sigma/mul.h"
#include "sigma/nexp.h"
#include "sigma/reciprocal.h"

namespace fss::sigma {
namespace {

void expect_invalid_argument(const std::function<void()>& action) {
  try {
    action();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
  }
}

uint64_t to_ring(int64_t v, int n) {
  return static_cast<uint64_t>(v) & (n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1);
}

int log2_ceil_of_successor(int64_t k) {  // ceil(log2(k + 1))
  int bits = 0;
  while ((int64_t{1} << bits) < k + 1) ++bits;
  return bits;
}

// PROTOCOLS.md §6 on one row of signed raw values with f fraction bits, from the definitions:
// e_j = nExp(max - x_j) (clip at 2^16 - 1, one table per byte), z = sum e_j, the reciprocal from
// z's 6 fraction bits kept in p bits (the sum of at most `terms` values), y_j = e_j / z in f bits.
std::vector<uint64_t> reference_softmax_row(std::span<const int64_t> row, int f, int64_t terms) {
  const double scale = std::ldexp(1.0, f);
  const auto nexp_of = [&](uint64_t x) {
    const uint64_t c = std::min<uint64_t>(x, 65535);
    const auto high =
        static_cast<uint64_t>(std::floor(std::exp(-double(c >> 8) * 256 / scale) * scale));
    const auto low = static_cast<uint64_t>(std::floor(std::exp(-double(c & 255) / scale) * scale));
    return (high * low) >> f;
  };
  const int64_t largest = *std::max_element(row.begin(), row.end());
  std::vector<uint64_t> e;
  uint64_t z = 0;
  for (int64_t v : row) z += e.emplace_back(nexp_of(static_cast<uint64_t>(largest - v)));
  const int p = f + log2_ceil_of_successor(terms);
  const uint64_t index = (z % (uint64_t{1} << p)) >> (f - 6);
  const uint64_t reciprocal = (uint64_t{1} << (f + 6)) / std::max<uint64_t>(index, 1);
  std::vector<uint64_t> y;
  for (uint64_t e_j : e) y.push_back((e_j * reciprocal) >> f);
  return y;
}

Program softmax_program(Shape shape, FixedPoint format, bool causal, int64_t window) {
  return [shape, format, causal, window](Engine& engine) {
    const Masked x = engine.input(shape, format);
    return std::vector<Masked>{
        engine.open(causal ? causal_softmax(engine, x, {}, window) : softmax(engine, x))};
  };
}

// Runs softmax (or the causal variant) on signed raw `values` of shape [..., k] and checks the
// clear engine against the reference and the protocol against the clear engine, bit for bit.
// window > 0 (causal only): row i of a matrix uses columns i - window < j <= i.
void check_softmax(const Shape& shape, FixedPoint format, const std::vector<int64_t>& values,
                   bool causal, const LocalRunOptions& options = {}, int64_t window = 0) {
  const int64_t k = shape[shape.rank() - 1];
  std::vector<uint64_t> ring_values;
  for (int64_t v : values) ring_values.push_back(to_ring(v, format.n));
  const Tensor input(shape, format, ring_values);
  const LocalRunResult run =
      run_locally(softmax_program(shape, format, causal, window), std::span(&input, 1), options);
  ASSERT_EQ(run.clear[0].shape(), shape);
  for (size_t row = 0; row * k < values.size(); ++row) {
    const int64_t i = static_cast<int64_t>(row) % k;
    const int64_t first = causal && window > 0 && i >= window ? i - window + 1 : 0;
    const int64_t used = causal ? i + 1 : k;
    const std::vector<uint64_t> expected =
        reference_softmax_row(std::span(values).subspan(row * k + first, used - first), format.f,
                              std::min(k, causal && window > 0 ? window : k));
    for (int64_t j = 0; j < k; ++j) {
      const size_t at = row * k + j;
      const uint64_t want = j >= first && j < used ? expected[j - first] : 0;
      ASSERT_EQ(run.clear[0][at], want) << "row " << row << " column " << j;
      ASSERT_EQ(run.reconstructed[0][at], want) << "row " << row << " column " << j;
    }
  }
}

// Rows of four kinds: attention-like logits in (-8, 8), anywhere in the domain
// [-2^{n-f-1}, 2^{n-f-1}), near-ties, and the domain's two ends.
std::vector<int64_t> test_rows(std::mt19937_64& rng, int64_t rows, int64_t k, FixedPoint format) {
  const int64_t limit = int64_t{1} << (format.n - format.f - 1);
  std::uniform_int_distribution<int64_t> logit(-(8 << format.f), 8 << format.f);
  std::uniform_int_distribution<int64_t> anywhere(-limit, limit - 1), tie(-2, 2);
  std::vector<int64_t> values;
  for (int64_t row = 0; row < rows; ++row) {
    for (int64_t j = 0; j < k; ++j) {
      switch (row % 4) {
        case 0:
          values.push_back(logit(rng));
          break;
        case 1:
          values.push_back(anywhere(rng));
          break;
        case 2:
          values.push_back(tie(rng));
          break;
        default:
          values.push_back(j % 3 ? -limit : limit - 1);
          break;
      }
    }
  }
  return values;
}

TEST(Softmax, RowsOfManyLengthsAgainstReference) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n : {50, 37}) {
    const FixedPoint format{n, 12};
    for (int64_t k : {1, 2, 3, 7, 128}) {
      SCOPED_TRACE(testing::Message() << "n=" << n << " k=" << k);
      const int64_t rows = std::max<int64_t>(8, 5000 / k);  // per batch element: 10^4 in all
      const Shape shape{2, rows, k};
      check_softmax(shape, format, test_rows(rng, 2 * rows, k, format), false,
                    {.seed = Block{rng(), rng()}});
    }
  }
}

TEST(Softmax, OverTcp) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const FixedPoint format{37, 12};
  check_softmax({3, 8, 7}, format, test_rows(rng, 24, 7, format), false,
                {.seed = Block{rng(), rng()}, .tcp = true});
}

TEST(Softmax, CausalRowsUseTheLowerTriangleOnly) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n : {50, 37}) {
    const FixedPoint format{n, 12};
    for (int64_t L : {1, 2, 3, 7, 33, 128}) {
      SCOPED_TRACE(testing::Message() << "n=" << n << " L=" << L);
      const int64_t heads = L == 128 ? 1 : 3;
      const Shape shape{2, heads, L, L};  // batch, heads
      std::vector<int64_t> values = test_rows(rng, 2 * heads * L, L, format);
      // Above the diagonal: any ring value, far outside the domain; it must not matter.
      std::uniform_int_distribution<int64_t> garbage(std::numeric_limits<int64_t>::min(),
                                                     std::numeric_limits<int64_t>::max());
      for (size_t at = 0; at < values.size(); ++at)
        if (int64_t(at) % L > int64_t(at) / L % L) values[at] = garbage(rng) >> (64 - n);
      check_softmax(shape, format, values, true, {.seed = Block{rng(), rng()}});
    }
  }
}

TEST(Softmax, LocalCausalRowsUseTheirBandOnly) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const FixedPoint format{50, 12};
  for (const auto& [L, window] : {std::pair{7, 3}, {9, 4}, {5, 5}, {6, 1}, {33, 8}}) {
    SCOPED_TRACE(testing::Message() << "L=" << L << " window=" << window);
    const Shape shape{2, 2, L, L};
    std::vector<int64_t> values = test_rows(rng, 4 * L, L, format);
    // Outside the band: any ring value, far outside the domain; it must not matter.
    std::uniform_int_distribution<int64_t> garbage(std::numeric_limits<int64_t>::min(),
                                                   std::numeric_limits<int64_t>::max());
    for (size_t at = 0; at < values.size(); ++at) {
      const int64_t i = int64_t(at) / L % L, j = int64_t(at) % L;
      if (j > i || j <= i - window) values[at] = garbage(rng) >> (64 - format.n);
    }
    check_softmax(shape, format, values, true, {.seed = Block{rng(), rng()}}, window);
  }
}

TEST(Softmax, MaxPerRowOnLowerTriangles) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const FixedPoint format{50, 12};
  const int m = 39;
  const int64_t matrices = 4, L = 9;
  const RowLayout layout = RowLayout::lower_triangles(matrices, L);
  std::uniform_int_distribution<int64_t> value(-(int64_t{1} << (m - 2)),
                                               (int64_t{1} << (m - 2)) - 1);
  std::vector<int64_t> values(layout.elements());
  for (int64_t& v : values) v = value(rng) >> (rng() % 40);  // many magnitudes, some ties
  std::vector<uint64_t> ring_values;
  for (int64_t v : values) ring_values.push_back(to_ring(v, format.n));
  const Shape shape{layout.elements()};
  const Tensor input(shape, format, ring_values);
  const Program program = [&](Engine& engine) {
    return std::vector<Masked>{max_per_row(engine, engine.input(shape, format), layout, m)};
  };
  const LocalRunResult run = run_locally(program, std::span(&input, 1), {.seed = Block{rng(), 3}});
  ASSERT_EQ(run.clear[0].shape(), Shape{layout.rows()});
  for (int64_t row = 0; row < layout.rows(); ++row) {
    const auto first = values.begin() + layout.offset(row);
    const uint64_t want = to_ring(*std::max_element(first, first + layout.length(row)), format.n);
    EXPECT_EQ(run.clear[0][row], want) << "row " << row;
    EXPECT_EQ(run.reconstructed[0][row], want) << "row " << row;
  }
}

// The documented costs of softmax on rows of the given lengths, per label: key bytes (dealer),
// bytes sent and rounds (each party), computed gate by gate from the headers' formulas.
struct Expected {
  uint64_t key_bytes = 0, bytes_sent = 0, rounds = 0;
};
std::map<std::string, Expected> expected_costs(int n, int f, const std::vector<int64_t>& lengths) {
  const auto packed = [](uint64_t count, int bits) { return (count * bits + 7) / 8; };
  const auto dpf = [](int bits) { return dpf_key_bytes({bits, 1}); };
  std::map<std::string, Expected> costs;
  const auto add = [&](const std::string& label, uint64_t key, uint64_t sent, uint64_t rounds) {
    costs[label].key_bytes += key;
    costs[label].bytes_sent += sent;
    costs[label].rounds += rounds;
  };
  // 1. The comparison tree on m = n - f + 1 bits.
  const int m_max = n - f + 1;
  const std::string compare = DreluGate({n, f}, m_max).describe();
  const std::string select = SelectGate({n, f}).describe();
  std::vector<int64_t> widths = lengths;
  while (*std::max_element(widths.begin(), widths.end()) > 1) {
    uint64_t h = 0;
    for (int64_t& w : widths) h += w / 2, w = (w + 1) / 2;
    add(compare, 16 + h * dpf(m_max - 1) + packed(h, 1), 0, 0);
    add(kMaxBitLabel, 0, packed(h, 1), 1);
    add(select, 3 * packed(h, n), 0, 0);
    add(kMaxValueLabel, 0, packed(h, n), 1);
  }
  uint64_t N = 0;
  for (int64_t length : lengths) N += length;
  const uint64_t R = lengths.size();
  const int64_t k = *std::max_element(lengths.begin(), lengths.end());
  // 2. nExp on N elements, m = n - f + 2.
  const int m = n - f + 2;
  const std::vector<uint64_t> bytes(256);
  const std::string product = MulGate({n, f}, {n, f}).describe();
  const std::string gap_ars = GapArsGate({n, 2 * f}, f).describe();
  add(DreluGate({n, f}, m, {-65536}).describe(), 16 + N * dpf(m - 1) + packed(N, 1), 0, 0);
  add(kNexpClipBitLabel, 0, packed(N, 1), 1);
  add(SelectGate({16, 0}).describe(), 3 * packed(N, 16), 0, 0);
  add(kNexpClippedLabel, 0, packed(N, 16), 1);
  add(TruncateReduceGate({16, 0}, 8).describe(), 16 + N * dpf(8) + packed(N, 1) + 2 * packed(N, 8),
      packed(N, 1), 1);
  add(kNexpHighByteLabel, 0, packed(N, 8), 1);
  for (const char* table : {kNexpHighTable, kNexpLowTable})
    add(LutGate(table, {8, 0}, {n, f}, bytes).describe(), 16 + N * dpf(8) + 2 * packed(N, n),
        packed(N, n), 1);
  add(kNexpTablesLabel, 0, packed(2 * N, n), 1);
  add(product, 3 * packed(N, n), 0, 0);
  add("mul_truncate open", 0, packed(N, n), 1);
  add(gap_ars, 16 + N * dpf(f) + packed(N, 1) + 2 * packed(N, n) + packed(N, f), packed(N, 1), 1);
  add(kSoftmaxExponentialsLabel, 0, packed(N, n), 1);
  // 4. The reciprocal on R sums.
  const int p = f + log2_ceil_of_successor(k), q = p - f + 6;
  add(TruncateReduceGate({p, f}, f - 6).describe(),
      16 + R * dpf(f - 6) + packed(R, 1) + 2 * packed(R, q), packed(R, 1), 1);
  add(kReciprocalIndexLabel, 0, packed(R, q), 1);
  add(LutGate(kReciprocalTable, {q, 6}, {n, f}, std::vector<uint64_t>(uint64_t{1} << q)).describe(),
      16 + R * dpf(q) + 2 * packed(R, n), packed(R, n), 1);
  add(kSoftmaxReciprocalsLabel, 0, packed(R, n), 1);
  // 5. The products.
  add(product, 3 * packed(N, n), 0, 0);
  add("mul_truncate open", 0, packed(N, n), 1);
  add(gap_ars, 16 + N * dpf(f) + packed(N, 1) + 2 * packed(N, n) + packed(N, f), packed(N, 1), 1);
  return costs;
}

void check_costs(const LocalRunResult& run, const std::map<std::string, Expected>& expected,
                 uint64_t expected_rounds) {
  Expected total;
  for (const auto& [label, cost] : expected) {
    SCOPED_TRACE(label);
    ASSERT_TRUE(run.dealer_costs.entries().contains(label));
    EXPECT_EQ(run.dealer_costs.entries().at(label).key_bytes, cost.key_bytes);
    for (int party = 0; party < 2; ++party) {
      ASSERT_TRUE(run.party_costs[party].entries().contains(label));
      EXPECT_EQ(run.party_costs[party].entries().at(label).bytes_sent, cost.bytes_sent);
      EXPECT_EQ(run.party_costs[party].entries().at(label).rounds, cost.rounds);
    }
    total.key_bytes += cost.key_bytes;
    total.bytes_sent += cost.bytes_sent;
    total.rounds += cost.rounds;
  }
  EXPECT_EQ(total.rounds, expected_rounds);
  EXPECT_EQ(run.dealer_costs.entries().size(), expected.size());
  EXPECT_EQ(run.dealer_costs.total().key_bytes, total.key_bytes);
  for (int party = 0; party < 2; ++party) {
    EXPECT_EQ(run.party_costs[party].total().key_bytes, total.key_bytes);
    EXPECT_EQ(run.party_costs[party].total().bytes_sent, total.bytes_sent);
    EXPECT_EQ(run.party_costs[party].total().rounds, total.rounds);
  }
}

Program softmax_only(Shape shape, FixedPoint format, bool causal) {  // the result stays shared
  return [shape, format, causal](Engine& engine) {
    const Masked x = engine.input(shape, format);
    causal ? causal_softmax(engine, x) : softmax(engine, x);
    return std::vector<Masked>{};
  };
}

TEST(Softmax, CostsMatchTheFormula) {
  for (int n : {50, 37}) {
    SCOPED_TRACE(testing::Message() << "n=" << n);
    const FixedPoint format{n, 12};
    const Shape shape{2, 5, 7};
    const Tensor input(shape, format);
    const LocalRunResult run =
        run_locally(softmax_only(shape, format, false), std::span(&input, 1));
    check_costs(run, expected_costs(n, 12, std::vector<int64_t>(10, 7)), 2 * 3 + 16);
  }
}

TEST(Softmax, CausalCostsCountTheLowerTriangleOnly) {
  const FixedPoint format{50, 12};
  const int64_t matrices = 6, L = 12;
  const Shape shape{2, 3, L, L};
  const Tensor input(shape, format);
  const LocalRunResult run = run_locally(softmax_only(shape, format, true), std::span(&input, 1));
  std::vector<int64_t> lengths;
  for (int64_t matrix = 0; matrix < matrices; ++matrix)
    for (int64_t i = 0; i < L; ++i) lengths.push_back(i + 1);
  check_costs(run, expected_costs(50, 12, lengths), 2 * 4 + 16);
  // L (L - 1) / 2 comparisons and L (L + 1) / 2 exponentials per matrix.
  const auto& entries = run.dealer_costs.entries();
  EXPECT_EQ(entries.at(DreluGate(format, 39).describe()).elements, uint64_t(matrices * 66));
  EXPECT_EQ(entries.at(DreluGate(format, 40, {-65536}).describe()).elements,
            uint64_t(matrices * 78));
}

TEST(Softmax, DenseGridAccuracy) {
  // Clear engine against float64 softmax at n = 50, f = 12: every pair (0, -d) with d a
  // representable value in [0, 32), and random rows of 7 and 128 logits in (-16, 16).
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const FixedPoint format{50, 12};
  const double scale = std::ldexp(1.0, format.f);
  // Largest error (ulp) against the exact value and against its rounding.
  const auto measure = [&](int64_t k, const std::vector<int64_t>& values) {
    const int64_t rows = static_cast<int64_t>(values.size()) / k;
    const Shape shape{rows, k};
    std::vector<uint64_t> ring_values;
    for (int64_t v : values) ring_values.push_back(to_ring(v, format.n));
    ClearEngine clear;
    clear.provide_input(Tensor(shape, format, ring_values));
    const Shared y = softmax(clear, clear.input(shape, format));
    std::pair<double, double> worst{0, 0};
    for (int64_t row = 0; row < rows; ++row) {
      const auto first = values.begin() + row * k;
      const double largest = double(*std::max_element(first, first + k));
      double z = 0;
      for (int64_t j = 0; j < k; ++j) z += std::exp((double(first[j]) - largest) / scale);
      for (int64_t j = 0; j < k; ++j) {
        const double exact = std::exp((double(first[j]) - largest) / scale) / z * scale;
        const double got = double(y.value[row * k + j]);
        worst.first = std::max(worst.first, std::abs(got - exact));
        worst.second = std::max(worst.second, std::abs(got - std::round(exact)));
      }
    }
    return worst;
  };
  // Each exponential but the row maximum's (exact) is low by < 3 ulp and the index drops up to
  // 2^{f-6} = 64 ulp of z, so with loss = 3 (k - 1) + 64 the result is high by less than
  // 2^f loss / (2^f - loss) ulp; it is low by less than 5 ulp.
  const auto bound = [&](int64_t k) {
    const double loss = 3.0 * double(k - 1) + 64;
    return scale * loss / (scale - loss);
  };

  std::vector<int64_t> pairs;
  for (int64_t d = 0; d < (int64_t{1} << 17); ++d) pairs.push_back(0), pairs.push_back(-d);
  const auto [pair_exact, pair_rounded] = measure(2, pairs);
  EXPECT_LE(pair_exact, 63.25) << "measured " << pair_exact;  // measured 63.21
  EXPECT_LE(pair_rounded, 63.0) << "measured " << pair_rounded;

  std::uniform_int_distribution<int64_t> logit(-(16 << format.f), 16 << format.f);
  for (int64_t k : {7, 128}) {
    std::vector<int64_t> values(k * (k == 7 ? 16384 : 1024));
    for (int64_t& v : values) v = logit(rng);
    const auto [exact, rounded] = measure(k, values);
    EXPECT_LE(exact, bound(k)) << "k=" << k << " measured " << exact;
    EXPECT_LE(rounded, bound(k) + 0.5) << "k=" << k << " measured " << rounded;
    RecordProperty(fmt::format("max_error_ulp_k{}", k), fmt::format("{:.2f}", exact));
  }
}

TEST(Softmax, RejectsBadArguments) {
  const auto run_on = [](Shape shape, FixedPoint format, bool causal) {
    ClearEngine clear;
    clear.provide_input(Tensor(shape, format));
    const Masked x = clear.input(shape, format);
    causal ? causal_softmax(clear, x) : softmax(clear, x);
  };
  expect_invalid_argument([&] { run_on(Shape{}, {50, 12}, false); });
  expect_invalid_argument([&] { run_on(Shape{3, 0}, {50, 12}, false); });
  expect_invalid_argument([&] { run_on(Shape{3, 1 << 14}, {50, 12}, false); });
  expect_invalid_argument([&] { run_on(Shape{3, 4}, {50, 6}, false); });
  expect_invalid_argument([&] { run_on(Shape{3, 4}, {50, 13}, false); });
  expect_invalid_argument([&] { run_on(Shape{3, 4}, {26, 12}, false); });
  expect_invalid_argument([&] { run_on(Shape{4}, {50, 12}, true); });
  expect_invalid_argument([&] { run_on(Shape{2, 3, 4}, {50, 12}, true); });
  expect_invalid_argument([&] { run_on(Shape{2, 0, 0}, {50, 12}, true); });
  expect_invalid_argument([] {
    ClearEngine clear;
    clear.provide_input(Tensor(Shape{5}, {50, 12}));
    max_per_row(clear, clear.input(Shape{5}, {50, 12}), RowLayout::uniform(2, 3), 39);
  });
  EXPECT_NO_THROW(run_on(Shape{3, 4}, {27, 12}, false));
  EXPECT_NO_THROW(run_on(Shape{4, 4}, {22, 7}, true));
}

TEST(Broadcast, MovesValuesAlongRows) {
  Tensor column(Shape{2, 3, 1}, {16, 0});
  for (size_t i = 0; i < column.size(); ++i) column[i] = 10 + i;
  const Tensor wide = broadcast_last_axis(column, 4);
  ASSERT_EQ(wide.shape(), (Shape{2, 3, 4}));
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t j = 0; j < 4; ++j) EXPECT_EQ(wide.at({a, b, j}), column.at({a, b, 0}));

  const RowLayout uniform = RowLayout::uniform(3, 2);
  EXPECT_EQ(uniform.rows(), 3);
  EXPECT_EQ(uniform.elements(), 6);
  EXPECT_EQ(uniform.max_length(), 2);
  const RowLayout triangles = RowLayout::lower_triangles(2, 3);  // lengths 1 2 3 1 2 3
  ASSERT_EQ(triangles.rows(), 6);
  EXPECT_EQ(triangles.elements(), 12);
  EXPECT_EQ(triangles.max_length(), 3);
  EXPECT_EQ(triangles.offset(4), 7);
  EXPECT_EQ(triangles.length(5), 3);

  Tensor per_row(Shape{6}, {8, 0}, {1, 2, 3, 4, 5, 250});
  const Tensor repeated = repeat_per_row(per_row, triangles);
  EXPECT_EQ(std::vector<uint64_t>(repeated.data().begin(), repeated.data().end()),
            (std::vector<uint64_t>{1, 2, 2, 3, 3, 3, 4, 5, 5, 250, 250, 250}));
  const Tensor sums = sum_per_row(repeated, triangles);
  EXPECT_EQ(std::vector<uint64_t>(sums.data().begin(), sums.data().end()),
            (std::vector<uint64_t>{1, 4, 9, 4, 10, 750 % 256}));

  const RowLayout band = RowLayout::lower_triangles(1, 4, 2);  // columns 0; 0-1; 1-2; 2-3
  ASSERT_EQ(band.rows(), 4);
  EXPECT_EQ(band.elements(), 7);
  EXPECT_EQ(band.max_length(), 2);
  EXPECT_EQ(band.offset(3), 5);

  Tensor square(Shape{2, 3, 3}, {16, 0});
  for (size_t i = 0; i < square.size(); ++i) square[i] = 100 + i;
  const Tensor packed = pack_lower_triangles(square);
  EXPECT_EQ(std::vector<uint64_t>(packed.data().begin(), packed.data().end()),
            (std::vector<uint64_t>{100, 103, 104, 106, 107, 108, 109, 112, 113, 115, 116, 117}));
  const Tensor back = unpack_lower_triangles(packed, square.shape());
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 3; ++j)
        EXPECT_EQ(back.at({a, i, j}), j <= i ? square.at({a, i, j}) : 0);
  const Tensor banded = pack_lower_triangles(square, 2);
  EXPECT_EQ(std::vector<uint64_t>(banded.data().begin(), banded.data().end()),
            (std::vector<uint64_t>{100, 103, 104, 107, 108, 109, 112, 113, 116, 117}));
  const Tensor banded_back = unpack_lower_triangles(banded, square.shape(), 2);
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 3; ++j)
        EXPECT_EQ(banded_back.at({a, i, j}), j <= i && j > i - 2 ? square.at({a, i, j}) : 0);

  const Masked low = low_bits(Masked{square}, {4, 0});
  for (size_t i = 0; i < square.size(); ++i) EXPECT_EQ(low.value[i], square[i] % 16);
}

TEST(Broadcast, RejectsBadShapes) {
  const Tensor t(Shape{2, 3}, {16, 0});
  expect_invalid_argument([&] { broadcast_last_axis(t, 4); });
  expect_invalid_argument([&] { broadcast_last_axis(Tensor(Shape{2, 1}, {16, 0}), 0); });
  expect_invalid_argument([&] { broadcast_last_axis(Tensor(Shape{}, {16, 0}), 2); });
  expect_invalid_argument([&] { RowLayout::uniform(2, 0); });
  expect_invalid_argument([&] { RowLayout::lower_triangles(2, 0); });
  expect_invalid_argument([&] {
    repeat_per_row(Tensor(Shape{3}, {16, 0}), RowLayout::uniform(2, 2));
  });
  expect_invalid_argument([&] {
    sum_per_row(Tensor(Shape{5}, {16, 0}), RowLayout::uniform(2, 2));
  });
  expect_invalid_argument([&] { pack_lower_triangles(t); });
  expect_invalid_argument([&] { unpack_lower_triangles(Tensor(Shape{5}, {16, 0}), Shape{2, 2}); });
  expect_invalid_argument([&] { low_bits(Masked{t}, {17, 0}); });
}

}  // namespace
}  // namespace fss::sigma

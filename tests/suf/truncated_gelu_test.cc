// The truncated-view GeLU (suf/activations.h): the sign-and-range SUF gate exhaustively under
// chosen masks, the composite against a plain reference of its five steps on every input of
// small rings and at full width over TCP, its error against float64 GeLU, and its costs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "composite_checks.h"
#include "core/error.h"
#include "gate_checks.h"
#include "mpc/clear_engine.h"
#include "suf/activations.h"

namespace fss::suf {
namespace {

using testing::dpf_bytes;
using testing::packed;

double gelu_real(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

// floor(a / 2^s) for signed a.
int64_t floor_shift(int64_t a, int s) {
  return a >= 0 ? a >> s : -((-a + (int64_t{1} << s) - 1) >> s);
}

// The five steps of the header written out on integers: the table from its definition, the
// input read signed on w = n - f + 1 bits for the comparisons and whole for ReLU.
uint64_t reference_gelu(FixedPoint format, int entries, uint64_t x) {
  const int n = format.n, f = format.f;
  const int k = static_cast<int>(std::log2(entries)), q = k - 2;
  const Ring ring = format.ring();
  const Ring view{n - f + 1};
  const int64_t y = floor_shift(view.to_signed(x & view.mask()), f - q);
  const int64_t z = floor_shift(y, k);
  const bool nonnegative = z >= 0, in_range = z == 0 || z == -1;
  const int64_t cell = !in_range ? entries - 1 : nonnegative ? y : -y - 1;
  const double v = (static_cast<double>(cell) + 0.5) / std::ldexp(1.0, q);
  const int64_t delta = std::llround((v - gelu_real(v)) * std::ldexp(1.0, f));
  return ring.sub(nonnegative ? x : 0, ring.from_signed(delta));
}

testing::ProgramOf gelu_program(int entries) {
  return testing::one_input_program(
      [=](Engine& engine, const Masked& x) { return gelu(engine, x, entries); });
}

TEST(SufSignRange, EveryInputUnderChosenMasks) {
  for (int n : {2, 3, 5, 8, 10}) {
    const Ring ring{n};
    // Masks that put each threshold (1, 2^n - 1, 2^{n-1}) on x^ = 0 and next to it, the ring's
    // edges (x^ wraps for most x), then uniform ones.
    std::vector<uint64_t> masks = {0, 1, ring.mask()};
    for (uint64_t threshold : {uint64_t{1}, ring.mask(), uint64_t{1} << (n - 1)})
      for (int64_t offset : {-1, 0, 1})
        masks.push_back(ring.sub(ring.from_signed(offset), threshold));
    testing::expect_bits_under_masks(sign_range_gate({n, 0}), masks, 91 + n, [&](uint64_t x) {
      const int64_t z = ring.to_signed(x);
      return std::vector<uint64_t>{z >= 0, z == 0 || z == -1};
    });
  }
}

TEST(SufSignRange, KeySizeDoesNotDependOnTheMaskAndMatchesTheFormula) {
  for (int n : {8, 25}) {
    const FixedPoint format{n, 0};
    const SufGate gate = sign_range_gate(format);
    // One DPF_{n,1} for the three width-n queries, the two output bits' masks; no round.
    const uint64_t expected = 16 + dpf_bytes(n) + 2 * packed(1, 1);
    EXPECT_EQ(gate.key_bytes(1), expected);
    EXPECT_EQ(gate.key_bytes(800), 16 + 800 * dpf_bytes(n) + 2 * packed(800, 1));
    EXPECT_EQ(gate.bytes_sent(800), 0u);
    EXPECT_EQ(gate.rounds(), 0);
    std::mt19937_64 rng(5 + n);
    std::vector<uint64_t> masks = {0, 1, format.ring().mask(), uint64_t{1} << (n - 1)};
    while (masks.size() < 1004) masks.push_back(rng() & format.ring().mask());
    testing::expect_key_size_for_masks(gate, masks, expected);
  }
}

TEST(SufTruncatedGelu, EveryInputOfSmallRingsUnder64Masks) {
  // (n, f, entries): w = 7, y on 5 bits, z on 2; w = 9, y on 7 bits, z on 5.
  for (auto [n, f, entries] : {std::tuple{9, 3, 8}, {10, 2, 4}}) {
    const FixedPoint format{n, f};
    testing::expect_every_input_under_64_masks(
        gelu_program(entries), format,
        [&](uint64_t x) { return reference_gelu(format, entries, x); }, n);
  }
}

TEST(SufTruncatedGelu, RandomAtFullWidthOverTcpWithCosts) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const FixedPoint format{50, 12};
  const Ring ring = format.ring();
  const int64_t faithful = int64_t{1} << (50 - 12);
  std::vector<int64_t> edges = {0, -1, 1, faithful - 1, -faithful};
  for (int64_t cell = -260; cell <= 260; cell += 4)  // cell boundaries around |x| = 4
    for (int64_t offset : {-1, 0}) edges.push_back(cell * 64 + offset);
  std::vector<uint64_t> xs;
  for (int64_t v : edges) xs.push_back(ring.from_signed(v));
  while (xs.size() < 5'000)  // |x| < 16
    xs.push_back(ring.from_signed(static_cast<int64_t>(rng() % (32 << 12)) - (16 << 12)));
  while (xs.size() < 10'000) xs.push_back(rng() & ring.mask());
  const LocalRunResult run = testing::expect_reference(
      gelu_program(256), format, xs, [&](uint64_t x) { return reference_gelu(format, 256, x); },
      {.seed = Block{rng(), rng()}, .tcp = true});

  // Per party, from the five steps (w = 39, y on 33 bits, z on 25, k = 8), then the open.
  const uint64_t count = xs.size(), n = 50;
  const uint64_t key = (16 + count * dpf_bytes(6) + packed(count, 1) + 2 * packed(count, 33)) +
                       (16 + count * dpf_bytes(8) + packed(count, 1) + 2 * packed(count, 25)) +
                       (16 + count * dpf_bytes(25) + 2 * packed(count, 1)) + 8 * packed(count, 8) +
                       (16 + count * dpf_bytes(8) + 2 * packed(count, n)) + 3 * packed(count, n);
  const uint64_t sent = packed(count, 1) + packed(count, 33) + packed(count, 1) +
                        packed(count, 25) + packed(2 * count, 1) + packed(count, 8) +
                        packed(count, n) + packed(count, n);
  EXPECT_EQ(run.dealer_costs.total().key_bytes, key);
  for (int party = 0; party < 2; ++party) {
    EXPECT_EQ(run.party_costs[party].total().bytes_sent, sent);
    EXPECT_EQ(run.party_costs[party].total().rounds, 8u);
  }
}

TEST(SufTruncatedGelu, ErrorAgainstGelu) {
  // Every input with |x| < 16 at f = 12 through the clear engine (bit for bit the parties', per
  // the tests above). Measured: 256 cells 16.000 ulp, 1024 cells 4.377 ulp (a cell spans 2^-q on
  // each side of its midpoint and delta's slope is at most 1/2).
  for (auto [entries, bound] : {std::pair{256, 16.01}, {1024, 4.38}}) {
    const FixedPoint format{50, 12};
    const Ring ring = format.ring();
    const int64_t limit = int64_t{16} << 12;
    std::vector<uint64_t> xs;
    for (int64_t x = -limit; x < limit; ++x) xs.push_back(ring.from_signed(x));
    const std::vector<uint64_t> out = testing::clear_outputs(gelu_program(entries), format, xs);
    double worst = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      const double got = static_cast<double>(ring.to_signed(out[i]));
      worst = std::max(worst, std::abs(got - gelu_real(format.decode(xs[i])) * 4096));
    }
    EXPECT_LT(worst, bound) << "entries=" << entries;
  }
}

TEST(SufTruncatedGelu, RejectsBadParameters) {
  ClearEngine engine;
  for (auto [n, f, entries] :
       {std::tuple{50, 12, 300}, {50, 12, 2}, {50, 12, 8192}, {26, 12, 256}, {50, 6, 256}}) {
    const FixedPoint format{n, f};
    engine.provide_input(Tensor(Shape{1}, format, {0}));
    const Masked x = engine.input(Shape{1}, format);
    EXPECT_THROW(gelu(engine, x, entries), Error) << n << " " << f << " " << entries;
  }
  EXPECT_THROW(sign_range_spec({1, 0}), Error);
  EXPECT_THROW(sign_range_spec({8, 2}), Error);
}

}  // namespace
}  // namespace fss::suf

#include "suf/suf_gate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "core/error.h"
#include "core/ring.h"
#include "mpc/local_run.h"
#include "suf/builders.h"
#include "test_specs.h"

namespace fss::suf {
namespace {

constexpr uint64_t kZero = 0, kOne = 1;

// Serialized key sizes as docs/fss-keys.md states them.
uint64_t dpf_bytes(uint64_t k) {
  const uint64_t levels = k - std::min<uint64_t>(k, 7);
  return 16 + 16 * levels + (levels + 7) / 8 + 16;
}
uint64_t dcf_bytes(uint64_t n) { return 16 + 16 * n + 2 * ((n + 7) / 8) + (n * n + 7) / 8; }
uint64_t packed(uint64_t count, uint64_t bits) { return (count * bits + 7) / 8; }

// x -> every output of the gate, opened.
Program gate_program(const SufGate& gate, Shape shape) {
  return [&gate, shape](Engine& engine) {
    const Masked x = engine.input(shape, gate.input_formats()[0]);
    const Masked* inputs[] = {&x};
    std::vector<Masked> opened;
    for (const Shared& out : engine.apply(gate, inputs)) opened.push_back(engine.open(out));
    return opened;
  };
}

LocalRunResult run_gate(const SufGate& gate, const std::vector<uint64_t>& xs, Block seed,
                        bool tcp = false) {
  const Shape shape{static_cast<int64_t>(xs.size())};
  const Tensor input(shape, gate.input_formats()[0], xs);
  LocalRunResult run =
      run_locally(gate_program(gate, shape), std::span(&input, 1), {.seed = seed, .tcp = tcp});
  EXPECT_EQ(run.clear.size(), gate.output_formats().size());
  for (size_t k = 0; k < run.clear.size(); ++k)
    for (size_t i = 0; i < xs.size(); ++i)
      EXPECT_EQ(run.reconstructed[k][i], run.clear[k][i])
          << gate.describe() << " output " << k << " x=" << xs[i];
  return run;
}

// Every value of the ring, `copies` times (each copy gets fresh masks).
std::vector<uint64_t> every_value(int n, int copies) {
  std::vector<uint64_t> xs;
  for (int copy = 0; copy < copies; ++copy)
    for (uint64_t x = 0; x < (uint64_t{1} << n); ++x) xs.push_back(x);
  return xs;
}

// Ring edges around each value of `points`, then uniform values up to `total`.
std::vector<uint64_t> edges_then_random(int n, const std::vector<uint64_t>& points, size_t total,
                                        std::mt19937_64& rng) {
  const Ring ring{n};
  std::vector<uint64_t> xs = {
      0, 1, ring.mask(), ring.mask() - 1, ring.mask() >> 1, (ring.mask() >> 1) + 1};
  for (uint64_t point : points)
    for (uint64_t delta : {uint64_t{0}, uint64_t{1}, ring.mask()})
      xs.push_back(ring.add(point, delta));
  while (xs.size() < total) xs.push_back(rng() & ring.mask());
  return xs;
}

void expect_sink_reference(int n, const std::vector<uint64_t>& xs, const LocalRunResult& run) {
  for (size_t i = 0; i < xs.size(); ++i) {
    const testing::SinkValue expected = testing::sink_reference(n, xs[i]);
    const uint64_t values[9] = {expected.y0,      expected.y1,      expected.index,
                                expected.bits[0], expected.bits[1], expected.bits[2],
                                expected.bits[3], expected.bits[4], expected.bits[5]};
    for (int k = 0; k < 9; ++k)
      ASSERT_EQ(run.clear[k][i], values[k]) << "n=" << n << " output " << k << " x=" << xs[i];
  }
}

constexpr LookupChoice kBothLookups[] = {LookupChoice::kDcf, LookupChoice::kComparisonBits};

TEST(SufGate, ReluAndDreluExhaustiveOnSmallRings) {
  for (int n = 2; n <= 8; ++n) {
    const SufGate relu_bits = relu_gate({n, 0});  // the smaller key: comparison bits
    const SufGate relu_dcf(relu_spec({n, 0}), GateKind::kSufRelu, LookupChoice::kDcf);
    const SufGate drelu = drelu_gate({n, 0});
    ASSERT_EQ(relu_bits.plan().lookup_mode, LookupMode::kComparisonBits);
    const std::vector<uint64_t> xs = every_value(n, 8);
    const LocalRunResult bits_run = run_gate(relu_bits, xs, Block{uint64_t(n), 1});
    const LocalRunResult dcf_run = run_gate(relu_dcf, xs, Block{uint64_t(n), 4});
    const LocalRunResult drelu_run = run_gate(drelu, xs, Block{uint64_t(n), 2});
    for (size_t i = 0; i < xs.size(); ++i) {
      const bool negative = xs[i] >> (n - 1);
      ASSERT_EQ(bits_run.clear[0][i], negative ? 0 : xs[i]) << "n=" << n << " x=" << xs[i];
      ASSERT_EQ(dcf_run.clear[0][i], negative ? 0 : xs[i]) << "n=" << n << " x=" << xs[i];
      ASSERT_EQ(drelu_run.clear[0][i], negative ? 0u : 1u) << "n=" << n << " x=" << xs[i];
    }
  }
}

TEST(SufGate, SinkSpecExhaustiveOnSmallRings) {
  for (LookupChoice lookup : kBothLookups) {
    for (auto [n, copies] : {std::pair{5, 16}, {8, 4}}) {
      const SufGate gate(testing::sink_spec(n), GateKind::kSuf, lookup);
      const std::vector<uint64_t> xs = every_value(n, copies);
      expect_sink_reference(n, xs, run_gate(gate, xs, Block{uint64_t(n), 3}));
    }
  }
}

TEST(SufGate, SinkSpecRandomAtFullWidthOnceOverTcp) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (LookupChoice lookup : kBothLookups) {
    for (int n : {37, 50, 64}) {
      const SufGate gate(testing::sink_spec(n), GateKind::kSuf, lookup);
      const std::vector<uint64_t> xs = edges_then_random(n, testing::sink_starts(n), 10'000, rng);
      const bool tcp = n == 50 && lookup == LookupChoice::kDcf;
      expect_sink_reference(n, xs, run_gate(gate, xs, Block{rng(), rng()}, tcp));
    }
  }
}

// The intervals and predicates read x mod 2^w, the polynomials x: n = 8, w = 5, intervals
// [0, 5) -> 3x + 1, [5, 20) -> x^2, [20, 32) -> 7; outputs 1{view < 9}, MSB_5, D_{2,3}.
TEST(SufGate, EffectiveWidthExhaustiveInBothLookups) {
  SufSpec spec;
  spec.name = "view";
  spec.input = {8, 0};
  spec.effective_width = 5;
  spec.degree = 2;
  spec.outputs = 1;
  spec.starts = {0, 5, 20};
  spec.coefficients = {{{1, 3}}, {{0, 0, 1}}, {{7}}};
  std::vector<BoolNode>& nodes = spec.bool_nodes;
  spec.bool_outputs = {add_less(nodes, 9), add_msb(nodes), add_low_less(nodes, 2, 3)};
  for (LookupChoice lookup : kBothLookups) {
    const SufGate gate(spec, GateKind::kSuf, lookup);
    const std::vector<uint64_t> xs = every_value(8, 8);
    const LocalRunResult run = run_gate(gate, xs, Block{8, 5});
    for (size_t i = 0; i < xs.size(); ++i) {
      const uint64_t x = xs[i], view = x % 32;
      const uint64_t y = view < 5 ? (3 * x + 1) % 256 : view < 20 ? (x * x) % 256 : 7;
      ASSERT_EQ(run.clear[0][i], y) << "x=" << x;
      ASSERT_EQ(run.clear[1][i], view < 9 ? 1u : 0u) << "x=" << x;
      ASSERT_EQ(run.clear[2][i], (view >> 4) & 1) << "x=" << x;
      ASSERT_EQ(run.clear[3][i], (x % 8) < 2 ? 1u : 0u) << "x=" << x;
    }
  }
}

// One interval: the polynomial is public, so Φ needs no round ((x^ - r)^k from shares of r^i).
SufSpec public_polynomial_spec(int n) {
  SufSpec spec;
  spec.name = "public_poly";
  spec.input = {n, 0};
  spec.degree = 2;
  spec.outputs = 1;
  spec.starts = {0};
  spec.coefficients = {{{3, 2, 5}}};
  spec.bool_outputs = {add_less(spec.bool_nodes, uint64_t{1} << (n - 2))};
  return spec;
}

TEST(SufGate, PublicPolynomialNeedsNoRound) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n : {6, 50}) {
    const SufGate gate(public_polynomial_spec(n));
    const Ring ring{n};
    const std::vector<uint64_t> xs =
        n == 6 ? every_value(n, 32) : edges_then_random(n, {uint64_t{1} << (n - 2)}, 10'000, rng);
    const LocalRunResult run = run_gate(gate, xs, Block{rng(), rng()});
    for (size_t i = 0; i < xs.size(); ++i) {
      const unsigned __int128 x = xs[i];
      ASSERT_EQ(run.clear[0][i], static_cast<uint64_t>((3 + 2 * x + 5 * x * x) & ring.mask()));
      ASSERT_EQ(run.clear[1][i], xs[i] < (uint64_t{1} << (n - 2)) ? 1u : 0u);
    }
    const uint64_t count = xs.size();
    EXPECT_EQ(gate.rounds(), 0);
    EXPECT_EQ(run.dealer_costs.entries().at(gate.describe()).key_bytes,
              16 + count * dpf_bytes(n) + 3 * packed(count, n) + packed(count, 1));
    EXPECT_EQ(run.party_costs[0].entries().at(gate.describe()).rounds, 0u);
  }
}

double gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

TEST(SufGate, GeluSplineExhaustiveOnASmallRing) {
  // n = 12, f = 4, 16 pieces of 8 ulps on [-4, 4): output at scale 2f = 8.
  const FixedPoint format{12, 4};
  const SufGate gate = gelu_spline_gate(format, 16, 4.0);
  const std::vector<uint64_t> xs = every_value(12, 4);
  const LocalRunResult run = run_gate(gate, xs, Block{12, 4});
  // The other construction (17 boundary bits per element) reconstructs to the same clear values.
  const SufGate bits_gate(gate.plan().spec, GateKind::kSufSpline, LookupChoice::kComparisonBits);
  EXPECT_EQ(run_gate(bits_gate, xs, Block{12, 5}).clear[0].data()[7], run.clear[0].data()[7]);
  // The clear engine is the spline itself; its error against float64 GeLU over the faithful
  // range |x| < 2^{n-1-2f} = 8 is asserted (measured 0.418 ulp of 2^-4: coarse coefficients).
  const FixedPoint out{12, 8};
  double worst = 0;
  for (size_t i = 0; i < 4096; ++i) {
    const double x = format.decode(xs[i]);
    if (std::abs(x) < 8) worst = std::max(worst, std::abs(out.decode(run.clear[0][i]) - gelu(x)));
  }
  EXPECT_LT(worst * 16, 0.42);
}

TEST(SufGate, GeluSplineRandomAtFullWidth) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (auto [n, total, tcp] : {std::tuple{37, 10'000, false}, {50, 10'000, true}}) {
    const FixedPoint format{n, 12};
    const SufGate gate = gelu_spline_gate(format, 256, 4.0);
    const Ring ring{n};
    // Faithful while |x| * 2^{2f} < 2^{n-1}: |x| < 2^{n-1-f} in units of 2^-f.
    const int64_t faithful = int64_t{1} << (n - 1 - 12);
    std::vector<uint64_t> points;  // knots, the tails and the ends of the faithful range
    for (double v : {-4.0, -1.0 / 32, 0.0, 1.0 / 32, 3.96875, 4.0})
      points.push_back(format.encode(v));
    for (int64_t v : {faithful - 1, -faithful}) points.push_back(ring.from_signed(v));
    std::vector<uint64_t> xs = edges_then_random(n, points, total / 2, rng);
    while (xs.size() < static_cast<size_t>(total))  // half of them inside the spline's domain
      xs.push_back(ring.from_signed(static_cast<int64_t>(rng() % (8 << 12)) - (4 << 12)));
    const LocalRunResult run = run_gate(gate, xs, Block{rng(), rng()}, tcp);
    const FixedPoint out{n, 24};
    for (size_t i = 0; i < xs.size(); ++i) {
      if (std::abs(ring.to_signed(xs[i])) >= faithful) continue;
      const double error = std::abs(out.decode(run.clear[0][i]) - gelu(format.decode(xs[i])));
      ASSERT_LT(error * 4096, 0.52) << "n=" << n << " x=" << xs[i];
    }
  }
}

TEST(SufGate, CostsFollowTheDocumentedFormulas) {
  const uint64_t count = 1000;
  const Block seed{7, 7};
  std::vector<uint64_t> xs(count);
  for (uint64_t i = 0; i < count; ++i) xs[i] = i * 7919;
  struct Expected {
    const SufGate& gate;
    uint64_t key, sent, rounds;
  };
  const int n = 50;
  const SufGate sink_dcf(testing::sink_spec(n), GateKind::kSuf, LookupChoice::kDcf);
  const SufGate sink_bits(testing::sink_spec(n), GateKind::kSuf, LookupChoice::kComparisonBits);
  const SufGate relu_bits = relu_gate({n, 12});
  const SufGate relu_dcf(relu_spec({n, 12}), GateKind::kSufRelu, LookupChoice::kDcf);
  const SufGate drelu = drelu_gate({n, 12});
  const SufGate gelu_gate = gelu_spline_gate({37, 12});
  const Expected cases[] = {
      // Sink, DCF: lookup DCF + a width-3 DPF; ring arrays [r], [r^2], 3 [a], 2 [a r] (for the
      // two x^2 coefficients), 2 kappa, 1 aux mask = 10; bit arrays 3 x 2 AND triples + 6 output
      // masks. Sent: 3 masked coefficients, then 2 bits for each of the two AND layers.
      {sink_dcf,
       16 + count * dcf_bytes(n) + 16 + count * dpf_bytes(3) + 10 * packed(count, n) +
           12 * packed(count, 1),
       packed(3 * count, n) + 2 * packed(2 * count, 1), 3},
      // Sink, comparison bits: DPFs of widths n and 3; ring arrays [r], [r^2], 2 kappa, 1 aux
      // mask, 5 boundaries x [s r^j] (j = 0..2) = 20; bit arrays 6 (triples) + 6 (outputs) + 5
      // (boundary masks). Sent: 5 masked boundary bits, then the two AND layers.
      {sink_bits,
       16 + count * dpf_bytes(n) + 16 + count * dpf_bytes(3) + 20 * packed(count, n) +
           17 * packed(count, 1),
       packed(5 * count, 1) + 2 * packed(2 * count, 1), 3},
      // ReLU, comparison bits (the default): one DPF_{n,1}; [r], [s], [s r], kappa; [s] bit.
      // PROTOCOLS.md §1's keysize(DPF_{n,1}) + 3l, plus kappa (the output mask) and one bit.
      {relu_bits, 16 + count * dpf_bytes(n) + 4 * packed(count, n) + packed(count, 1),
       packed(count, 1), 1},
      // ReLU, DCF: [r], [a_1], kappa; one masked coefficient.
      {relu_dcf, 16 + count * dcf_bytes(n) + 3 * packed(count, n), packed(count, n), 1},
      // DReLU: one DPF_{n,1} for both queries of MSB, one output mask bit.
      {drelu, 16 + count * dpf_bytes(n) + packed(count, 1), 0, 0},
      // GeLU-256: the DCF is the smaller key (257 boundaries would need 257 (1 + 2n) bits).
      {gelu_gate, 16 + count * dcf_bytes(37) + 3 * packed(count, 37), packed(count, 37), 1},
  };
  for (const Expected& c : cases) {
    const Ring ring{c.gate.input_formats()[0].n};
    std::vector<uint64_t> inputs(count);
    for (uint64_t i = 0; i < count; ++i) inputs[i] = ring.mod(xs[i]);
    const LocalRunResult run = run_gate(c.gate, inputs, seed);
    EXPECT_EQ(c.gate.key_bytes(count), c.key) << c.gate.describe();
    EXPECT_EQ(run.dealer_costs.entries().at(c.gate.describe()).key_bytes, c.key);
    EXPECT_EQ(c.gate.rounds(), static_cast<int>(c.rounds));
    EXPECT_EQ(c.gate.bytes_sent(count), c.sent);
    for (int party = 0; party < 2; ++party) {
      const Cost cost = run.party_costs[party].entries().at(c.gate.describe());
      EXPECT_EQ(cost.key_bytes, c.key) << c.gate.describe();
      EXPECT_EQ(cost.bytes_sent, c.sent) << c.gate.describe();
      EXPECT_EQ(cost.rounds, c.rounds) << c.gate.describe();
    }
  }
}

// The key's layout and size depend on the spec only: every mask gives the same record size
// (gen writes key_bytes() bytes, checked here for masks that hit every boundary and more).
TEST(SufGate, KeySizeDoesNotDependOnTheMask) {
  const int n = 8;
  for (LookupChoice lookup : kBothLookups) {
    const SufGate gate(testing::sink_spec(n), GateKind::kSuf, lookup);
    const SufShapes shapes = gate.plan().shapes();
    const uint64_t expected = gate.key_bytes(1);
    for (uint64_t r = 0; r < 256; ++r) {
      const uint64_t mask[] = {r}, out[] = {r ^ 1};
      const std::span<const uint64_t> r_in[] = {mask};
      std::vector<std::span<const uint64_t>> r_out(9, std::span<const uint64_t>(out));
      for (int k = 3; k < 9; ++k)
        r_out[k] = std::span<const uint64_t>(r % 2 == 0 ? &kZero : &kOne, 1);
      SeededPrg prg(r);
      ByteWriter key0, key1;
      gate.gen(r_in, r_out, prg, key0, key1);
      ASSERT_EQ(key0.size(), expected) << "r=" << r;
      ASSERT_EQ(key1.size(), expected) << "r=" << r;
      ASSERT_EQ(compile(testing::sink_spec(n), gate.plan().lookup_mode).shapes(), shapes);
    }
  }
}

TEST(SufGate, RejectsBadSpecsAndKinds) {
  SufSpec bad = testing::sink_spec(8);
  bad.starts = {0, 5, 4, 100, 120, 200};
  try {
    SufGate gate(bad);
    ADD_FAILURE() << "accepted unsorted boundaries";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInvalidArgument);
  }
  EXPECT_THROW(SufGate(relu_spec({8, 0}), GateKind::kDrelu), Error);
  EXPECT_THROW(SufGate(relu_spec({8, 0}), GateKind::kTest), Error);
  EXPECT_THROW(relu_gate({1, 0}), Error);
  EXPECT_THROW(gelu_spline_gate({37, 12}, 0), Error);
}

}  // namespace
}  // namespace fss::suf

// The truncated-view nExp (suf/softmax_parts.h): the clip-bit SUF gate exhaustively under chosen
// masks, the composite against a plain reference of its steps on every input of small rings and
// at full width over TCP, its error against the exponential, and its costs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "composite_checks.h"
#include "core/error.h"
#include "gate_checks.h"
#include "mpc/clear_engine.h"
#include "suf/softmax_parts.h"

namespace fss::suf {
namespace {

using testing::dpf_bytes;
using testing::packed;

// The header's steps on integers, with the table from its definition: x read unsigned on
// w = n - f + 1 bits, cells of 2^-q over [0, 8), the last cell and everything beyond 0.
uint64_t reference_nexp(FixedPoint format, int bits, uint64_t x) {
  const int n = format.n, f = format.f, q = bits - 3;
  const uint64_t view = x & Ring{n - f + 1}.mask();
  const uint64_t last = (uint64_t{1} << bits) - 1;
  const uint64_t cell = (view >> (f + 3)) == 0 ? view >> (f - q) : last;
  if (cell == last) return 0;
  const double exponent = -(static_cast<double>(cell) + 0.5) / std::ldexp(1.0, q);
  return static_cast<uint64_t>(std::llround(std::exp(exponent) * std::ldexp(1.0, f)));
}

testing::ProgramOf nexp_program(int bits) {
  return testing::one_input_program(
      [=](Engine& engine, const Masked& x) { return nexp(engine, x, bits); });
}

TEST(SufNexpClip, EveryInputUnderChosenMasks) {
  for (int n : {1, 2, 4, 7, 10}) {
    const Ring ring{n};
    // Masks that put the threshold 1 on x^ = 0 and next to it, the ring's edges, then uniform.
    std::vector<uint64_t> masks = {uint64_t{1} << (n - 1)};
    for (int64_t offset : {-2, -1, 0, 1}) masks.push_back(ring.from_signed(offset));
    testing::expect_bits_under_masks(nexp_clip_gate({n, 0}), masks, 71 + n,
                                     [](uint64_t x) { return std::vector<uint64_t>{x == 0}; });
  }
}

TEST(SufNexpClip, KeySizeDoesNotDependOnTheMaskAndMatchesTheFormula) {
  for (int n : {8, 24}) {
    const FixedPoint format{n, 0};
    const SufGate gate = nexp_clip_gate(format);
    // One DPF_{n,1} for the width-n query and the output bit's mask; no round.
    const uint64_t expected = 16 + dpf_bytes(n) + packed(1, 1);
    EXPECT_EQ(gate.key_bytes(800), 16 + 800 * dpf_bytes(n) + packed(800, 1));
    EXPECT_EQ(gate.bytes_sent(800), 0u);
    EXPECT_EQ(gate.rounds(), 0);
    std::mt19937_64 rng(9 + n);
    std::vector<uint64_t> masks = {0, 1, format.ring().mask(), uint64_t{1} << (n - 1)};
    while (masks.size() < 1004) masks.push_back(rng() & format.ring().mask());
    testing::expect_key_size_for_masks(gate, masks, expected);
  }
}

TEST(SufTruncatedNexp, EveryInputOfSmallRingsUnder64Masks) {
  // (n, f, bits): w = 8, y on 6 bits, z on 2; w = 9, y on 7 bits, z on 4.
  for (auto [n, f, bits] : {std::tuple{10, 3, 4}, {10, 2, 3}}) {
    const FixedPoint format{n, f};
    testing::expect_every_input_under_64_masks(
        nexp_program(bits), format, [&](uint64_t x) { return reference_nexp(format, bits, x); },
        n + f);
  }
}

TEST(SufTruncatedNexp, RandomAtFullWidthOverTcpWithCosts) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const FixedPoint format{50, 12};
  const Ring ring = format.ring();
  const uint64_t top = Ring{39}.mask();
  std::vector<uint64_t> xs = {0, 1, top, top - 1};
  for (uint64_t cell = 0; cell <= 1024; cell += 8)  // cell edges up to the clip at 8
    for (int64_t offset : {-1, 0}) xs.push_back(ring.add(cell << 5, ring.from_signed(offset)));
  while (xs.size() < 5'000) xs.push_back(rng() % (uint64_t{16} << 12));  // x in [0, 16)
  while (xs.size() < 10'000) xs.push_back(rng() & top);
  const LocalRunResult run = testing::expect_reference(
      nexp_program(10), format, xs, [&](uint64_t x) { return reference_nexp(format, 10, x); },
      {.seed = Block{rng(), rng()}, .tcp = true});

  // Per party (w = 39, q = 7: y on 34 bits, z on 24; 10-bit cells), then the open.
  const uint64_t count = xs.size(), n = 50;
  const uint64_t key = (16 + count * dpf_bytes(5) + packed(count, 1) + 2 * packed(count, 34)) +
                       (16 + count * dpf_bytes(10) + packed(count, 1) + 2 * packed(count, 24)) +
                       (16 + count * dpf_bytes(24) + packed(count, 1)) + 3 * packed(count, 10) +
                       (16 + count * dpf_bytes(10) + 2 * packed(count, n));
  const uint64_t sent = packed(count, 1) + packed(count, 34) + packed(count, 1) +
                        packed(count, 24) + packed(count, 1) + packed(count, 10) +
                        packed(count, n) + packed(count, n);
  EXPECT_EQ(run.dealer_costs.total().key_bytes, key);
  for (int party = 0; party < 2; ++party) {
    EXPECT_EQ(run.party_costs[party].total().bytes_sent, sent);
    EXPECT_EQ(run.party_costs[party].total().rounds, 8u);
  }
}

TEST(SufTruncatedNexp, ErrorAgainstTheExponential) {
  // Every x in [0, 32) at f = 12 through the clear engine (bit for bit the parties', per the
  // tests above). A cell spans 2^-q, so the error is about half a cell times the slope 2^f near
  // x = 0 (plus the rounding): measured 16.125 ulp with 10 bits, 4.381 with 12; the clip at 8
  // costs e^{-8} 2^12 = 1.37.
  for (auto [bits, bound] : {std::pair{10, 16.13}, {12, 4.39}}) {
    const FixedPoint format{50, 12};
    std::vector<uint64_t> xs;
    for (uint64_t x = 0; x < (uint64_t{32} << 12); ++x) xs.push_back(x);
    const std::vector<uint64_t> out = testing::clear_outputs(nexp_program(bits), format, xs);
    double worst = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      const double want = std::exp(-format.decode(xs[i])) * 4096;
      worst = std::max(worst, std::abs(static_cast<double>(out[i]) - want));
    }
    EXPECT_LT(worst, bound) << "bits=" << bits;
  }
}

TEST(SufTruncatedNexp, RejectsBadParameters) {
  ClearEngine engine;
  for (auto [n, f, bits] : {std::tuple{50, 12, 2}, {50, 12, 15}, {50, 13, 10}, {26, 12, 10}}) {
    const FixedPoint format{n, f};
    engine.provide_input(Tensor(Shape{1}, format, {0}));
    const Masked x = engine.input(Shape{1}, format);
    EXPECT_THROW(nexp(engine, x, bits), Error) << n << " " << f << " " << bits;
  }
  EXPECT_THROW(nexp_clip_spec({8, 2}), Error);
}

}  // namespace
}  // namespace fss::suf

#pragma once
// Checks shared by the tests of the compiled function gates (nExp, reciprocal, rsqrt, GeLU,
// SiLU): an evaluator of a spec's data written from its definition (a linear scan, 128-bit
// arithmetic), independent of suf/spec.cc; exhaustive runs over every input and chosen masks;
// full-width runs through run_locally; key sizes over many masks; the documented key sizes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "chosen_masks.h"
#include "core/ring.h"
#include "mpc/local_run.h"
#include "suf/spec.h"
#include "suf/suf_gate.h"

namespace fss::suf::testing {

// Serialized key sizes as docs/fss-keys.md states them.
inline uint64_t dcf_bytes(uint64_t n, uint64_t l) {
  return 16 + 16 * n + (n + 7) / 8 + (n * l + 7) / 8 + (l + 7) / 8;
}
inline uint64_t packed(uint64_t count, uint64_t bits) { return (count * bits + 7) / 8; }
inline uint64_t dpf_bytes(uint64_t k) {
  const uint64_t levels = k - std::min<uint64_t>(k, 7);
  return 16 + 16 * levels + (levels + 7) / 8 + 16;
}

// Output 0 of a one-output spec at x: the interval holding x mod 2^w found by a scan, its
// polynomial evaluated on x mod 2^n.
inline uint64_t spec_reference(const SufSpec& spec, uint64_t x) {
  using u128 = unsigned __int128;
  const u128 modulus = u128{1} << spec.n();
  const uint64_t view = spec.w() == 64 ? x : x % (uint64_t{1} << spec.w());
  size_t interval = 0;
  for (size_t i = 0; i < spec.starts.size(); ++i)
    if (spec.starts[i] <= view) interval = i;
  const std::vector<uint64_t>& poly = spec.coefficients[interval][0];
  u128 y = 0, power = 1;
  for (uint64_t c : poly) {
    y = (y + u128{c} * power) % modulus;
    power = power * x % modulus;
  }
  return static_cast<uint64_t>(y);
}

// At least `count` input masks for exhaustive runs: 0, the ring's and the view's edges (x^
// wraps for most x), -a_i and -a_i +- 1 for boundaries spread over the spec (a boundary lands on
// x^ = 0), the same with high bits above the view set, then uniform masks.
inline std::vector<uint64_t> chosen_masks(const SufSpec& spec, size_t count, std::mt19937_64& rng) {
  const Ring ring{spec.n()};
  const uint64_t view = spec.w() == 64 ? 0 : uint64_t{1} << spec.w();
  std::vector<uint64_t> masks = {
      0, 1, ring.mask(), ring.mask() >> 1, (ring.mask() >> 1) + 1, view - 1, ring.mod(view)};
  const size_t m = spec.starts.size();
  for (size_t j = 0; j < 8 && m > 1; ++j) {
    const uint64_t a = spec.starts[1 + j * (m - 2) / 7];
    for (uint64_t delta : {uint64_t{0}, uint64_t{1}, ring.mask()}) {
      masks.push_back(ring.add(ring.neg(a), delta));
      masks.push_back(ring.add(ring.add(ring.neg(a), delta), ring.mod(view * 3)));
    }
  }
  while (masks.size() < count) masks.push_back(rng() & ring.mask());
  return masks;
}

// Every input of `ring` paired with every mask: fills xs and rs element by element.
inline void every_input_under(Ring ring, const std::vector<uint64_t>& masks,
                              std::vector<uint64_t>& xs, std::vector<uint64_t>& rs) {
  for (uint64_t r : masks)
    for (uint64_t x = 0; x <= ring.mask(); ++x) {
      xs.push_back(x);
      rs.push_back(r);
    }
}

// Every input of the ring under every chosen mask: reconstructed == evaluate() == the scan.
inline void expect_exhaustive(const SufGate& gate, size_t mask_count, uint64_t seed) {
  const SufSpec& spec = gate.plan().spec;
  const Ring ring{spec.n()};
  std::mt19937_64 rng(seed);
  const std::vector<uint64_t> masks = chosen_masks(spec, mask_count, rng);
  ASSERT_GE(masks.size(), mask_count);
  std::vector<uint64_t> xs, rs;
  every_input_under(ring, masks, xs, rs);
  const ChosenMaskRun run = run_with_masks(gate, xs, rs, seed);
  for (size_t e = 0; e < xs.size(); ++e) {
    const uint64_t expected = spec_reference(spec, xs[e]);
    ASSERT_EQ(evaluate(spec, xs[e]).arithmetic[0], expected) << spec.name << " x=" << xs[e];
    ASSERT_EQ(run.outputs[0][e], expected) << spec.name << " x=" << xs[e] << " r=" << rs[e];
  }
}

// x -> output 0 of the gate, opened, through all three engines; reconstructed == clear.
inline LocalRunResult run_gate(const SufGate& gate, const std::vector<uint64_t>& xs, Block seed,
                               bool tcp = false) {
  const Shape shape{static_cast<int64_t>(xs.size())};
  const Tensor input(shape, gate.input_formats()[0], xs);
  const Program program = [&gate, shape](Engine& engine) {
    const Masked x = engine.input(shape, gate.input_formats()[0]);
    return std::vector<Masked>{engine.open(engine.apply(gate, x))};
  };
  LocalRunResult run = run_locally(program, std::span(&input, 1), {.seed = seed, .tcp = tcp});
  for (size_t i = 0; i < xs.size(); ++i) {
    EXPECT_EQ(run.reconstructed[0][i], run.clear[0][i]) << gate.describe() << " x=" << xs[i];
    EXPECT_EQ(run.clear[0][i], spec_reference(gate.plan().spec, xs[i])) << " x=" << xs[i];
  }
  return run;
}

// The key written for one element has the documented size for every mask (1000 uniform masks
// after the chosen ones); the plan's shapes come from the spec alone.
inline void expect_key_size_independent_of_mask(const SufGate& gate, uint64_t seed) {
  const SufSpec& spec = gate.plan().spec;
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> masks = chosen_masks(spec, 0, rng);
  const Ring ring{spec.n()};
  for (int i = 0; i < 1000; ++i) masks.push_back(rng() & ring.mask());
  const uint64_t expected = gate.key_bytes(1);
  const uint64_t out = 0;
  for (uint64_t r : masks) {
    const uint64_t mask[] = {r};
    const std::span<const uint64_t> r_in[] = {mask};
    const std::span<const uint64_t> r_out[] = {std::span<const uint64_t>(&out, 1)};
    SeededPrg prg(r);
    ByteWriter key0, key1;
    gate.gen(r_in, r_out, prg, key0, key1);
    ASSERT_EQ(key0.size(), expected) << "r=" << r;
    ASSERT_EQ(key1.size(), expected) << "r=" << r;
  }
  EXPECT_EQ(compile(spec, gate.plan().lookup_mode).shapes(), gate.plan().shapes());
}

// Costs booked by the engines for `count` elements equal the formulas.
inline void expect_costs(const SufGate& gate, const LocalRunResult& run, uint64_t key,
                         uint64_t sent, uint64_t rounds) {
  EXPECT_EQ(gate.key_bytes(run.clear[0].size()), key) << gate.describe();
  EXPECT_EQ(run.dealer_costs.entries().at(gate.describe()).key_bytes, key);
  EXPECT_EQ(gate.bytes_sent(run.clear[0].size()), sent);
  EXPECT_EQ(gate.rounds(), static_cast<int>(rounds));
  for (int party = 0; party < 2; ++party) {
    const Cost cost = run.party_costs[party].entries().at(gate.describe());
    EXPECT_EQ(cost.key_bytes, key) << gate.describe();
    EXPECT_EQ(cost.bytes_sent, sent) << gate.describe();
    EXPECT_EQ(cost.rounds, rounds) << gate.describe();
  }
}

}  // namespace fss::suf::testing

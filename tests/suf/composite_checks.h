#pragma once
// Checks shared by the tests of the truncated-view compositions (GeLU, nExp): a one-input
// program run on given inputs through all three engines against a plain reference, every input
// of a small ring under 64 masks, the clear engine alone (for error scans), and a gate of
// boolean outputs on every input under chosen masks and its key size over many masks.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <random>
#include <span>
#include <vector>

#include "chosen_masks.h"
#include "gate_checks.h"
#include "mpc/clear_engine.h"
#include "mpc/local_run.h"

namespace fss::suf::testing {

// x -> one opened output; the program for `shape` elements of `format`.
using ProgramOf = std::function<Program(Shape shape, FixedPoint format)>;
using Reference = std::function<uint64_t(uint64_t x)>;

// The program that opens function(engine, x) for one input x.
inline ProgramOf one_input_program(std::function<Shared(Engine&, const Masked&)> function) {
  return [function](Shape shape, FixedPoint format) -> Program {
    return [=](Engine& engine) {
      const Masked x = engine.input(shape, format);
      return std::vector<Masked>{engine.open(function(engine, x), "result")};
    };
  };
}

// A gate of boolean outputs on every input of its ring under `masks` (the caller's chosen ones,
// topped up with uniform ones to 64): output j reconstructs to reference(x)[j].
inline void expect_bits_under_masks(
    const Gate& gate, std::vector<uint64_t> masks, uint64_t seed,
    const std::function<std::vector<uint64_t>(uint64_t)>& reference) {
  const Ring ring = gate.input_formats()[0].ring();
  std::mt19937_64 rng(seed);
  while (masks.size() < 64) masks.push_back(rng() & ring.mask());
  std::vector<uint64_t> xs, rs;
  every_input_under(ring, masks, xs, rs);
  const ChosenMaskRun run = run_with_masks(gate, xs, rs, seed);
  for (size_t e = 0; e < xs.size(); ++e) {
    const std::vector<uint64_t> want = reference(xs[e]);
    for (size_t j = 0; j < want.size(); ++j)
      ASSERT_EQ(run.outputs[j][e], want[j])
          << gate.describe() << " output " << j << " x=" << xs[e] << " r=" << rs[e];
  }
}

// Runs `program` on `xs`: clear == reference(x) and reconstructed == clear for every element.
inline LocalRunResult expect_reference(const ProgramOf& program, FixedPoint format,
                                       const std::vector<uint64_t>& xs, const Reference& reference,
                                       const LocalRunOptions& options) {
  const Shape shape{static_cast<int64_t>(xs.size())};
  const Tensor input(shape, format, xs);
  LocalRunResult run = run_locally(program(shape, format), std::span(&input, 1), options);
  for (size_t e = 0; e < xs.size(); ++e) {
    EXPECT_EQ(run.clear[0][e], reference(xs[e])) << format.to_string() << " x=" << xs[e];
    EXPECT_EQ(run.reconstructed[0][e], run.clear[0][e]) << format.to_string() << " x=" << xs[e];
    if (::testing::Test::HasFailure()) break;
  }
  return run;
}

// Every input of the ring 64 times over in one run: 64 independent masks per input for every
// gate of the program.
inline void expect_every_input_under_64_masks(const ProgramOf& program, FixedPoint format,
                                              const Reference& reference, uint64_t seed) {
  std::vector<uint64_t> xs;
  for (int copy = 0; copy < 64; ++copy)
    for (uint64_t x = 0; x <= format.ring().mask(); ++x) xs.push_back(x);
  expect_reference(program, format, xs, reference, {.seed = Block{seed, 29}});
}

// The program's output on `xs` from the clear engine alone.
inline std::vector<uint64_t> clear_outputs(const ProgramOf& program, FixedPoint format,
                                           const std::vector<uint64_t>& xs) {
  const Shape shape{static_cast<int64_t>(xs.size())};
  ClearEngine engine;
  engine.provide_input(Tensor(shape, format, xs));
  const std::vector<Masked> out = program(shape, format)(engine);
  return {out[0].value.data().begin(), out[0].value.data().end()};
}

// The key written for one element has `expected` bytes for every input mask in `masks` (output
// masks 0; any number of outputs).
inline void expect_key_size_for_masks(const Gate& gate, const std::vector<uint64_t>& masks,
                                      uint64_t expected) {
  const std::vector<uint64_t> zeros(gate.output_formats().size(), 0);
  std::vector<std::span<const uint64_t>> r_out;
  for (const uint64_t& zero : zeros) r_out.emplace_back(&zero, 1);
  for (uint64_t r : masks) {
    const std::span<const uint64_t> r_in[] = {std::span<const uint64_t>(&r, 1)};
    SeededPrg prg(r);
    ByteWriter key0, key1;
    gate.gen(r_in, r_out, prg, key0, key1);
    ASSERT_EQ(key0.size(), expected) << gate.describe() << " r=" << r;
    ASSERT_EQ(key1.size(), expected) << gate.describe() << " r=" << r;
  }
}

}  // namespace fss::suf::testing

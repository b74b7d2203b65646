#include "suf/compiled_once.h"

#include <gtest/gtest.h>

#include <future>
#include <stdexcept>
#include <vector>

#include "core/error.h"
#include "suf/rsqrt.h"
#include "suf/softmax_parts.h"
#include "suf/suf_gate.h"

namespace fss::suf {
namespace {

TEST(CompiledOnce, CompilesAKeyOnceAndKeepsItsGate) {
  int compiles = 0;
  const auto relu = [&] {
    ++compiles;
    return relu_gate({20, 4});
  };
  const SufGate& first = compiled_once("test relu {20, 4}", relu);
  const SufGate& again = compiled_once("test relu {20, 4}", relu);
  EXPECT_EQ(&first, &again);
  EXPECT_EQ(compiles, 1);
  const SufGate& other = compiled_once("test relu {20, 5}", [] { return relu_gate({20, 5}); });
  EXPECT_NE(&other, &first);
  EXPECT_EQ(other.input_formats().at(0), (FixedPoint{20, 5}));
}

TEST(CompiledOnce, AFailedCompileCachesNothing) {
  int attempts = 0;
  const auto failing = [&]() -> SufGate {
    ++attempts;
    throw std::runtime_error("no gate");
  };
  EXPECT_THROW(compiled_once("test failing", failing), std::runtime_error);
  EXPECT_THROW(compiled_once("test failing", failing), std::runtime_error);
  EXPECT_EQ(attempts, 2);
  // The builders' own argument errors still reach the caller on every call.
  EXPECT_THROW(reciprocal_gate({50, 12}, 0), Error);
  EXPECT_THROW(reciprocal_gate({50, 12}, 0), Error);
}

TEST(CompiledOnce, ThreadsAskingAtOnceShareOneGate) {
  std::vector<std::future<const SufGate*>> asks;
  for (int t = 0; t < 4; ++t)
    asks.push_back(std::async(std::launch::async, [] { return &nexp_gate({50, 12}, 7); }));
  const SufGate* gate = asks[0].get();
  for (size_t t = 1; t < asks.size(); ++t) EXPECT_EQ(asks[t].get(), gate);
}

// Every parameter of a builder is part of its key: each parameter set gets the gate of its own
// spec, whatever was compiled before it.
TEST(CompiledOnce, BuildersKeyEveryParameter) {
  struct Params {
    FixedPoint format;
    RecSqrtParams rsqrt;
    int bits;
  };
  const std::vector<Params> sets = {{{50, 24}, {.output_frac_bits = 12, .divisor = 768}, 6},
                                    {{50, 22}, {.output_frac_bits = 12, .divisor = 768}, 6},
                                    {{48, 24}, {.output_frac_bits = 12, .divisor = 768}, 6},
                                    {{50, 24}, {.output_frac_bits = 11, .divisor = 768}, 6},
                                    {{50, 24}, {.output_frac_bits = 12, .divisor = 768.5}, 6},
                                    {{50, 24}, {.output_frac_bits = 12, .divisor = 768}, 7}};
  for (int round = 0; round < 2; ++round)
    for (const Params& p : sets) {
      const SufGate& gate = rec_sqrt_gate(p.format, p.rsqrt, p.bits);
      const SufSpec expected = rec_sqrt_spec(p.format, p.rsqrt, p.bits);
      EXPECT_EQ(gate.plan().spec.starts, expected.starts) << p.format.to_string();
      EXPECT_EQ(gate.plan().spec.coefficients, expected.coefficients) << p.format.to_string();
      EXPECT_EQ(gate.plan().spec.input, p.format);
    }
  EXPECT_EQ(&rec_sqrt_gate(sets[0].format, sets[0].rsqrt, sets[0].bits),
            &rec_sqrt_gate(sets[0].format, sets[0].rsqrt, sets[0].bits));
  for (const int64_t k : {64, 128})
    for (const int bits : {6, 7}) {
      const SufGate& gate = reciprocal_gate({50, 12}, k, bits);
      EXPECT_EQ(gate.plan().spec.starts, reciprocal_spec({50, 12}, k, bits).starts);
    }
  for (const FixedPoint format : {FixedPoint{50, 12}, FixedPoint{50, 11}})
    EXPECT_EQ(nexp_gate(format, 6).plan().spec.starts, nexp_spec(format, 6).starts);
}

}  // namespace
}  // namespace fss::suf

#include "suf/spec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>

#include "core/error.h"
#include "suf/builders.h"
#include "test_specs.h"

namespace fss::suf {
namespace {

// Expects validate() to throw kInvalidArgument with `phrase` in the message.
void expect_invalid(const SufSpec& spec, const std::string& phrase) {
  try {
    validate(spec);
    ADD_FAILURE() << "accepted a spec that should fail with '" << phrase << "'";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInvalidArgument) << error.what();
    EXPECT_NE(std::string(error.what()).find(phrase), std::string::npos)
        << "message '" << error.what() << "' lacks '" << phrase << "'";
  }
}

void expect_invalid_after(const std::function<void(SufSpec&)>& change, const std::string& phrase) {
  SufSpec spec = testing::sink_spec(8);
  change(spec);
  expect_invalid(spec, phrase);
}

TEST(SufSpecValidate, AcceptsTheSinkSpec) { EXPECT_NO_THROW(validate(testing::sink_spec(8))); }

TEST(SufSpecValidate, RejectsBadBoundaries) {
  expect_invalid_after([](SufSpec& s) { s.starts[2] = 2; }, "not strictly increasing");
  expect_invalid_after([](SufSpec& s) { s.starts[3] = s.starts[2]; }, "not strictly increasing");
  expect_invalid_after([](SufSpec& s) { s.starts[0] = 1; }, "missing boundary a_0 = 0");
  expect_invalid_after([](SufSpec& s) { s.starts.clear(); }, "missing boundary a_0 = 0");
  expect_invalid_after([](SufSpec& s) { s.starts.back() = 256; }, "not below 2^8");
  expect_invalid_after([](SufSpec& s) { s.starts.pop_back(); }, "missing or extra boundaries");
  expect_invalid_after([](SufSpec& s) { s.aux.pop_back(); }, "rows of auxiliary constants");
}

TEST(SufSpecValidate, RejectsBadPolynomials) {
  expect_invalid_after(
      [](SufSpec& s) {
        s.coefficients[1][0] = {1, 2, 3, 4};
      },
      "4 coefficients overflow degree d = 2");
  expect_invalid_after([](SufSpec& s) { s.degree = 1; }, "overflow degree d = 1");
  expect_invalid_after([](SufSpec& s) { s.coefficients[2][1] = {256}; }, "is not below 2^8");
  expect_invalid_after([](SufSpec& s) { s.coefficients[2].pop_back(); },
                       "has 1 polynomials, r = 2");
  expect_invalid_after([](SufSpec& s) { s.degree = kMaxDegree + 1; }, "degree d = 9 outside");
  expect_invalid_after([](SufSpec& s) { s.aux[0] = {1, 2}; }, "2 auxiliary constants, p_aux = 1");
  expect_invalid_after([](SufSpec& s) { s.input = {8, 8}; }, "input format");
  expect_invalid_after([](SufSpec& s) { s.output_f = 8; }, "output fractional bits 8");
  expect_invalid_after(
      [](SufSpec& s) {
        s.outputs = 0;
        s.aux_outputs = 0;
        s.aux.clear();
        s.bool_outputs.clear();
        for (auto& row : s.coefficients) row.clear();
      },
      "no outputs");
}

TEST(SufSpecValidate, RejectsBadBooleanCircuits) {
  expect_invalid_after([](SufSpec& s) { s.bool_nodes[1].op = static_cast<BoolOp>(17); },
                       "unknown predicate or operator 17");
  // Sink nodes: 0 C, 1 D, 2 MSB, 3 NOT, 4 AND, 5 XOR, 6 AND, 7 AND (unused), 8 D, 9 C, 10 NOT.
  expect_invalid_after([](SufSpec& s) { s.bool_nodes[4].inputs.pop_back(); },
                       "AND takes 2 inputs, got 1");
  expect_invalid_after([](SufSpec& s) { s.bool_nodes[3].inputs.push_back(0); },
                       "NOT takes 1 inputs, got 2");
  expect_invalid_after([](SufSpec& s) { s.bool_nodes[2].inputs = {0}; }, "MSB takes 0 inputs");
  expect_invalid_after(
      [](SufSpec& s) {
        s.bool_nodes[4].inputs = {0, 4};
      },
      "input 4 is not an earlier node");
  expect_invalid_after(
      [](SufSpec& s) {
        s.bool_nodes[4].inputs = {-1, 0};
      },
      "input -1 is not an earlier node");
  expect_invalid_after([](SufSpec& s) { s.bool_outputs.push_back(99); }, "names node 99");
  expect_invalid_after([](SufSpec& s) { s.bool_nodes[0].constant = 256; },
                       "beta = 256 is not below 2^8");
  expect_invalid_after([](SufSpec& s) { s.bool_nodes[1].bits = 0; }, "D width f = 0");
  expect_invalid_after([](SufSpec& s) { s.bool_nodes[1].bits = 9; }, "D width f = 9");
  expect_invalid_after([](SufSpec& s) { s.bool_nodes[1].constant = 8; },
                       "gamma = 8 is not below 2^3");
}

// n = 8 read on w = 4 bits: intervals [0, 5) -> 2x + 1, [5, 12) -> x, [12, 16) -> 7, and
// D_{3,2} (low 2 bits < 3) and MSB_4 (bit 3).
SufSpec view_spec() {
  SufSpec spec;
  spec.name = "view";
  spec.input = {8, 0};
  spec.effective_width = 4;
  spec.degree = 1;
  spec.outputs = 1;
  spec.starts = {0, 5, 12};
  spec.coefficients = {{{1, 2}}, {{0, 1}}, {{7}}};
  spec.bool_outputs = {add_low_less(spec.bool_nodes, 3, 2), add_msb(spec.bool_nodes)};
  return spec;
}

TEST(SufSpecValidate, RejectsBadEffectiveWidths) {
  SufSpec spec = view_spec();
  EXPECT_NO_THROW(validate(spec));
  spec.effective_width = 9;
  expect_invalid(spec, "effective width w = 9 outside 0..n = 8");
  spec.effective_width = -1;
  expect_invalid(spec, "effective width w = -1");
  spec.effective_width = 3;
  expect_invalid(spec, "boundary a_2 = 12 is not below 2^3 (w)");
  spec = view_spec();
  spec.bool_nodes[0].bits = 5;
  expect_invalid(spec, "D width f = 5 outside 1..w = 4");
  spec = view_spec();
  add_less(spec.bool_nodes, 16);
  expect_invalid(spec, "beta = 16 is not below 2^4 (w)");
}

TEST(SufSpecEvaluate, ViewDecidesTheIntervalAndPredicatesPolynomialsReadX) {
  const SufSpec spec = view_spec();
  for (uint64_t x = 0; x < 256; ++x) {
    const uint64_t view = x % 16;
    const uint64_t y = view < 5 ? (2 * x + 1) % 256 : view < 12 ? x : 7;
    const SufValue value = evaluate(spec, x);
    ASSERT_EQ(value.arithmetic[0], y) << "x=" << x;
    ASSERT_EQ(value.bits[0], (x % 4) < 3) << "x=" << x;
    ASSERT_EQ(value.bits[1], (x >> 3) & 1) << "x=" << x;
  }
}

TEST(SufSpecEvaluate, SinkSpecMatchesItsDefinitionExhaustively) {
  for (int n : {5, 8, 10}) {
    const SufSpec spec = testing::sink_spec(n);
    for (uint64_t x = 0; x < (uint64_t{1} << n); ++x) {
      const SufValue value = evaluate(spec, x);
      const testing::SinkValue expected = testing::sink_reference(n, x);
      ASSERT_EQ(value.arithmetic, (std::vector<uint64_t>{expected.y0, expected.y1, expected.index}))
          << "n=" << n << " x=" << x;
      ASSERT_EQ(value.bits, std::vector<uint8_t>(expected.bits, expected.bits + 6))
          << "n=" << n << " x=" << x;
    }
  }
}

TEST(SufSpecEvaluate, SinkSpecMatchesItsDefinitionAtFullWidth) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n : {37, 50, 64}) {
    const SufSpec spec = testing::sink_spec(n);
    const uint64_t mask = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
    std::vector<uint64_t> xs;
    for (uint64_t start : spec.starts)
      for (uint64_t delta : {uint64_t{0}, uint64_t{1}, mask}) xs.push_back((start + delta) & mask);
    for (int i = 0; i < 2000; ++i) xs.push_back(rng() & mask);
    for (uint64_t x : xs) {
      const SufValue value = evaluate(spec, x);
      const testing::SinkValue expected = testing::sink_reference(n, x);
      ASSERT_EQ(value.arithmetic, (std::vector<uint64_t>{expected.y0, expected.y1, expected.index}))
          << "n=" << n << " x=" << x;
      ASSERT_EQ(value.bits, std::vector<uint8_t>(expected.bits, expected.bits + 6))
          << "n=" << n << " x=" << x;
    }
  }
}

TEST(SufBuilders, ReluAndDreluMatchTheirDefinitions) {
  for (int n : {2, 3, 8}) {
    const FixedPoint format{n, n - 1};
    const SufSpec relu = relu_spec(format);
    const SufSpec drelu = drelu_spec(format);
    for (uint64_t x = 0; x < (uint64_t{1} << n); ++x) {
      const bool negative = x >= (uint64_t{1} << (n - 1));
      EXPECT_EQ(evaluate(relu, x).arithmetic, std::vector<uint64_t>{negative ? 0 : x});
      EXPECT_EQ(evaluate(drelu, x).bits, std::vector<uint8_t>{!negative});
    }
  }
  EXPECT_THROW(relu_spec({1, 0}), Error);
  EXPECT_THROW(drelu_spec({1, 0}), Error);
}

double gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

// Max |spline(x) - GeLU(x)| in ulps of 2^-f over every input x with |x| < limit (real).
double gelu_spline_max_error_ulps(const SufSpec& spec, double limit) {
  const FixedPoint in = spec.input;
  const FixedPoint out{in.n, spec.output_f};
  const int64_t bound = static_cast<int64_t>(limit * std::ldexp(1.0, in.f));
  double worst = 0;
  for (int64_t v = -bound; v < bound; ++v) {
    const uint64_t x = in.ring().from_signed(v);
    const double y = out.decode(evaluate(spec, x).arithmetic[0]);
    worst = std::max(worst, std::abs(y - gelu(in.decode(x))));
  }
  return worst * std::ldexp(1.0, in.f);
}

TEST(SufBuilders, GeluSplineErrorIsBelowHalfAnUlp) {
  // 256 pieces on [-4, 4): interpolation error h^2/8 max|GeLU''| ~ 1e-4 inside, |GeLU(x) - ReLU(x)|
  // <= 1.3e-4 outside. Exhaustive over |x| < 16 at f = 12.
  // Measured: 0.400 ulp inside [-4, 4), 0.519 ulp overall (at x = 4, the tail's own error).
  const SufSpec spec = gelu_spline_spec({37, 12}, 256, 4.0);
  EXPECT_EQ(spec.intervals(), 258);  // 256 pieces + the two tails, 0 is a knot
  EXPECT_LT(gelu_spline_max_error_ulps(spec, 4.0), 0.41);
  const double error = gelu_spline_max_error_ulps(spec, 16.0);
  EXPECT_LT(error, 0.52);
  EXPECT_GT(error, 0.5);  // the tails' true error: the bound above is tight, not vacuous
}

TEST(SufBuilders, GeluSplineAtTheLargestFaithfulInputs) {
  // Output scale 2f: the tail x -> x is exact while |x| * 2^{2f} < 2^{n-1}.
  const FixedPoint in{37, 12};
  const SufSpec spec = gelu_spline_spec(in, 256, 4.0);
  const FixedPoint out{37, 24};
  const int64_t largest = (int64_t{1} << (37 - 1 - 12)) - 1;
  for (int64_t v : {largest, -largest, int64_t{1} << 20, -(int64_t{1} << 20)}) {
    const uint64_t x = in.ring().from_signed(v);
    EXPECT_NEAR(out.decode(evaluate(spec, x).arithmetic[0]), gelu(in.decode(x)), 1e-6) << v;
  }
}

TEST(SufBuilders, SplineRejectsBadOptions) {
  EXPECT_THROW(gelu_spline_spec({24, 12}), Error);      // 2f >= n
  EXPECT_THROW(gelu_spline_spec({37, 4}, 256), Error);  // pieces narrower than one ulp
  EXPECT_THROW(gelu_spline_spec({37, 12}, 0), Error);
  EXPECT_THROW(gelu_spline_spec({37, 12}, 16, 0.0), Error);  // lo == hi
  EXPECT_THROW(gelu_spline_spec({20, 8}, 16, 1e6), Error);   // bound not representable
}

}  // namespace
}  // namespace fss::suf

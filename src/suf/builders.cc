#include "suf/builders.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/ring.h"

namespace fss::suf {
namespace {

void require_signed_input(FixedPoint input, const char* what) {
  input.validate();
  if (input.n < 2)
    fail(ErrorKind::kInvalidArgument, "{}: needs n >= 2 to have a sign bit, got n = {}", what,
         input.n);
}

// A linear piece c1 * x + c0 starting at the signed input `start`.
struct Piece {
  int64_t start;
  uint64_t c1;
  uint64_t c0;
};

}  // namespace

SufSpec relu_spec(FixedPoint input) {
  require_signed_input(input, "relu_spec");
  SufSpec spec;
  spec.name = "relu";
  spec.input = input;
  spec.output_f = input.f;
  spec.degree = 1;
  spec.outputs = 1;
  spec.starts = {0, uint64_t{1} << (input.n - 1)};
  spec.coefficients = {{{0, 1}}, {{}}};
  validate(spec);
  return spec;
}

SufSpec drelu_spec(FixedPoint input) {
  require_signed_input(input, "drelu_spec");
  SufSpec spec;
  spec.name = "drelu";
  spec.input = input;
  spec.starts = {0};
  spec.coefficients = {{}};
  spec.bool_outputs = {add_not(spec.bool_nodes, add_msb(spec.bool_nodes))};
  validate(spec);
  return spec;
}

SufSpec spline_spec(const SplineOptions& options) {
  const FixedPoint input = options.input;
  input.validate();
  const std::string where = fmt::format("spline_spec '{}'", options.name);
  if (2 * input.f >= input.n)
    fail(ErrorKind::kInvalidArgument, "{}: output scale 2f = {} needs n > 2f, n = {}", where,
         2 * input.f, input.n);
  if (!options.function || options.intervals < 1 || !(options.lo < options.hi))
    fail(ErrorKind::kInvalidArgument,
         "{}: needs a function, at least one interval and lo < hi (got {} intervals on [{}, {}))",
         where, options.intervals, options.lo, options.hi);
  const Ring ring = input.ring();
  const FixedPoint output{input.n, 2 * input.f};
  const double ulp = std::ldexp(1.0, -input.f);

  std::vector<int64_t> knots;
  for (int i = 0; i <= options.intervals; ++i) {
    const double x = options.lo + (options.hi - options.lo) * i / options.intervals;
    knots.push_back(ring.to_signed(input.encode(x)));
    if (i > 0 && knots[i] <= knots[i - 1])
      fail(ErrorKind::kInvalidArgument,
           "{}: knots {} and {} round to the same input; intervals must be at least one ulp "
           "({}) wide",
           where, i - 1, i, ulp);
  }

  const int64_t lowest = ring.to_signed(uint64_t{1} << (input.n - 1));
  std::vector<Piece> pieces;
  const auto linear = [&](int64_t start, const Linear& line) {
    return Piece{start, input.encode(line.slope), output.encode(line.intercept)};
  };
  if (knots.front() > lowest) pieces.push_back(linear(lowest, options.below));
  for (int i = 0; i < options.intervals; ++i) {
    const double a = knots[i] * ulp, b = knots[i + 1] * ulp;
    const double fa = options.function(a), fb = options.function(b);
    const uint64_t c1 = input.encode((fb - fa) / (b - a));
    // Exact at the left knot: c1 * a + c0 = round(f(a) * 2^{2f}).
    const uint64_t c0 = ring.sub(output.encode(fa), ring.mul(c1, ring.from_signed(knots[i])));
    pieces.push_back({knots[i], c1, c0});
  }
  pieces.push_back(linear(knots.back(), options.above));

  // Canonical order: boundaries are the pieces' starts as unsigned values, plus 0 (where the
  // negative pieces wrap to the positive ones).
  std::vector<uint64_t> starts = {0};
  for (const Piece& piece : pieces) starts.push_back(ring.from_signed(piece.start));
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());

  SufSpec spec;
  spec.name = options.name;
  spec.input = input;
  spec.output_f = 2 * input.f;
  spec.degree = 1;
  spec.outputs = 1;
  spec.starts = starts;
  for (uint64_t start : starts) {
    const int64_t x = ring.to_signed(start);
    const auto after = std::upper_bound(pieces.begin(), pieces.end(), x,
                                        [](int64_t v, const Piece& p) { return v < p.start; });
    const Piece& piece = *(after - 1);
    spec.coefficients.push_back({{piece.c0, piece.c1}});
  }
  validate(spec);
  return spec;
}

SufSpec gelu_spline_spec(FixedPoint input, int intervals, double bound) {
  return spline_spec(
      {.name = fmt::format("gelu_spline{}", intervals),
       .input = input,
       .function = [](double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); },
       .lo = -bound,
       .hi = bound,
       .intervals = intervals,
       .below = {0, 0},
       .above = {1, 0}});
}

SufSpec stepped_spec(std::string name, FixedPoint input, int width, int output_f,
                     const std::vector<Step>& steps) {
  const Ring view{width};
  bool tiles = !steps.empty() && steps.front().first == 0 && steps.back().last == view.mask();
  for (size_t i = 1; i < steps.size() && tiles; ++i)
    tiles = steps[i].first == steps[i - 1].last + 1;
  if (!tiles)
    fail(ErrorKind::kInvalidArgument, "stepped_spec '{}': the {} steps do not tile [0, 2^{})", name,
         steps.size(), width);
  SufSpec spec;
  spec.name = std::move(name);
  spec.input = input;
  spec.effective_width = width;
  spec.output_f = output_f;
  spec.outputs = 1;
  const Ring ring = input.ring();
  for (const Step& step : steps) {
    spec.starts.push_back(step.first);
    spec.coefficients.push_back({{ring.from_signed(step.value())}});
  }
  validate(spec);
  return spec;
}

}  // namespace fss::suf

#pragma once
// Specifications of common gates (PROTOCOLS.md §9, "gates to provide"), built from their
// mathematical definitions. Each returns a validated spec; bad parameters throw
// kInvalidArgument.
#include <functional>
#include <string>

#include "suf/spec.h"
#include "suf/step_fit.h"

namespace fss::suf {

// ReLU(x) = x for x >= 0 (signed n bits), else 0: intervals [0, 2^{n-1}) -> x and
// [2^{n-1}, 2^n) -> 0, one output of format {n, f}. Needs n >= 2.
SufSpec relu_spec(FixedPoint input);

// DReLU(x) = 1 ^ MSB(x): one interval, no polynomial, one boolean output. Needs n >= 2.
SufSpec drelu_spec(FixedPoint input);

// A real function outside and inside a bounded domain: y = slope * x + intercept.
struct Linear {
  double slope = 0;
  double intercept = 0;
};

// Piecewise-linear interpolation of `function` at `intervals` uniform knots over [lo, hi), with
// `below` on x < lo and `above` on x >= hi. Input {n, f}; one output of format {n, 2f}:
// a piece is c1 * x + c0 with c1 = round(slope * 2^f) and c0 chosen so that the piece is exact
// (to rounding) at its left knot. Knots round to the input grid, so the output is exact in the
// ring and faithful while |slope * x| * 2^{2f} < 2^{n-1}, i.e. |x| < 2^{n-1-2f} / max|slope|
// (real units). Needs 2f < n, lo < hi, and knots at least one ulp apart.
struct SplineOptions {
  std::string name;
  FixedPoint input{0, 0};
  std::function<double(double)> function;
  double lo = 0;
  double hi = 0;
  int intervals = 0;
  Linear below;
  Linear above;
};
SufSpec spline_spec(const SplineOptions& options);

// GeLU(x) = x * Phi(x) (erf form) as a spline with `intervals` pieces over [-bound, bound),
// 0 below and x above. Output format {n, 2f}.
SufSpec gelu_spline_spec(FixedPoint input, int intervals = 256, double bound = 4.0);

// A piecewise-constant spec (degree 0, one output {n, output_f}) on the effective width w: the
// steps must tile [0, 2^w) in order; each step's value() (signed) is its output. Throws
// kInvalidArgument if they do not, or as validate().
SufSpec stepped_spec(std::string name, FixedPoint input, int width, int output_f,
                     const std::vector<Step>& steps);

}  // namespace fss::suf

#pragma once
// Piecewise-constant fits for the SUF specs of nExp, reciprocal, rsqrt, GeLU and SiLU: steps
// whose boundaries sit where the function has moved by a tolerance, rather than at uniform
// knots, so every step carries the same error whatever the slope. Each step's value is the
// midpoint of the function's range over it; the error of a step is half that range plus the
// output's rounding (1/2 ulp).
#include <cstdint>
#include <functional>
#include <vector>

namespace fss::suf {

// The integers [first, last] and the range [low, high] of the function over them.
struct Step {
  uint64_t first = 0;
  uint64_t last = 0;
  double low = 0;
  double high = 0;
  // round((low + high) / 2) as a signed integer.
  int64_t value() const;
};

// Steps of a monotone function g over the integers [lo, hi]: each extends while g stays within
// `tolerance` of its value at the step's first integer (with `relative`, within a factor
// 2^tolerance, or within 1 of it). Binary searches g; g must be positive when `relative`.
std::vector<Step> monotone_steps(const std::function<double(uint64_t)>& g, uint64_t lo, uint64_t hi,
                                 double tolerance, bool relative = false);

// Steps of tabulated values (values[i] belongs to the integer first + i): each extends while
// its range stays within `tolerance`.
std::vector<Step> tabulated_steps(const std::vector<double>& values, uint64_t first,
                                  double tolerance);

// The steps of the smallest tolerance in [0, span] (to span / 2^20) for which `fit` returns at
// most `max_steps` steps: fit must return fewer steps as the tolerance grows, and at most
// max_steps at `span` (checked).
std::vector<Step> fit_step_count(const std::function<std::vector<Step>(double)>& fit, double span,
                                 int max_steps);

}  // namespace fss::suf

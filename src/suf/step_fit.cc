#include "suf/step_fit.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace fss::suf {

int64_t Step::value() const { return std::llround((low + high) / 2); }

std::vector<Step> monotone_steps(const std::function<double(uint64_t)>& g, uint64_t lo, uint64_t hi,
                                 double tolerance, bool relative) {
  FSS_CHECK(lo <= hi, "monotone_steps: empty range [{}, {}]", lo, hi);
  const auto close = [&](double start, double value) {
    const double gap = std::abs(value - start);
    if (!relative) return gap <= tolerance;
    return gap <= 1 || std::abs(std::log2(value / start)) <= tolerance;
  };
  std::vector<Step> steps;
  uint64_t first = lo;
  while (true) {
    const double start = g(first);
    // Largest last in [first, hi] with g(last) close to g(first); g(first) itself is.
    uint64_t good = first, bad = hi;
    if (close(start, g(hi))) {
      good = hi;
    } else {
      while (bad - good > 1) {
        const uint64_t middle = good + (bad - good) / 2;
        (close(start, g(middle)) ? good : bad) = middle;
      }
    }
    const double end = g(good);
    steps.push_back({first, good, std::min(start, end), std::max(start, end)});
    if (good == hi) return steps;
    first = good + 1;
  }
}

std::vector<Step> tabulated_steps(const std::vector<double>& values, uint64_t first,
                                  double tolerance) {
  std::vector<Step> steps;
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if (!steps.empty() &&
        std::max(steps.back().high, v) - std::min(steps.back().low, v) <= tolerance) {
      Step& step = steps.back();
      step.last = first + i;
      step.low = std::min(step.low, v);
      step.high = std::max(step.high, v);
    } else {
      steps.push_back({first + i, first + i, v, v});
    }
  }
  return steps;
}

std::vector<Step> fit_step_count(const std::function<std::vector<Step>(double)>& fit, double span,
                                 int max_steps) {
  FSS_CHECK(max_steps >= 1 && span >= 0, "fit_step_count: bad arguments");
  double low = 0, high = span;
  std::vector<Step> best = fit(high);
  FSS_CHECK(static_cast<int>(best.size()) <= max_steps,
            "fit_step_count: the span's fit has {} steps, more than {}", best.size(), max_steps);
  // Bisection down to span / 2^20.
  for (int halving = 0; halving < 20; ++halving) {
    const double middle = (low + high) / 2;
    std::vector<Step> steps = fit(middle);
    if (static_cast<int>(steps.size()) <= max_steps) {
      high = middle;
      best = std::move(steps);
    } else {
      low = middle;
    }
  }
  return best;
}

}  // namespace fss::suf

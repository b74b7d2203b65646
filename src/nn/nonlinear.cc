#include "nn/nonlinear.h"

#include <fmt/format.h>

#include "core/error.h"
#include "sigma/gelu.h"
#include "sigma/silu.h"
#include "suf/activations.h"
#include "suf/rsqrt.h"
#include "suf/softmax_parts.h"

namespace fss {
namespace {

void check_range(const char* name, int value, ParameterRange range) {
  if (value < range.lo || value > range.hi)
    fail(ErrorKind::kInvalidArgument, "{} = {} is out of range: expected {}..{}", name, value,
         range.lo, range.hi);
}

}  // namespace

const char* nonlinear_family_name(NonlinearFamily family) {
  return family == NonlinearFamily::kSuf ? "suf" : "sigma";
}

NonlinearChoice NonlinearChoice::all(NonlinearFamily family) {
  NonlinearChoice choice;
  choice.softmax = choice.layernorm = choice.activation = family;
  return choice;
}

void NonlinearChoice::validate() const {
  check_range("nexp bits", nexp_bits, kNexpBitsRange);
  check_range("inv bits", inv_bits, kInvBitsRange);
  check_range("rsqrt bits", rsqrt_bits, kRsqrtBitsRange);
  check_range("gelu intervals", gelu_intervals, kIntervalsRange);
  check_range("silu intervals", silu_intervals, kIntervalsRange);
}

std::string NonlinearChoice::describe() const {
  if (summary() == "sigma") return "sigma";  // the parameters are unused
  auto module = [](NonlinearFamily family, const std::string& parameters) {
    return family == NonlinearFamily::kSuf ? "suf(" + parameters + ")" : std::string("sigma");
  };
  return fmt::format("softmax={} layernorm={} activation={}",
                     module(softmax, fmt::format("nexp_bits={},inv_bits={}", nexp_bits, inv_bits)),
                     module(layernorm, fmt::format("rsqrt_bits={}", rsqrt_bits)),
                     module(activation, fmt::format("gelu_intervals={},silu_intervals={}",
                                                    gelu_intervals, silu_intervals)));
}

std::string NonlinearChoice::summary() const {
  const int suf_modules = (softmax == NonlinearFamily::kSuf) +
                          (layernorm == NonlinearFamily::kSuf) +
                          (activation == NonlinearFamily::kSuf);
  return suf_modules == 0 ? "sigma" : suf_modules == 3 ? "suf" : "mixed";
}

sigma::SoftmaxSteps softmax_steps(const NonlinearChoice& choice) {
  if (choice.softmax == NonlinearFamily::kSigma) return {};
  return {
      .exponential = [bits = choice.nexp_bits](
                         Engine& engine, const Masked& x) { return suf::nexp(engine, x, bits); },
      .reciprocal = [bits = choice.inv_bits](
                        Engine& engine, const Masked& z,
                        int64_t k) { return suf::softmax_reciprocal(engine, z, k, bits); }};
}

sigma::NormOptions norm_options(double epsilon, const NonlinearChoice& choice) {
  sigma::NormOptions options;
  options.epsilon = epsilon;
  if (choice.layernorm == NonlinearFamily::kSuf)
    options.reciprocal_sqrt = [bits = choice.rsqrt_bits](Engine& engine, const Masked& x,
                                                         const sigma::RecSqrtParams& params) {
      return suf::rec_sqrt(engine, x,
                           {.output_frac_bits = params.output_frac_bits, .divisor = params.divisor},
                           bits);
    };
  return options;
}

Shared gelu(Engine& engine, const Masked& x, const NonlinearChoice& choice) {
  return choice.activation == NonlinearFamily::kSuf ? suf::gelu(engine, x, choice.gelu_intervals)
                                                    : sigma::gelu(engine, x);
}

Shared silu(Engine& engine, const Masked& x, const NonlinearChoice& choice) {
  return choice.activation == NonlinearFamily::kSuf ? suf::silu(engine, x, choice.silu_intervals)
                                                    : sigma::silu(engine, x);
}

}  // namespace fss

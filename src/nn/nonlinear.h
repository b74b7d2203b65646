#pragma once
// Which protocol family computes each nonlinear module of the forward pass, and the SUF gates'
// parameters: softmax (SUF for nExp and the reciprocal; max and sums stay SIGMA's), the norm
// (LayerNorm and RMSNorm: SUF for the reciprocal square root) and the activation (GeLU, SiLU).
// The default is SIGMA everywhere, the forward pass's original behaviour and costs.
#include <string>

#include "mpc/engine.h"
#include "sigma/layernorm.h"
#include "sigma/softmax.h"

namespace fss {

enum class NonlinearFamily { kSigma, kSuf };

// "sigma" or "suf".
const char* nonlinear_family_name(NonlinearFamily family);

struct NonlinearChoice {
  NonlinearFamily softmax = NonlinearFamily::kSigma;
  NonlinearFamily layernorm = NonlinearFamily::kSigma;
  NonlinearFamily activation = NonlinearFamily::kSigma;
  int nexp_bits = 10;         // SUF nExp
  int inv_bits = 10;          // SUF softmax reciprocal
  int rsqrt_bits = 9;         // SUF reciprocal square root
  int gelu_intervals = 256;   // SUF GeLU table cells (suf/activations.h)
  int silu_intervals = 1024;  // SUF SiLU spline pieces

  // Every module of `family`, default parameters.
  static NonlinearChoice all(NonlinearFamily family);

  // Throws kInvalidArgument naming the parameter unless each lies in its range below (the SUF
  // gates' own limits).
  void validate() const;

  // Canonical text, part of the run configuration hashed into the key streams: "sigma" when
  // every module is SIGMA's, else e.g. "softmax=suf(nexp_bits=10,inv_bits=10) layernorm=sigma
  // activation=suf(gelu_intervals=256,silu_intervals=1024)" (a module's parameters only
  // where SUF computes it).
  std::string describe() const;
  // "sigma", "suf" (every module) or "mixed".
  std::string summary() const;

  bool operator==(const NonlinearChoice&) const = default;
};

struct ParameterRange {
  int lo;
  int hi;
};
inline constexpr ParameterRange kNexpBitsRange{1, 16};
inline constexpr ParameterRange kInvBitsRange{1, 16};
inline constexpr ParameterRange kRsqrtBitsRange{5, 12};
inline constexpr ParameterRange kIntervalsRange{2, 1 << 16};

// The chosen family's function for each replaceable step: softmax's nExp and reciprocal, the
// norms' reciprocal square root, the activations (each with its sigma:: contract).
sigma::SoftmaxSteps softmax_steps(const NonlinearChoice& choice);
sigma::NormOptions norm_options(double epsilon, const NonlinearChoice& choice);
Shared gelu(Engine& engine, const Masked& x, const NonlinearChoice& choice);
Shared silu(Engine& engine, const Masked& x, const NonlinearChoice& choice);

}  // namespace fss

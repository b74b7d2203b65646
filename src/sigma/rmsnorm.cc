#include "sigma/rmsnorm.h"

namespace fss::sigma {

Shared rmsnorm(Engine& engine, const Masked& x, const Tensor& gamma, const NormOptions& options) {
  const std::string name = "rmsnorm";
  check_norm_gamma(gamma.shape(), gamma.fixed_point(), x, name);
  return scale_by_weight(engine, divide_by_rms(engine, x, options, name), gamma, name);
}

Shared rmsnorm(Engine& engine, const Masked& x, const Masked& gamma, const NormOptions& options) {
  const std::string name = "rmsnorm";
  check_norm_gamma(gamma.value.shape(), gamma.value.fixed_point(), x, name);
  return scale_by_weight(engine, divide_by_rms(engine, x, options, name), gamma, name);
}

}  // namespace fss::sigma

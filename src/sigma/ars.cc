#include "sigma/ars.h"

#include "mpc/truncate_reduce.h"
#include "sigma/sign_extend.h"

namespace fss::sigma {

Shared ars(Engine& engine, const Masked& x, int f) {
  const TruncateReduceGate truncate(x.value.fixed_point(), f);
  const Masked reduced = engine.open(engine.apply(truncate, x), "ars open");
  return sign_extend(engine, reduced, x.value.fixed_point().n);
}

}  // namespace fss::sigma

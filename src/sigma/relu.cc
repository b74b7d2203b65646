#include "sigma/relu.h"

#include "mpc/select.h"
#include "sigma/drelu.h"

namespace fss::sigma {

Shared relu(Engine& engine, const Masked& x, int m) {
  const FixedPoint format = x.value.fixed_point();
  const Masked positive = engine.open(engine.apply(DreluGate(format, m), x), kReluBitLabel);
  return engine.apply(SelectGate(format), positive, x);
}

}  // namespace fss::sigma

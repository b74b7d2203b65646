#include "suf/truncated_view.h"

#include <algorithm>

#include "core/error.h"
#include "mpc/masked_ops.h"
#include "mpc/truncate_reduce.h"

namespace fss::suf {

TruncatedViews truncated_views(Engine& engine, const Masked& x, int width, int fine_shift,
                               int coarse_shift, const std::string& name) {
  const FixedPoint format = x.value.fixed_point();
  if (fine_shift < 1 || coarse_shift < 1 || fine_shift + coarse_shift >= width || width > format.n)
    fail(ErrorKind::kInvalidArgument,
         "{}: cannot truncate the low {} bits of a {}-bit wire by {} and then {} bits", name, width,
         format.n, fine_shift, coarse_shift);
  const FixedPoint view{width, std::min(format.f, width - 1)};
  const Masked fine =
      engine.open(engine.apply(TruncateReduceGate(view, fine_shift), low_bits(x, view)),
                  name + ": truncated input");
  const FixedPoint fine_integer{fine.value.fixed_point().n, 0};
  const Masked coarse = engine.open(
      engine.apply(TruncateReduceGate(fine_integer, coarse_shift), low_bits(fine, fine_integer)),
      name + ": range view");
  return {fine, coarse};
}

}  // namespace fss::suf

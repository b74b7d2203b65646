#include "mpc/masked_ops.h"

#include <algorithm>

#include "core/error.h"

namespace fss {

Masked low_bits(const Masked& x, FixedPoint format) {
  format.validate();
  if (format.n > x.value.fixed_point().n)
    fail(ErrorKind::kInvalidArgument, "low_bits: cannot take {} bits of a {}-bit wire", format.n,
         x.value.fixed_point().n);
  Tensor out = Tensor::for_overwrite(x.value.shape(), format);
  const Ring ring = format.ring();
  for_each_index(out.size(), [&](size_t i) { out[i] = ring.mod(x.value[i]); });
  return {std::move(out)};
}

Masked add_public(const Engine& engine, const Masked& x, uint64_t c) {
  if (engine.kind() == Engine::Kind::kDealer) return x;
  Tensor out = Tensor::for_overwrite(x.value.shape(), x.value.fixed_point());
  const Ring ring = out.ring();
  for_each_index(out.size(), [&](size_t i) { out[i] = ring.add(x.value[i], c); });
  return {std::move(out)};
}

std::vector<Masked> open_together(Engine& engine, std::span<const Shared* const> values,
                                  const std::string& label) {
  FSS_CHECK(!values.empty(), "open_together: nothing to open");
  const FixedPoint format = values[0]->value.fixed_point();
  size_t total = 0;
  for (const Shared* value : values) {
    if (value->value.fixed_point() != format)
      fail(ErrorKind::kInvalidArgument, "open_together: formats {} and {} differ",
           format.to_string(), value->value.fixed_point().to_string());
    total += value->value.size();
  }
  Tensor joined = Tensor::for_overwrite(Shape{static_cast<int64_t>(total)}, format);
  auto next = joined.data().begin();
  for (const Shared* value : values)
    next = std::copy(value->value.data().begin(), value->value.data().end(), next);
  const Masked opened = engine.open(Shared{std::move(joined)}, label);
  std::vector<Masked> out;
  auto from = opened.value.data().begin();
  for (const Shared* value : values) {
    Tensor part = Tensor::for_overwrite(value->value.shape(), format);
    std::copy_n(from, part.size(), part.data().begin());
    from += static_cast<std::ptrdiff_t>(part.size());
    out.push_back({std::move(part)});
  }
  return out;
}

}  // namespace fss

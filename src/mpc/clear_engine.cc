#include "mpc/clear_engine.h"

namespace fss {

Masked ClearEngine::input(const Shape& shape, FixedPoint format) {
  return {inputs_.pop(shape, format, "clear engine")};
}

Masked ClearEngine::open(const Shared& value, const std::string& label) {
  book(label, {.calls = 1, .elements = value.value.size()});
  return {value.value};
}

void ClearEngine::add_public(Shared& value, const Tensor& constant) const {
  value = add(value, Shared{constant});
}

void ClearEngine::run_gate(const Gate& gate, InColumns in, OutColumns out) {
  gate.clear(in, out);
  book(gate.describe(), {.calls = 1, .elements = out[0].size()});
}

}  // namespace fss

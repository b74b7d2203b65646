#pragma once
// ClearEngine: the plaintext fixed-point oracle. Wires hold clear values; gates compute their
// functionality; open is the identity.
#include "mpc/engine.h"

namespace fss {

class ClearEngine final : public Engine {
 public:
  // The program's inputs, in the order it asks for them.
  void provide_input(Tensor value) { inputs_.push(std::move(value)); }

  Kind kind() const override { return Kind::kClear; }
  Masked input(const Shape& shape, FixedPoint format) override;
  Masked open(const Shared& value, const std::string& label) override;
  Shared share_of(const Masked& value) const override { return {value.value}; }
  void add_public(Shared& value, const Tensor& constant) const override;

 protected:
  void run_gate(const Gate& gate, InColumns in, OutColumns out) override;

 private:
  InputQueue inputs_;
};

}  // namespace fss

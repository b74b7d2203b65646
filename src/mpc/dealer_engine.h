#pragma once
// DealerEngine: walks the program with masks only. Every input and every gate output gets a
// fresh uniform mask per element from the seeded PRG; each gate's keys go to both parties'
// key streams as one record. The input masks are kept for the client.
#include <vector>

#include "mpc/engine.h"
#include "mpc/key_stream.h"

namespace fss {

class DealerEngine final : public Engine {
 public:
  DealerEngine(Block seed, KeyStreamWriter& party0, KeyStreamWriter& party1);

  Kind kind() const override { return Kind::kDealer; }
  Masked input(const Shape& shape, FixedPoint format) override;
  Masked open(const Shared& value, const std::string& label) override;
  Shared share_of(const Masked& value) const override { return {value.value}; }
  void add_public(Shared&, const Tensor&) const override {}

  // The masks of the program's inputs, in order: what the client adds before sending.
  const std::vector<Tensor>& input_masks() const { return input_masks_; }

 protected:
  void run_gate(const Gate& gate, InColumns in, OutColumns out) override;

 private:
  SeededPrg prg_;
  KeyStreamWriter* streams_[2];
  std::vector<Tensor> input_masks_;
};

}  // namespace fss

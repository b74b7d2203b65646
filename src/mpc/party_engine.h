#pragma once
// PartyEngine: one server. Reads its key stream in program order and talks to the peer.
// Masked wires hold x + r (identical at both parties), Shared wires this party's share.
#include "mpc/engine.h"
#include "mpc/key_stream.h"
#include "net/channel.h"

namespace fss {

class PartyEngine final : public Engine {
 public:
  PartyEngine(int party, KeyStreamReader& keys, Channel& peer);

  // The client's masked inputs (x + r), in the order the program asks for them.
  void provide_input(Tensor masked) { inputs_.push(std::move(masked)); }

  int party() const { return party_; }
  Kind kind() const override { return Kind::kParty; }
  Masked input(const Shape& shape, FixedPoint format) override;
  Masked open(const Shared& value, const std::string& label) override;
  Shared share_of(const Masked& value) const override;
  void add_public(Shared& value, const Tensor& constant) const override;

 protected:
  void run_gate(const Gate& gate, InColumns in, OutColumns out) override;

 private:
  int party_;
  KeyStreamReader* keys_;
  Channel* peer_;
  InputQueue inputs_;
};

}  // namespace fss

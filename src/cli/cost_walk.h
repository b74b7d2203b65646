#pragma once
// A cost walk: runs a program once, dealer-side, without generating keys, and books per gate and
// open what a party run books (mpc/cost.h), so that models too large to key on this machine can
// be costed. Per party:
//   key bytes  exact: Gate::key_bytes (what the dealer writes; DealerEngine checks gen against it);
//   open       exact: ceil(elements n / 8) bytes sent, 1 round;
//   gate sent, rounds and evaluation PRG calls: measured once per distinct gate (by describe())
//              with a real dealer and two parties on kProfileElements random elements, then
//              scaled linearly to each call (exact for bytes when the count is a multiple of 8;
//              PRG calls are the profile's mean per element). Gates whose shapes are not
//              elementwise (matmul, row sums) must be local: 0 rounds, nothing sent, no PRG.
#include <map>
#include <string>

#include "mpc/engine.h"

namespace fss::cli {

inline constexpr uint64_t kProfileElements = 256;

// Measured gates, by describe(); shared by walks so that each gate is measured once.
class GateProfiles {
 public:
  struct Profile {
    uint64_t bytes_sent = 0;  // P0, for kProfileElements elements
    uint64_t rounds = 0;      // per call
    uint64_t prg_calls = 0;   // P0's evaluation, for kProfileElements elements
  };
  // The profile of `gate` with `inputs` inputs, measured on first use.
  const Profile& of(const Gate& gate, size_t inputs);
  size_t size() const { return profiles_.size(); }

 private:
  std::map<std::string, Profile> profiles_;
};

class CostWalkEngine final : public Engine {
 public:
  explicit CostWalkEngine(GateProfiles& profiles) : profiles_(&profiles) {}

  // Wires carry zeros: programs must not branch on wire values (the forward pass does not).
  Kind kind() const override { return Kind::kDealer; }
  Masked input(const Shape& shape, FixedPoint format) override;
  Masked open(const Shared& value, const std::string& label) override;
  Shared share_of(const Masked& value) const override { return {value.value}; }
  void add_public(Shared&, const Tensor&) const override {}

 protected:
  void run_gate(const Gate& gate, InColumns in, OutColumns out) override;

 private:
  GateProfiles* profiles_;
};

}  // namespace fss::cli

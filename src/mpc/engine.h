#pragma once
// The engine interface (ARCHITECTURE.md §2). A program (a gate composition, a transformer
// block) is written once against Engine; ClearEngine, DealerEngine and PartyEngine interpret
// it. Dealer and parties walk the same code path, so keys are written and read in the same
// order by construction; the key stream's framing turns any divergence into an error.
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "mpc/cost.h"
#include "mpc/gate.h"
#include "mpc/wire.h"

namespace fss {

class Engine {
 public:
  enum class Kind { kClear, kDealer, kParty };

  virtual ~Engine() = default;
  virtual Kind kind() const = 0;

  // The next program input (the client's tensor): the clear value (ClearEngine), a fresh
  // mask that the client will receive (DealerEngine), or the client's masked tensor
  // (PartyEngine). Throws kMismatch if the provided tensor has another shape or format.
  virtual Masked input(const Shape& shape, FixedPoint format) = 0;

  // Runs an elementwise gate on same-shaped inputs whose formats match the gate's.
  // Returns one Shared per gate output, with the inputs' shape.
  std::vector<Shared> apply(const Gate& gate, std::span<const Masked* const> inputs);
  Shared apply(const Gate& gate, const Masked& input);
  Shared apply(const Gate& gate, const Masked& first, const Masked& second);

  // Shared -> Masked. Parties exchange their shares, bit-packed to n bits (one round);
  // clear and dealer engines keep the value. Costs are booked under `label`.
  virtual Masked open(const Shared& value, const std::string& label = "open") = 0;

  // A Masked value as a sharing of itself: P0 holds x + r, P1 holds 0.
  virtual Shared share_of(const Masked& value) const = 0;
  // value + c for a public tensor c of the same shape and format (P0 adds it; the mask
  // is unchanged).
  virtual void add_public(Shared& value, const Tensor& constant) const = 0;

  // Names the kind of work that follows ("matmul", "softmax", "layernorm", ...) until the next
  // call. Costs are booked per label and per phase; wall time is booked per phase.
  void set_phase(const std::string& phase);
  // Books the time since the last phase change to the current phase (call before reading).
  void close_phase() { set_phase(phase_); }
  // The owner's clock starts now (after keys and inputs are in place): the time before is booked
  // to no phase, so that the phases add up to the online time.
  void start_phase_clock() { phase_start_ = std::chrono::steady_clock::now(); }

  // A point between parts of the program (transformer_forward: each layer's start and the
  // end) where the engine's owner may pause it, e.g. to deal the next layer's keys. Runs the
  // hook set by set_checkpoint, if any; the hook's time is booked to no phase.
  void set_checkpoint(std::function<void()> hook) { checkpoint_ = std::move(hook); }
  void checkpoint();

  const std::string& phase() const { return phase_; }
  const CostLedger& costs() const { return costs_; }
  const CostLedger& phase_costs() const { return phase_costs_; }
  const std::map<std::string, double>& phase_seconds() const { return phase_seconds_; }
  // Of phase_seconds(), the time spent in exchanges with the peer (parties only).
  const std::map<std::string, double>& phase_wait_seconds() const { return phase_wait_seconds_; }

 protected:
  virtual void run_gate(const Gate& gate, InColumns in, OutColumns out) = 0;
  // Adds `cost` under `label` and under the current phase.
  void book(const std::string& label, const Cost& cost);
  void book_wait(double seconds) { phase_wait_seconds_[phase_] += seconds; }

 private:
  CostLedger costs_;
  CostLedger phase_costs_;
  std::map<std::string, double> phase_seconds_;
  std::map<std::string, double> phase_wait_seconds_;
  std::string phase_ = "other";
  std::chrono::steady_clock::time_point phase_start_ = std::chrono::steady_clock::now();
  std::function<void()> checkpoint_;
};

// Sets an engine's phase for the lifetime of the object and restores the previous one.
class PhaseScope {
 public:
  PhaseScope(Engine& engine, const std::string& phase);
  ~PhaseScope();
  PhaseScope(const PhaseScope&) = delete;
  PhaseScope& operator=(const PhaseScope&) = delete;

 private:
  Engine& engine_;
  std::string previous_;
};

// The provided-input queue of ClearEngine and PartyEngine.
class InputQueue {
 public:
  void push(Tensor tensor) { pending_.push_back(std::move(tensor)); }
  // Pops the next tensor, checking it against what the program asks for.
  Tensor pop(const Shape& shape, FixedPoint format, const char* engine);
  bool empty() const { return pending_.empty(); }

 private:
  std::deque<Tensor> pending_;
};

// Local linear operations: plain ring arithmetic, valid in every engine (masks are linear).
Shared add(const Shared& a, const Shared& b);
Shared sub(const Shared& a, const Shared& b);
Masked add(const Masked& a, const Masked& b);
Masked sub(const Masked& a, const Masked& b);
// c * value for a public integer c (mod 2^n).
Shared scale(const Shared& value, uint64_t c);

}  // namespace fss

#pragma once
// Cost accounting per gate (issue: key bytes, bytes sent, rounds, PRG calls), collected by the
// engines as they run: the dealer counts the key bytes it writes, a party the bytes and rounds
// of its opens, and both the fixed-key PRG blocks their gates evaluate (crypto/prg_counter.h).
// Entries are keyed by a label: a gate's describe() or an open's label.
#include <cstdint>
#include <map>
#include <string>

namespace fss {

struct Cost {
  uint64_t calls = 0;
  uint64_t elements = 0;
  uint64_t key_bytes = 0;   // per party
  uint64_t bytes_sent = 0;  // by this party
  uint64_t rounds = 0;
  uint64_t prg_calls = 0;      // fixed-key PRG blocks this side evaluated (CPU FSS code)
  double seconds = 0;          // a party's wall time in the gate or open (its exchanges included)
  double wait_seconds = 0;     // of seconds, in exchanges with the peer
  double backend_seconds = 0;  // of seconds, in the backend's bulk operations (crypto/backend.h)

  Cost& operator+=(const Cost& other) {
    calls += other.calls;
    elements += other.elements;
    key_bytes += other.key_bytes;
    bytes_sent += other.bytes_sent;
    rounds += other.rounds;
    prg_calls += other.prg_calls;
    seconds += other.seconds;
    wait_seconds += other.wait_seconds;
    backend_seconds += other.backend_seconds;
    return *this;
  }
};

class CostLedger {
 public:
  void add(const std::string& label, const Cost& cost) { entries_[label] += cost; }
  const std::map<std::string, Cost>& entries() const { return entries_; }
  Cost total() const {
    Cost sum;
    for (const auto& [label, cost] : entries_) sum += cost;
    return sum;
  }

 private:
  std::map<std::string, Cost> entries_;
};

}  // namespace fss

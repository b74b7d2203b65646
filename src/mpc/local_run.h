#pragma once
// Runs one program on all three engines in this process: the clear engine, the dealer (key
// streams in memory), and P0 and P1 on two threads over an in-process channel pair or TCP on
// loopback. The parties' outputs are reconstructed with the dealer's masks so that callers
// (tests, selftest, `fssformer run`) can compare them with the clear outputs bit for bit.
// Keys are dealt for the whole program before the parties start, or, with keys_per_layer, one
// segment (the program between two Engine::checkpoint calls) at a time.
#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/process_counters.h"
#include "crypto/backend.h"
#include "crypto/block.h"
#include "mpc/cost.h"
#include "mpc/engine.h"
#include "net/channel.h"
#include "net/tls_channel.h"

namespace fss {

// A program: asks its engine for inputs, returns its outputs.
using Program = std::function<std::vector<Masked>(Engine&)>;

struct LocalRunOptions {
  Block seed{1, 0};
  bool tcp = false;  // false: in-process channel pair
  std::chrono::milliseconds timeout{30'000};
  std::string config = "local run";  // hashed into the key streams
  // Where the dealer's and the parties' gates run their bulk operations (crypto/backend.h);
  // nullptr: the CPU.
  Backend* backend = nullptr;
  // Each party copies its key stream into the backend's memory before its online phase (where
  // the backend has memory of its own: the GPU); false leaves keys in host memory, and every
  // gate's keys travel to the backend with its call.
  bool resident_keys = true;
  // With tcp: the TLS options of P0 (listens) and P1 (connects); nullopt: plain TCP.
  std::optional<std::array<TlsOptions, 2>> tls = std::nullopt;
  // Strict alternation over the program's segments: the dealer deals a segment's keys, both
  // parties run that segment, the dealer deals the next, ...; nothing overlaps. A party holds
  // one segment's keys at a time; its online time is the sum of its segments and the dealer's
  // time the sum of its own (waits excluded). Outputs, bytes, rounds and keys are those of a
  // whole-program deal with the same seed. false: the dealer deals every key first.
  bool keys_per_layer = false;
  // Whole-program deals: the expected size of each party's key stream (cli/key_plan.h), reserved
  // up front; 0: the streams grow as they are written.
  uint64_t key_stream_bytes = 0;
};

struct LocalRunResult {
  std::vector<Tensor> clear;          // the clear engine's outputs
  std::vector<Tensor> reconstructed;  // opened outputs minus the dealer's output masks
  CostLedger dealer_costs;
  CostLedger party_costs[2];
  CostLedger party_phase_costs[2];                            // by Engine::set_phase phase
  std::map<std::string, double> party_phase_seconds[2];       // wall time by phase
  std::map<std::string, double> party_phase_wait_seconds[2];  // of which waiting on the peer
  double dealer_seconds = 0;                                  // the dealer's walk (keygen)
  double party_online_seconds[2] = {};    // from the first input to the last output
  double party_key_load_seconds[2] = {};  // making keys resident (per-layer: all layers), off the clock
  bool keys_resident = false;             // whether the backend took the key streams
  ChannelStats party_channel[2];          // bytes sent and received, rounds
  uint64_t key_stream_bytes[2] = {};
  uint64_t key_bytes_held[2] = {};  // the most key stream bytes a party held at once
  // The process's page faults and context switches over each party's online clock (both
  // parties' threads, which run at once; per-layer: outside the checkpoints' pauses).
  ProcessCounters party_online_counters[2];
};

// Throws kMismatch if P0 and P1 end with different masked outputs (a protocol bug) or, with
// keys_per_layer, pass different numbers of checkpoints than the dealer; and whatever the
// engines throw (with keys_per_layer: the first error of any role, which ends the others).
LocalRunResult run_locally(const Program& program, std::span<const Tensor> inputs,
                           const LocalRunOptions& options = {});

}  // namespace fss

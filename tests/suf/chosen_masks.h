#pragma once
// Runs a gate's gen and both parties' eval in this process with input masks the test chooses
// (run_locally draws its own), so that exhaustive tests can pin masks that put a boundary on 0
// or make x^ wrap. The parties run on two threads and open through shared memory.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <random>
#include <span>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/bytes.h"
#include "core/ring.h"
#include "crypto/prg.h"
#include "mpc/gate.h"

namespace fss::suf::testing {

// Both parties' opens meet here: each posts its shares and waits for the other's.
class SharedMemoryOpeners {
 public:
  class Side final : public Opener {
   public:
    Side(SharedMemoryOpeners& hub, int party) : hub_(hub), party_(party) {}
    Words open(std::span<const uint64_t> shares, int bits) override {
      const std::vector<uint64_t> opened = hub_.exchange(party_, shares, bits);
      return Words(opened.begin(), opened.end());
    }

   private:
    SharedMemoryOpeners& hub_;
    int party_;
  };

  std::vector<uint64_t> exchange(int party, std::span<const uint64_t> shares, int bits) {
    std::unique_lock lock(mutex_);
    const uint64_t round = rounds_[party]++;
    posted_[party].assign(shares.begin(), shares.end());
    posted_round_[party] = round + 1;
    changed_.notify_all();
    changed_.wait(lock, [&] { return abandoned_ || posted_round_[1 - party] >= round + 1; });
    if (abandoned_) throw std::runtime_error("the other party stopped");
    const std::vector<uint64_t> peer = posted_[1 - party];
    taken_[party] = round + 1;
    changed_.notify_all();
    // The peer must not overwrite its shares before this party has read them.
    changed_.wait(lock, [&] { return abandoned_ || taken_[1 - party] >= round + 1; });
    const Ring ring{bits};
    std::vector<uint64_t> out(shares.size());
    for (size_t i = 0; i < shares.size(); ++i)
      out[i] = bits == 1 ? (shares[i] ^ peer[i]) & 1 : ring.add(shares[i], peer[i]);
    return out;
  }

  // A party that throws wakes the other, which then throws too (no test hangs).
  void abandon() {
    std::lock_guard lock(mutex_);
    abandoned_ = true;
    changed_.notify_all();
  }

 private:
  bool abandoned_ = false;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<uint64_t> posted_[2];
  uint64_t rounds_[2] = {};
  uint64_t posted_round_[2] = {};
  uint64_t taken_[2] = {};
};

struct ChosenMaskRun {
  std::vector<std::vector<uint64_t>> outputs;  // [output][element], reconstructed
  uint64_t key_bytes[2] = {};
};

// x[e] in the gate's input ring, masks[e] its input mask; output masks are drawn from `seed`.
inline ChosenMaskRun run_with_masks(const Gate& gate, std::span<const uint64_t> x,
                                    std::span<const uint64_t> masks, uint64_t seed) {
  const Ring input = gate.input_formats()[0].ring();
  const std::vector<FixedPoint> formats = gate.output_formats();
  const size_t count = x.size(), outputs = formats.size();
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint64_t>> r_out(outputs, std::vector<uint64_t>(count));
  for (size_t k = 0; k < outputs; ++k)
    for (uint64_t& r : r_out[k]) r = rng() & formats[k].ring().mask();
  const std::span<const uint64_t> r_in[] = {masks};
  std::vector<std::span<const uint64_t>> r_out_columns(r_out.begin(), r_out.end());
  SeededPrg prg(seed);
  ByteWriter keys[2];
  gate.gen(r_in, r_out_columns, prg, keys[0], keys[1]);

  std::vector<uint64_t> x_hat(count);
  for (size_t e = 0; e < count; ++e) x_hat[e] = input.add(x[e], masks[e]);
  const std::span<const uint64_t> x_hat_columns[] = {x_hat};
  std::vector<std::vector<uint64_t>> shares[2];
  std::exception_ptr errors[2];
  SharedMemoryOpeners hub;
  const auto party_eval = [&](int party) {
    shares[party].assign(outputs, std::vector<uint64_t>(count));
    std::vector<std::span<uint64_t>> columns(shares[party].begin(), shares[party].end());
    ByteReader reader(keys[party].data(), "chosen-mask key");
    SharedMemoryOpeners::Side opener(hub, party);
    try {
      gate.eval(party, reader, x_hat_columns, columns, opener);
    } catch (...) {
      hub.abandon();
      errors[party] = std::current_exception();
    }
  };
  std::thread other(party_eval, 1);
  party_eval(0);
  other.join();
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);

  ChosenMaskRun run;
  run.key_bytes[0] = keys[0].size();
  run.key_bytes[1] = keys[1].size();
  run.outputs.assign(outputs, std::vector<uint64_t>(count));
  for (size_t k = 0; k < outputs; ++k) {
    const Ring ring = formats[k].ring();
    for (size_t e = 0; e < count; ++e)
      run.outputs[k][e] = ring.sub(ring.add(shares[0][k][e], shares[1][k][e]), r_out[k][e]);
  }
  return run;
}

}  // namespace fss::suf::testing

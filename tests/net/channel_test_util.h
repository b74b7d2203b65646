#pragma once
// Helpers shared by the channel tests: reproducible data, an independent checksum, and a scripted
// conversation whose expected byte and round counts follow from the script alone.
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "net/channel.h"

namespace fss::test {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Fills `out` with the bytes of stream `seed` starting at byte `offset` (a multiple of 8), so a
// receiver can regenerate exactly what a sender produced.
inline void fill_stream(uint64_t seed, uint64_t offset, std::span<uint8_t> out) {
  const uint64_t stream = splitmix64(seed);
  uint64_t word_index = offset / 8;
  size_t i = 0;
  for (; i + 8 <= out.size(); i += 8) {
    const uint64_t word = splitmix64(stream + word_index++);
    std::memcpy(out.data() + i, &word, 8);
  }
  if (i < out.size()) {
    const uint64_t word = splitmix64(stream + word_index);
    std::memcpy(out.data() + i, &word, out.size() - i);
  }
}

inline std::vector<uint8_t> stream_bytes(uint64_t seed, size_t size) {
  std::vector<uint8_t> bytes(size);
  fill_stream(seed, 0, bytes);
  return bytes;
}

// 64-bit FNV-1a over little-endian words (and the trailing bytes one by one).
inline uint64_t fnv1a_words(uint64_t hash, std::span<const uint8_t> bytes) {
  constexpr uint64_t kPrime = 0x100000001b3ULL;
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    hash = (hash ^ word) * kPrime;
  }
  for (; i < bytes.size(); ++i) hash = (hash ^ bytes[i]) * kPrime;
  return hash;
}
constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;

// One message of a scripted conversation between P0 and P1.
struct ScriptStep {
  bool p0_sends;
  size_t bytes;
};

// A conversation with single messages, bursts of sends, bursts of receives and an empty message.
inline std::vector<ScriptStep> mixed_script() {
  return {{true, 10},  {true, 20},      {false, 30}, {true, 5},     {false, 7},
          {false, 8},  {true, 0},       {false, 1},  {true, 1000},  {true, 1},
          {false, 64}, {false, 100000}, {true, 3},   {true, 70000}, {false, 2}};
}

// Runs `party`'s side of `script`; message i carries stream i, and received bytes are checked.
// Returns the number of received messages whose content differed.
inline int run_script(Channel& channel, int party, const std::vector<ScriptStep>& script) {
  int mismatches = 0;
  for (size_t i = 0; i < script.size(); ++i) {
    const bool i_send = script[i].p0_sends == (party == 0);
    const std::vector<uint8_t> message = stream_bytes(i, script[i].bytes);
    if (i_send) {
      channel.send(message);
    } else {
      std::vector<uint8_t> received(script[i].bytes);
      channel.recv(received);
      mismatches += received != message;
    }
  }
  return mismatches;
}

// Stats that `party` must report after running `script`, from the definitions in channel.h:
// a round starts at every send that is the first step or follows a receive.
inline ChannelStats expected_stats(int party, const std::vector<ScriptStep>& script) {
  ChannelStats stats;
  bool previous_was_send = false;
  for (size_t i = 0; i < script.size(); ++i) {
    const bool i_send = script[i].p0_sends == (party == 0);
    if (i_send) {
      stats.bytes_sent += script[i].bytes;
      if (!previous_was_send) ++stats.rounds;
    } else {
      stats.bytes_received += script[i].bytes;
    }
    previous_was_send = i_send;
  }
  return stats;
}

}  // namespace fss::test

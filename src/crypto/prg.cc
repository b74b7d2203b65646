#include "crypto/prg.h"

#include <algorithm>

#include "core/error.h"
#include "crypto/aes_ni.h"

namespace fss {
namespace {

// Public nothing-up-my-sleeve keys: the ASCII text "fssformer/prg/<i>" padded with '.'.
Aes128 fixed_key(int stream) {
  std::array<uint8_t, 16> key;
  key.fill('.');
  const char prefix[] = "fssformer/prg/";
  for (int i = 0; i < 14; ++i) key[i] = static_cast<uint8_t>(prefix[i]);
  key[14] = static_cast<uint8_t>('0' + stream);
  return Aes128(key);
}

}  // namespace

FixedKeyPrg::FixedKeyPrg()
    : aes_{fixed_key(0), fixed_key(1), fixed_key(2), fixed_key(3), fixed_key(4)} {}

const FixedKeyPrg& FixedKeyPrg::instance() {
  static const FixedKeyPrg prg;
  return prg;
}

void FixedKeyPrg::expand(PrgStream stream, std::span<const Block> in, std::span<Block> out) const {
  FSS_CHECK(in.size() == out.size(), "prg: {} inputs, {} outputs", in.size(), out.size());
  const aes_ni::RoundKeys keys(aes(stream));
  size_t i = 0;
  for (; i + 8 <= in.size(); i += 8) {
    __m128i s[8];
    for (int j = 0; j < 8; ++j) s[j] = aes_ni::load(in[i + j]);
    aes_ni::mmo_wide<8>(keys, s);
    for (int j = 0; j < 8; ++j) out[i + j] = aes_ni::store(s[j]);
  }
  for (; i < in.size(); ++i) {
    __m128i s = aes_ni::load(in[i]);
    aes_ni::mmo_wide<1>(keys, &s);
    out[i] = aes_ni::store(s);
  }
}

Block FixedKeyPrg::expand(PrgStream stream, Block in) const {
  Block out;
  expand(stream, {&in, 1}, {&out, 1});
  return out;
}

SeededPrg::SeededPrg(Block seed) : aes_(seed) {}

void SeededPrg::refill() {
  for (auto& b : buffer_) b = Block{counter_++, 0};
  aes_.encrypt_blocks(buffer_, buffer_);
  used_ = 0;
}

Block SeededPrg::next_block() {
  return Block{next_u64(), next_u64()};
}

uint64_t SeededPrg::next_u64() {
  if (used_ == 16) refill();
  const Block& b = buffer_[used_ / 2];
  uint64_t v = (used_ % 2 == 0) ? b.lo : b.hi;
  ++used_;
  return v;
}

uint64_t SeededPrg::next_ring(int n) {
  return n >= 64 ? next_u64() : next_u64() & ((uint64_t{1} << n) - 1);
}

void SeededPrg::fill(std::span<Block> out) {
  for (auto& b : out) b = next_block();
}

void SeededPrg::fill_ring(int n, std::span<uint64_t> out) {
  const uint64_t mask = n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
  size_t i = 0;
  // The words left in the buffer, then whole refills: refill k after this point encrypts counters
  // counter_ + 8k .. + 8k + 7 and yields their lo, hi words in order, so big spans compute those
  // refills in parallel and give exactly the words the one-by-one walk would.
  for (; i < out.size() && used_ < 16; ++i) out[i] = next_u64() & mask;
  constexpr size_t kWordsPerRefill = 16;
  constexpr int64_t kRefillsPerTask = 64;
  const int64_t refills = static_cast<int64_t>((out.size() - i) / kWordsPerRefill);
  if (refills >= 4 * kRefillsPerTask) {
    uint64_t* const words = out.data() + i;
    const uint64_t first_counter = counter_;
    const int64_t tasks = (refills + kRefillsPerTask - 1) / kRefillsPerTask;
#pragma omp parallel for schedule(static)
    for (int64_t task = 0; task < tasks; ++task) {
      const int64_t begin = task * kRefillsPerTask;
      const int64_t end = std::min(begin + kRefillsPerTask, refills);
      Block blocks[kRefillsPerTask * 8];
      const size_t count = static_cast<size_t>(end - begin) * 8;
      for (size_t b = 0; b < count; ++b) blocks[b] = Block{first_counter + begin * 8 + b, 0};
      aes_.encrypt_blocks({blocks, count}, {blocks, count});
      uint64_t* const to = words + begin * kWordsPerRefill;
      for (size_t b = 0; b < count; ++b) {
        to[2 * b] = blocks[b].lo & mask;
        to[2 * b + 1] = blocks[b].hi & mask;
      }
    }
    counter_ += static_cast<uint64_t>(refills) * 8;
    i += static_cast<size_t>(refills) * kWordsPerRefill;
  }
  for (; i < out.size(); ++i) out[i] = next_u64() & mask;
}

}  // namespace fss

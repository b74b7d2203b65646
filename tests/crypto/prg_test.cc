// The fixed-key MMO PRG against AES under its documented keys, and the seeded PRG's contract.
#include "crypto/prg.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace fss {
namespace {

constexpr PrgStream kStreams[kPrgStreams] = {PrgStream::kLeft, PrgStream::kRight,
                                             PrgStream::kValueLeft, PrgStream::kValueRight,
                                             PrgStream::kConvert};

// prg.h documents the keys as the ASCII text "fssformer/prg/<i>" padded with '.' to 16 bytes.
Aes128 documented_key(int stream) {
  std::string text = "fssformer/prg/" + std::to_string(stream);
  text.resize(16, '.');
  std::array<uint8_t, 16> key;
  for (int i = 0; i < 16; ++i) key[i] = static_cast<uint8_t>(text[i]);
  return Aes128(key);
}

std::vector<Block> sample_blocks(size_t count) {
  std::vector<Block> blocks(count);
  for (size_t i = 0; i < count; ++i)
    blocks[i] = Block{0x9e3779b97f4a7c15ULL * (i + 3), 0xbf58476d1ce4e5b9ULL * (i + 11)};
  return blocks;
}

TEST(FixedKeyPrg, ExpandIsMmoUnderTheDocumentedKey) {
  const FixedKeyPrg& prg = FixedKeyPrg::instance();
  for (int stream = 0; stream < kPrgStreams; ++stream) {
    SCOPED_TRACE(fmt::format("stream {}", stream));
    const Aes128 aes = documented_key(stream);
    EXPECT_EQ(aes.round_keys(), prg.aes(kStreams[stream]).round_keys());
    for (Block s : sample_blocks(20))
      EXPECT_EQ(prg.expand(kStreams[stream], s), aes.encrypt(s) ^ s);
  }
}

TEST(FixedKeyPrg, StreamsDiffer) {
  const FixedKeyPrg& prg = FixedKeyPrg::instance();
  for (Block s : sample_blocks(8)) {
    std::set<std::pair<uint64_t, uint64_t>> outputs;
    for (PrgStream stream : kStreams) {
      const Block out = prg.expand(stream, s);
      outputs.insert({out.lo, out.hi});
    }
    EXPECT_EQ(outputs.size(), static_cast<size_t>(kPrgStreams));
  }
}

TEST(FixedKeyPrg, BatchedEqualsSingle) {
  const FixedKeyPrg& prg = FixedKeyPrg::instance();
  for (PrgStream stream : kStreams) {
    for (size_t length : {0, 1, 7, 8, 9, 16, 17, 33}) {
      SCOPED_TRACE(fmt::format("stream {} length {}", static_cast<int>(stream), length));
      const std::vector<Block> in = sample_blocks(length);
      std::vector<Block> out(length);
      prg.expand(stream, in, out);
      for (size_t i = 0; i < length; ++i) EXPECT_EQ(out[i], prg.expand(stream, in[i]));
      std::vector<Block> in_place = in;
      prg.expand(stream, in_place, in_place);
      EXPECT_EQ(in_place, out);
    }
  }
}

std::vector<uint64_t> draw_words(SeededPrg prg, int count) {
  std::vector<uint64_t> words(count);
  for (auto& w : words) w = prg.next_u64();
  return words;
}

TEST(SeededPrg, DeterministicPerSeed) {
  for (uint64_t seed : {0ULL, 1ULL, 0xdeadbeefULL}) {
    EXPECT_EQ(draw_words(SeededPrg(seed), 100), draw_words(SeededPrg(seed), 100));
    const Block block_seed{seed, ~seed};
    EXPECT_EQ(draw_words(SeededPrg(block_seed), 100), draw_words(SeededPrg(block_seed), 100));
  }
}

TEST(SeededPrg, SeedsGiveDifferentStreams) {
  std::set<std::vector<uint64_t>> streams;
  for (uint64_t seed = 0; seed < 16; ++seed) streams.insert(draw_words(SeededPrg(seed), 4));
  EXPECT_EQ(streams.size(), 16u);
  EXPECT_NE(draw_words(SeededPrg(Block{1, 0}), 4), draw_words(SeededPrg(Block{0, 1}), 4));
}

// Counter mode: the output is AES_seed(0), AES_seed(1), ... read as 64-bit words.
TEST(SeededPrg, IsAesCounterModeUnderTheSeed) {
  const Block seed{0x1234, 0x5678};
  const Aes128 aes(seed);
  SeededPrg prg(seed);
  for (uint64_t counter = 0; counter < 20; ++counter) {
    const Block expected = aes.encrypt(Block{counter, 0});
    EXPECT_EQ(prg.next_block(), expected) << "counter " << counter;
  }
}

TEST(SeededPrg, FillMatchesSequentialDraws) {
  SeededPrg a(7), b(7);
  std::vector<Block> blocks(13);
  a.fill(blocks);
  for (const Block& block : blocks) EXPECT_EQ(block, b.next_block());
  std::vector<uint64_t> values(13);
  a.fill_ring(20, values);
  for (uint64_t v : values) EXPECT_EQ(v, b.next_ring(20));
}

// Big fills compute whole refills in parallel from their counters; whatever the fill's size and
// wherever the buffer stands before it, the words must be those of the one-by-one walk, and the
// draws after it must continue that walk.
TEST(SeededPrg, BigFillsMatchSequentialDraws) {
  for (const int offset : {0, 1, 7, 15, 16}) {
    for (const size_t size : {size_t{4095}, size_t{4096}, size_t{4097}, size_t{70001}}) {
      for (const int n : {1, 33, 64}) {
        SeededPrg a(11), b(11);
        for (int i = 0; i < offset; ++i) EXPECT_EQ(a.next_u64(), b.next_u64());
        std::vector<uint64_t> values(size);
        a.fill_ring(n, values);
        for (size_t i = 0; i < size; ++i)
          ASSERT_EQ(values[i], b.next_ring(n))
              << "offset " << offset << ", size " << size << ", n " << n << ", word " << i;
        for (int i = 0; i < 40; ++i) ASSERT_EQ(a.next_u64(), b.next_u64()) << "after, draw " << i;
      }
    }
  }
}

TEST(SeededPrg, NextRingStaysInTheRing) {
  SeededPrg prg(42);
  for (int n = 1; n <= 64; ++n) {
    uint64_t seen_high_bit = 0;
    for (int i = 0; i < 200; ++i) {
      const uint64_t v = prg.next_ring(n);
      if (n < 64) {
        EXPECT_LT(v, uint64_t{1} << n) << "n = " << n;
      }
      seen_high_bit |= v >> (n - 1);
    }
    // 200 uniform draws all missing the top bit happens with probability 2^-200.
    EXPECT_EQ(seen_high_bit, 1u) << "n = " << n;
  }
  std::vector<uint64_t> values(1000);
  prg.fill_ring(5, values);
  for (uint64_t v : values) EXPECT_LT(v, 32u);
}

TEST(SeededPrg, NextBitTakesBothValues) {
  SeededPrg prg(3);
  int ones = 0;
  for (int i = 0; i < 1000; ++i) ones += prg.next_bit();
  EXPECT_GT(ones, 400);
  EXPECT_LT(ones, 600);
}

}  // namespace
}  // namespace fss

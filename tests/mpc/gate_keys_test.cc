// Block-wise reading of packed key fields: the blocks of read_packed_bytes give the values
// read_packed gives, for every width and counts that end mid-byte, and bad bytes are refused.
#include "mpc/gate_keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <random>
#include <vector>

#include "core/error.h"

namespace fss {
namespace {

uint64_t test_seed() {
  if (const char* seed = std::getenv("FSS_TEST_SEED")) return std::strtoull(seed, nullptr, 0);
  return std::random_device{}();
}

TEST(GateKeys, BlocksUnpackAsReadPacked) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE("FSS_TEST_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int bits = 1; bits <= 64; ++bits)
    for (size_t count :
         {size_t{1}, size_t{7}, kBlockElements, 3 * kBlockElements + 5, size_t{40000} + bits}) {
      std::vector<uint64_t> values(count);
      for (auto& v : values) v = bits == 64 ? rng() : rng() & ((uint64_t{1} << bits) - 1);
      ByteWriter writer;
      write_packed(writer, values, bits);
      const std::vector<uint8_t> bytes = writer.take();
      ByteReader whole(bytes, "whole"), blocked(bytes, "blocked");
      const Words read = read_packed(whole, count, bits, "field");
      ASSERT_TRUE(std::equal(read.begin(), read.end(), values.begin(), values.end()));
      const std::span<const uint8_t> packed = read_packed_bytes(blocked, count, bits, "field");
      EXPECT_EQ(blocked.remaining(), 0u);
      std::vector<uint64_t> unpacked(count, ~uint64_t{0});
      std::atomic<size_t> covered = 0;
      for_each_block(count, [&](size_t first, size_t size) {
        EXPECT_EQ(first % 8, 0u);
        unpack_block(packed, bits, first, std::span<uint64_t>(unpacked).subspan(first, size));
        covered += size;
      });
      EXPECT_EQ(covered, count);
      ASSERT_EQ(unpacked, values) << bits << " bits, " << count << " values";
    }
}

TEST(GateKeys, PackedBytesAreCheckedBeforeUse) {
  const std::vector<uint64_t> values{1, 0, 1};
  ByteWriter writer;
  write_packed(writer, values, 1);
  std::vector<uint8_t> bytes = writer.take();
  ASSERT_EQ(bytes.size(), 1u);
  bytes[0] |= 0x80;  // a padding bit
  ByteReader padded(bytes, "padded");
  EXPECT_THROW(read_packed_bytes(padded, 3, 1, "field"), Error);
  ByteReader short_field(bytes, "short");
  EXPECT_THROW(read_packed_bytes(short_field, 9, 1, "field"), Error);
}

}  // namespace
}  // namespace fss

#include "core/bitpack.h"

#include <gtest/gtest.h>

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

ErrorKind kind_of_error(const auto& call) {
  try {
    call();
  } catch (const Error& error) {
    return error.kind();
  }
  ADD_FAILURE() << "no fss::Error thrown";
  return ErrorKind::kInternal;
}

uint64_t low_bits(uint64_t value, int n) { return n == 64 ? value : value & ((1ull << n) - 1); }

// The format's definition, one bit at a time: bit j of value i is stream bit i*n + j, and
// stream bit k is bit k%8 of byte k/8.
std::vector<uint8_t> reference_pack(const std::vector<uint64_t>& values, int n) {
  std::vector<uint8_t> bytes((values.size() * n + 7) / 8, 0);
  for (size_t i = 0; i < values.size(); ++i)
    for (int j = 0; j < n; ++j) {
      const size_t k = i * n + j;
      bytes[k / 8] |= static_cast<uint8_t>(((values[i] >> j) & 1) << (k % 8));
    }
  return bytes;
}

TEST(BitpackTest, PackedBytes) {
  EXPECT_EQ(packed_bytes(0, 37), 0u);
  EXPECT_EQ(packed_bytes(1, 1), 1u);
  EXPECT_EQ(packed_bytes(8, 1), 1u);
  EXPECT_EQ(packed_bytes(9, 1), 2u);
  EXPECT_EQ(packed_bytes(3, 37), 14u);  // 111 bits
  EXPECT_EQ(packed_bytes(1000, 64), 8000u);
  // No overflow of count * n for huge counts: (2^61 - 1) * 16 bits = 2^62 - 2 bytes.
  EXPECT_EQ(packed_bytes((size_t{1} << 61) - 1, 16), (size_t{1} << 62) - 2);
  for (int n = 1; n <= 64; ++n)
    for (size_t count = 0; count < 40; ++count)
      ASSERT_EQ(packed_bytes(count, n), (count * n + 7) / 8) << "n=" << n << " count=" << count;
  EXPECT_EQ(kind_of_error([] { packed_bytes(1, 0); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of_error([] { packed_bytes(1, 65); }), ErrorKind::kInvalidArgument);
}

TEST(BitpackTest, KnownBytes) {
  // 3-bit values 1, 2, 7: bits 100 010 111 (LSB first) -> 0b11'010'001 = 0xD1, then 0b1.
  EXPECT_EQ(pack(std::vector<uint64_t>{1, 2, 7}, 3), (std::vector<uint8_t>{0xD1, 0x01}));
  EXPECT_EQ(pack(std::vector<uint64_t>{0x0102030405060708}, 64),
            (std::vector<uint8_t>{8, 7, 6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(pack(std::vector<uint64_t>{0xABC, 0xDEF}, 12),
            (std::vector<uint8_t>{0xBC, 0xFA, 0xDE}));
}

TEST(BitpackTest, RoundTripEveryWidth) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int n = 1; n <= 64; ++n) {
    SCOPED_TRACE("n=" + std::to_string(n));
    std::vector<size_t> counts = {0, 1, 2, 7, 8, 9, 63, 64, 65, 1000};
    for (int i = 0; i < 4; ++i) counts.push_back(rng() % 3000);
    for (size_t count : counts) {
      SCOPED_TRACE("count=" + std::to_string(count));
      std::vector<uint64_t> raw(count);
      for (uint64_t& value : raw) value = rng();  // random bits above n too
      std::vector<uint64_t> values(count);
      for (size_t i = 0; i < count; ++i) values[i] = low_bits(raw[i], n);

      const std::vector<uint8_t> expected = reference_pack(values, n);
      ASSERT_EQ(expected.size(), (count * n + 7) / 8);
      ASSERT_EQ(packed_bytes(count, n), expected.size());
      ASSERT_EQ(pack(raw, n), expected);  // bits above n ignored
      ASSERT_EQ(pack(values, n), expected);
      ASSERT_EQ(unpack(expected, n, count), values);
    }
  }
}

// packed_value reads value i alone, from the format's own definition (reference_pack): every
// width, every value position mod 8, values with all bits set (a 9-byte span at n > 57).
TEST(BitpackTest, PackedValueReadsEachValueAlone) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int n = 1; n <= 64; ++n) {
    SCOPED_TRACE("n=" + std::to_string(n));
    for (size_t count : {size_t{1}, size_t{8}, size_t{17}, size_t{200}}) {
      std::vector<uint64_t> values(count);
      for (size_t i = 0; i < count; ++i) values[i] = low_bits(i % 3 == 0 ? ~0ull : rng(), n);
      const std::vector<uint8_t> bytes = reference_pack(values, n);
      for (size_t i = 0; i < count; ++i)
        ASSERT_EQ(packed_value(bytes.data(), n, i), values[i]) << "count=" << count << " i=" << i;
    }
  }
}

// Streams long enough to be split into chunks on several threads (the chunk is 2^14 values),
// with counts that end mid-chunk and mid-byte, at widths on both sides of the 57-bit switch.
TEST(BitpackTest, LongStreamsMatchTheReference) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int n : {1, 13, 37, 50, 57, 58, 63}) {
    for (size_t count : {size_t{1} << 16, (size_t{5} << 14) + 3, (size_t{9} << 14) - 5}) {
      SCOPED_TRACE("n=" + std::to_string(n) + " count=" + std::to_string(count));
      std::vector<uint64_t> values(count);
      for (uint64_t& v : values) v = rng();
      const std::vector<uint8_t> expected = reference_pack(values, n);
      ASSERT_EQ(pack(values, n), expected);
      const std::vector<uint64_t> unpacked = unpack(expected, n, count);
      for (size_t i = 0; i < count; ++i) ASSERT_EQ(unpacked[i], low_bits(values[i], n)) << i;
    }
  }
}

TEST(BitpackTest, RejectsWrongLengths) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int n = 1; n <= 64; ++n) {
    for (size_t count : {size_t{0}, size_t{1}, size_t{9}, size_t{100}}) {
      SCOPED_TRACE("n=" + std::to_string(n) + " count=" + std::to_string(count));
      std::vector<uint64_t> values(count);
      for (uint64_t& value : values) value = rng();
      std::vector<uint8_t> bytes = pack(values, n);
      std::vector<uint8_t> longer = bytes;
      longer.push_back(0);
      EXPECT_EQ(kind_of_error([&] { unpack(longer, n, count); }), ErrorKind::kParse);
      EXPECT_EQ(kind_of_error([&] { pack(values, n, longer); }), ErrorKind::kInvalidArgument);
      if (!bytes.empty()) {
        std::vector<uint8_t> shorter(bytes.begin(), bytes.end() - 1);
        EXPECT_EQ(kind_of_error([&] { unpack(shorter, n, count); }), ErrorKind::kParse);
        EXPECT_EQ(kind_of_error([&] { pack(values, n, shorter); }), ErrorKind::kInvalidArgument);
      }
      EXPECT_EQ(kind_of_error([&] { unpack(bytes, n, count + 8); }), ErrorKind::kParse);
    }
  }
}

TEST(BitpackTest, RejectsNonzeroPadding) {
  for (int n = 1; n <= 64; ++n) {
    for (size_t count = 1; count <= 8; ++count) {
      const int used_bits = static_cast<int>(count * n % 8);
      if (used_bits == 0) continue;  // no padding
      std::vector<uint8_t> bytes = pack(std::vector<uint64_t>(count, ~uint64_t{0}), n);
      ASSERT_EQ(bytes.back(), (1u << used_bits) - 1);
      bytes.back() |= static_cast<uint8_t>(1u << used_bits);
      EXPECT_EQ(kind_of_error([&] { unpack(bytes, n, count); }), ErrorKind::kParse)
          << "n=" << n << " count=" << count;
      EXPECT_EQ(kind_of_error([&] { check_packed(bytes, count, n); }), ErrorKind::kParse)
          << "n=" << n << " count=" << count;
      bytes.back() &= static_cast<uint8_t>((1u << used_bits) - 1);
      EXPECT_NO_THROW(check_packed(bytes, count, n));
    }
  }
}

TEST(BitpackTest, RejectsBadWidth) {
  const std::vector<uint64_t> values = {1, 2};
  std::vector<uint8_t> bytes(16);
  std::vector<uint64_t> out(2);
  EXPECT_EQ(kind_of_error([&] { pack(values, 0, bytes); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of_error([&] { unpack(bytes, 65, out); }), ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace fss

// AES-128 against the FIPS-197 vectors, and the batched path against the single-block one.
#include "crypto/aes.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

namespace fss {
namespace {

std::array<uint8_t, 16> bytes_from_hex(const std::string& hex) {
  std::array<uint8_t, 16> bytes{};
  EXPECT_EQ(hex.size(), 32u) << hex;
  for (size_t i = 0; i < 16; ++i)
    bytes[i] = static_cast<uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
  return bytes;
}

Block block_from_hex(const std::string& hex) {
  return block_from_bytes(bytes_from_hex(hex).data());
}

std::string hex_of(Block b) {
  uint8_t bytes[16];
  block_to_bytes(b, bytes);
  std::string hex;
  for (uint8_t byte : bytes) hex += fmt::format("{:02x}", byte);
  return hex;
}

TEST(Aes128, BlockByteOrderIsLittleEndianLoThenHi) {
  const Block b = block_from_hex("00112233445566778899aabbccddeeff");
  EXPECT_EQ(b.lo, 0x7766554433221100ULL);
  EXPECT_EQ(b.hi, 0xffeeddccbbaa9988ULL);
  EXPECT_EQ(hex_of(b), "00112233445566778899aabbccddeeff");
}

// FIPS-197 Appendix C.1 (AES-128 example vector).
TEST(Aes128, Fips197AppendixC1) {
  const Aes128 aes(bytes_from_hex("000102030405060708090a0b0c0d0e0f"));
  EXPECT_EQ(hex_of(aes.encrypt(block_from_hex("00112233445566778899aabbccddeeff"))),
            "69c4e0d86a7b0430d8cdb78070b4c55a");
}

// FIPS-197 Appendix B (cipher example); the Block constructor takes the same key.
TEST(Aes128, Fips197AppendixB) {
  const Block key = block_from_hex("2b7e151628aed2a6abf7158809cf4f3c");
  const Block input = block_from_hex("3243f6a8885a308d313198a2e0370734");
  EXPECT_EQ(hex_of(Aes128(key).encrypt(input)), "3925841d02dc09fbdc118597196a0b32");
  EXPECT_EQ(hex_of(Aes128(bytes_from_hex("2b7e151628aed2a6abf7158809cf4f3c")).encrypt(input)),
            "3925841d02dc09fbdc118597196a0b32");
}

// FIPS-197 Appendix A.1: the expanded key w[4r..4r+3] of round r.
TEST(Aes128, Fips197AppendixA1KeyExpansion) {
  const char* expected[11] = {
      "2b7e151628aed2a6abf7158809cf4f3c", "a0fafe1788542cb123a339392a6c7605",
      "f2c295f27a96b9435935807a7359f67f", "3d80477d4716fe3e1e237e446d7a883b",
      "ef44a541a8525b7fb671253bdb0bad00", "d4d1c6f87c839d87caf2b8bc11f915bc",
      "6d88a37a110b3efddbf98641ca0093fd", "4e54f70e5f5fc9f384a64fb24ea6dc4f",
      "ead27321b58dbad2312bf5607f8d292f", "ac7766f319fadc2128d12941575c006e",
      "d014f9a8c9ee2589e13f0cc8b6630ca6"};
  const Aes128 aes(bytes_from_hex("2b7e151628aed2a6abf7158809cf4f3c"));
  for (int round = 0; round < 11; ++round)
    EXPECT_EQ(hex_of(aes.round_keys()[round]), expected[round]) << "round " << round;
}

TEST(Aes128, BatchedEqualsSingleForEveryLength) {
  const Aes128 aes(Block{0x0123456789abcdefULL, 0xfedcba9876543210ULL});
  for (size_t length = 0; length <= 40; ++length) {
    SCOPED_TRACE(fmt::format("length {}", length));
    std::vector<Block> in(length), out(length);
    for (size_t i = 0; i < length; ++i)
      in[i] = Block{0x9e3779b97f4a7c15ULL * (i + 1), 0xc2b2ae3d27d4eb4fULL ^ (i << 7)};
    aes.encrypt_blocks(in, out);
    for (size_t i = 0; i < length; ++i) EXPECT_EQ(out[i], aes.encrypt(in[i])) << "block " << i;
    // In-place encryption gives the same blocks.
    aes.encrypt_blocks(in, in);
    EXPECT_EQ(in, out);
  }
}

}  // namespace
}  // namespace fss

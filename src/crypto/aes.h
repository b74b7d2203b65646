#pragma once
// AES-128 encryption with AES-NI. Only encryption is needed: the PRG is fixed-key MMO
// (PROTOCOLS.md §1). Batched entry points keep 8 independent blocks in flight so that the
// AES units stay busy; callers with many blocks should use encrypt_blocks.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/block.h"

namespace fss {

class Aes128 {
 public:
  // Expands a 16-byte key (FIPS-197 byte order: key[0] is the first key byte).
  explicit Aes128(const std::array<uint8_t, 16>& key);
  explicit Aes128(Block key);

  // out[i] = AES_k(in[i]); in and out may alias. Any length; runs 8 blocks wide.
  void encrypt_blocks(std::span<const Block> in, std::span<Block> out) const;
  Block encrypt(Block in) const;

  // The 11 round keys, for the GPU backend (which uploads them) and for tests.
  const std::array<Block, 11>& round_keys() const { return round_keys_; }

 private:
  std::array<Block, 11> round_keys_;
};

// Block <-> the 16 bytes AES sees: byte i of the block is byte i of (lo, hi) in little-endian.
Block block_from_bytes(const uint8_t bytes[16]);
void block_to_bytes(Block b, uint8_t bytes[16]);

}  // namespace fss

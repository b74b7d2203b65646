#pragma once
// Pseudorandom generators.
//  - FixedKeyPrg: the public, fixed-key MMO PRG of PROTOCOLS.md §1, G_i(s) = AES_{k_i}(s) ^ s.
//    Stream i selects the fixed key: FSS trees use kLeft/kRight for child seeds and
//    kValueLeft/kValueRight for DCF value words, kConvert for leaf outputs.
//  - SeededPrg: AES-128 in counter mode under a secret seed; the dealer's source of masks and
//    key randomness, so that a run is reproducible from its seed.
#include <cstdint>
#include <span>

#include "crypto/aes.h"

namespace fss {

enum class PrgStream : int { kLeft = 0, kRight = 1, kValueLeft = 2, kValueRight = 3, kConvert = 4 };
inline constexpr int kPrgStreams = 5;

class FixedKeyPrg {
 public:
  // The process-wide instance (immutable after construction; safe to share between threads).
  static const FixedKeyPrg& instance();

  // out[i] = AES_{k_stream}(in[i]) ^ in[i]; in and out may alias.
  void expand(PrgStream stream, std::span<const Block> in, std::span<Block> out) const;
  Block expand(PrgStream stream, Block in) const;

  const Aes128& aes(PrgStream stream) const { return aes_[static_cast<int>(stream)]; }

 private:
  FixedKeyPrg();
  Aes128 aes_[kPrgStreams];
};

class SeededPrg {
 public:
  explicit SeededPrg(Block seed);
  explicit SeededPrg(uint64_t seed) : SeededPrg(Block{seed, 0x6673'7366'6f72'6d65ULL}) {}

  Block next_block();
  uint64_t next_u64();
  // Uniform value in Z_{2^n}.
  uint64_t next_ring(int n);
  bool next_bit() { return next_u64() & 1; }
  void fill(std::span<Block> out);
  void fill_ring(int n, std::span<uint64_t> out);

 private:
  void refill();
  Aes128 aes_;
  uint64_t counter_ = 0;
  Block buffer_[8];
  int used_ = 16;  // 64-bit words consumed from buffer_ (16 = empty)
};

}  // namespace fss

#pragma once
// The fixed-key PRG of crypto/prg.h on table-based AES (crypto/aes_table.h), for GPU threads.
// Two places for the tables, measured against each other by bench/cuda/fss_gpu_bench.cc:
//  - kFourTables: te[0..3] in shared memory (4 KiB); random indices collide on banks.
//  - kBankedTable: te[0] only, 32 interleaved copies (32 KiB) so that lane i always reads bank
//    i and no access ever conflicts; te[r] is te[0] rotated (one funnel shift).
// Everything here is FSS_HD so that host tests run the exact code of the kernels.
#include <cstdint>

#include "core/hd.h"
#include "crypto/aes_table.h"
#include "crypto/block.h"
#include "crypto/prg.h"

namespace fss::gpu {

enum class AesVariant { kFourTables, kBankedTable };
inline constexpr AesVariant kDefaultAesVariant = AesVariant::kBankedTable;

// Round keys a kernel needs, passed by value at launch: the fixed keys of FixedKeyPrg (index =
// PrgStream), then one more key: the batch seed's for key generation (root seeds), or the key
// of a plain AES batch.
inline constexpr int kPrgKeySlots = kPrgStreams + 1;
inline constexpr int kExtraKeySlot = kPrgStreams;
struct PrgRoundKeys {
  Block keys[kPrgKeySlots][11];
};

// FixedKeyPrg's round keys and `extra`'s (the batch seed's AES for key generation, the key of a
// plain AES batch, or any key where none is used). Host only.
inline PrgRoundKeys make_prg_round_keys(const Aes128& extra) {
  PrgRoundKeys keys;
  for (int stream = 0; stream < kPrgStreams; ++stream)
    for (int round = 0; round < 11; ++round)
      keys.keys[stream][round] =
          FixedKeyPrg::instance().aes(static_cast<PrgStream>(stream)).round_keys()[round];
  for (int round = 0; round < 11; ++round)
    keys.keys[kExtraKeySlot][round] = extra.round_keys()[round];
  return keys;
}

struct FourTableLookup {
  static constexpr int kWords = 4 * 256;
  const uint32_t* tables;  // [4][256]

  // Word `index` of the shared-memory image, from the tables `t` (aes_table::kTables on the
  // host; the GPU's copy of them in device memory).
  FSS_HD static uint32_t word(const aes_table::Tables& t, int index) {
    return t.te[index >> 8][index & 255];
  }
  FSS_HD uint32_t te(int r, uint32_t x) const { return tables[r * 256 + x]; }
};

struct BankedLookup {
  static constexpr int kCopies = 32;  // one per shared-memory bank
  static constexpr int kWords = 256 * kCopies;
  const uint32_t* copies;  // [256][kCopies]
  uint32_t lane;           // the caller's lane (bank), 0..31

  FSS_HD static uint32_t word(const aes_table::Tables& t, int index) {
    return t.te[0][index / kCopies];
  }
  FSS_HD uint32_t te(int r, uint32_t x) const {
    const uint32_t column = copies[x * kCopies + lane];
#if defined(__CUDA_ARCH__)
    return r == 0 ? column : __funnelshift_l(column, column, 8 * r);
#else
    return aes_table::rotl32(column, 8 * r);
#endif
  }
};

// The PRG over a lookup and a PrgRoundKeys image (in shared memory on the GPU).
template <typename Lookup>
struct TablePrg {
  Lookup lookup;
  const PrgRoundKeys* round_keys;

  // G_stream(seed) = AES_{k_stream}(seed) ^ seed; stream is a PrgStream's index.
  FSS_HD Block mmo(int stream, Block seed) const {
    return aes_table::encrypt(lookup, round_keys->keys[stream], seed) ^ seed;
  }
  FSS_HD Block mmo(PrgStream stream, Block seed) const {
    return mmo(static_cast<int>(stream), seed);
  }
  // AES under the extra key: key generation's root seeds AES_seed(counter).
  FSS_HD Block extra_key_encrypt(Block in) const {
    return aes_table::encrypt(lookup, round_keys->keys[kExtraKeySlot], in);
  }
};

}  // namespace fss::gpu

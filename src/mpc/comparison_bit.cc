#include "mpc/comparison_bit.h"

#include <algorithm>

#include "core/bitpack.h"
#include "core/comparison_share.h"
#include "core/error.h"
#include "core/ring.h"
#include "crypto/backend.h"
#include "mpc/gate_keys.h"

namespace fss {

uint64_t comparison_bit_key_bytes(uint64_t count, int m, int bits) {
  return kDpfBatchHeaderBytes + count * dpf_key_bytes({m, 1}) + packed_bytes(count, 1) +
         packed_bytes(count, bits);
}

void gen_comparison_bit(std::span<const uint64_t> alphas, int m, int bits, SeededPrg& prg,
                        ByteWriter& key0, ByteWriter& key1) {
  const size_t count = alphas.size();
  const std::vector<uint64_t> ones(count, 1);
  std::vector<uint64_t> s(count);
  prg.fill_ring(1, s);  // s[i] = next_bit(), drawn in bulk
  const DpfKeyPair dpf = backend().dpf_gen({m, 1}, alphas, ones, prg.next_block());
  const SharePair s_xor = share_values(prg, s, 1);
  const SharePair s_arith = share_values(prg, s, bits);
  ByteWriter* keys[2] = {&key0, &key1};
  for (int b = 0; b < 2; ++b) {
    serialize(dpf.party[b], *keys[b]);
    write_packed(*keys[b], s_xor.party[b], 1);
    write_packed(*keys[b], s_arith.party[b], bits);
  }
}

OpenedComparisonBits open_comparison_bits(int party, ByteReader& key,
                                          std::span<const uint64_t> x_hat, uint64_t offset, int m,
                                          int bits, Opener& opener) {
  const size_t count = x_hat.size();
  const DpfKeyRecord dpf = read_dpf_record(key);
  if (dpf.count != count || dpf.params.n != m || dpf.params.out_bits != 1)
    fail(ErrorKind::kParse,
         "{}: comparison DPF batch has {} keys of n = {}, l = {}; expected {} of n = {}, l = 1",
         key.source(), dpf.count, dpf.params.n, dpf.params.out_bits, count, m);
  const std::span<const uint8_t> s_xor = read_packed_bytes(key, count, 1, "comparison mask share");
  const PackedValues s_arith = read_packed_values(key, count, bits, "comparison mask");

  std::vector<uint8_t> c_xor(count);
  const uint64_t offsets[] = {offset};
  backend().dpf_compare_offsets(party, dpf, x_hat, {offsets}, c_xor);
  // c ^ s, packed as the open sends it: no vector of one word per bit.
  std::vector<uint8_t> masked(s_xor.size());
  const auto bytes = static_cast<int64_t>(masked.size());
#pragma omp parallel for schedule(static) if (bytes * 8 >= kParallelElements)
  for (int64_t j = 0; j < bytes; ++j) {
    const size_t first = static_cast<size_t>(j) * 8, last = std::min(first + 8, count);
    uint8_t byte = 0;
    for (size_t i = first; i < last; ++i)
      byte |= static_cast<uint8_t>((c_xor[i] & 1) << (i - first));
    masked[j] = byte ^ s_xor[j];
  }
  return {opener.open_bits(masked, count), s_arith};
}

Words eval_comparison_bit(int party, ByteReader& key, std::span<const uint64_t> x_hat,
                          uint64_t offset, int m, int bits, Opener& opener) {
  const size_t count = x_hat.size();
  const OpenedComparisonBits opened =
      open_comparison_bits(party, key, x_hat, offset, m, bits, opener);
  const Ring ring{bits};
  Words c_share = words_for_overwrite(count);
  for_each_block(count, [&](size_t first, size_t size) {
    uint64_t s[kBlockElements];
    unpack_block(opened.mask_share.bytes, bits, first, {s, size});
    for (size_t k = 0; k < size; ++k)
      c_share[first + k] =
          comparison_share(party, ring, packed_bit(opened.c_hat.data(), first + k), s[k]);
  });
  return c_share;
}

}  // namespace fss

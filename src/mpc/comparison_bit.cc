#include "mpc/comparison_bit.h"

#include "core/bitpack.h"
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

std::vector<uint64_t> eval_comparison_bit(int party, ByteReader& key, std::span<const uint64_t> xs,
                                          int m, int bits, Opener& opener) {
  const size_t count = xs.size();
  const DpfKeyRecord dpf = read_dpf_record(key);
  if (dpf.count != count || dpf.params.n != m || dpf.params.out_bits != 1)
    fail(ErrorKind::kParse,
         "{}: comparison DPF batch has {} keys of n = {}, l = {}; expected {} of n = {}, l = 1",
         key.source(), dpf.count, dpf.params.n, dpf.params.out_bits, count, m);
  const std::vector<uint64_t> s_xor = read_packed(key, count, 1, "comparison mask share");
  const std::vector<uint64_t> s_arith = read_packed(key, count, bits, "comparison mask");

  std::vector<uint8_t> c_xor(count);
  backend().dpf_compare_eval(party, dpf, xs, c_xor);
  std::vector<uint64_t> masked(count);
#pragma omp parallel for schedule(static) if (static_cast <int64_t>(count) >= kParallelElements)
  for (size_t i = 0; i < count; ++i) masked[i] = c_xor[i] ^ s_xor[i];
  const std::vector<uint64_t> c_hat = opener.open(masked, 1);

  const Ring ring{bits};
  std::vector<uint64_t> c_share(count);
#pragma omp parallel for schedule(static) if (static_cast <int64_t>(count) >= kParallelElements)
  for (size_t i = 0; i < count; ++i)
    c_share[i] = ring.add(party * c_hat[i], ring.mul(uint64_t{1} - 2 * c_hat[i], s_arith[i]));
  return c_share;
}

}  // namespace fss

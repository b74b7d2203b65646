#include "sigma/truncate_reduce.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/bitpack.h"
#include "core/error.h"
#include "core/ring.h"
#include "crypto/dpf.h"
#include "mpc/gate_keys.h"

namespace fss::sigma {

TruncateReduceGate::TruncateReduceGate(FixedPoint input, int f)
    : input_(input), output_{input.n - f, std::max(input.f - f, 0)}, f_(f) {
  input_.validate();
  if (f < 1 || f >= input.n)
    fail(ErrorKind::kInvalidArgument, "truncate_reduce: f = {} must lie in 1..n-1 (n = {})", f,
         input.n);
}

std::string TruncateReduceGate::describe() const {
  return fmt::format("truncate_reduce(n={}, f={})", input_.n, f_);
}

uint64_t TruncateReduceGate::key_bytes(uint64_t count) const {
  return kDpfBatchHeaderBytes + count * dpf_key_bytes({f_, 1}) + packed_bytes(count, 1) +
         2 * packed_bytes(count, output_.n);
}

void TruncateReduceGate::clear(InColumns in, OutColumns out) const {
  const Ring ring = input_.ring();
  for (size_t i = 0; i < in[0].size(); ++i) out[0][i] = ring.truncate_reduce(in[0][i], f_);
}

void TruncateReduceGate::gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
                             ByteWriter& key1) const {
  const size_t count = r_in[0].size();
  const Ring low{f_};
  const Ring out_ring = output_.ring();
  std::vector<uint64_t> r_low(count), ones(count, 1), s(count), out_correction(count);
  for (size_t i = 0; i < count; ++i) {
    r_low[i] = low.mod(r_in[0][i]);
    s[i] = prg.next_bit();
    out_correction[i] = out_ring.sub(r_out[0][i], input_.ring().lrs(r_in[0][i], f_));
  }
  const DpfKeyPair dpf = dpf_gen({f_, 1}, r_low, ones, prg.next_block());
  const SharePair s_xor = share_values(prg, s, 1);
  const SharePair s_arith = share_values(prg, s, output_.n);
  const SharePair correction = share_values(prg, out_correction, output_.n);
  ByteWriter* keys[2] = {&key0, &key1};
  for (int b = 0; b < 2; ++b) {
    serialize(dpf.party[b], *keys[b]);
    write_packed(*keys[b], s_xor.party[b], 1);
    write_packed(*keys[b], s_arith.party[b], output_.n);
    write_packed(*keys[b], correction.party[b], output_.n);
  }
}

void TruncateReduceGate::eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
                              Opener& opener) const {
  const size_t count = x_hat[0].size();
  const DpfKeyBatch dpf = deserialize_dpf_keys(key);
  if (dpf.count != count || dpf.params.n != f_ || dpf.params.out_bits != 1)
    fail(ErrorKind::kParse, "{}: truncate_reduce DPF batch has {} keys of n = {}, expected {} of n = {}",
         key.source(), dpf.count, dpf.params.n, count, f_);
  const std::vector<uint64_t> s_xor = read_packed(key, count, 1, "carry mask share");
  const std::vector<uint64_t> s_arith = read_packed(key, count, output_.n, "carry mask");
  const std::vector<uint64_t> correction =
      read_packed(key, count, output_.n, "output mask correction");

  const Ring low{f_};
  const Ring in_ring = input_.ring();
  const Ring out_ring = output_.ring();
  std::vector<uint64_t> x_low(count);
  for (size_t i = 0; i < count; ++i) x_low[i] = low.mod(x_hat[0][i]);
  std::vector<uint8_t> carry(count);
  dpf_compare_eval(party, dpf, x_low, carry);
  std::vector<uint64_t> masked_carry(count);
  for (size_t i = 0; i < count; ++i) masked_carry[i] = carry[i] ^ s_xor[i];
  const std::vector<uint64_t> c_hat = opener.open(masked_carry, 1);

  for (size_t i = 0; i < count; ++i) {
    // [c] = b * c^ + (1 - 2 c^) [s]
    const uint64_t c_share = out_ring.add(party * c_hat[i], out_ring.mul(1 - 2 * c_hat[i], s_arith[i]));
    const uint64_t public_part = party == 0 ? in_ring.lrs(x_hat[0][i], f_) : 0;
    share[0][i] = out_ring.add(out_ring.sub(public_part, c_share), correction[i]);
  }
}

}  // namespace fss::sigma

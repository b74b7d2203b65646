#include "mpc/lut.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "core/bitpack.h"
#include "core/error.h"
#include "core/ring.h"
#include "crypto/backend.h"
#include "mpc/gate_keys.h"

namespace fss {

LutGate::LutGate(std::string name, FixedPoint input, FixedPoint output, std::vector<uint64_t> table)
    : name_(std::move(name)), input_(input), output_(output), table_(std::move(table)) {
  input_.validate();
  output_.validate();
  const int k = input_.n;
  if (k > kMaxInputBits)
    fail(ErrorKind::kInvalidArgument, "lut({}): input bits k = {} exceed the maximum {}", name_, k,
         kMaxInputBits);
  const uint64_t entries = uint64_t{1} << k;
  if (table_.size() != entries)
    fail(ErrorKind::kInvalidArgument, "lut({}): table has {} entries, k = {} needs {}", name_,
         table_.size(), k, entries);
  const Ring out_ring = output_.ring();
  for (uint64_t i = 0; i < entries; ++i)
    if (table_[i] != out_ring.mod(table_[i]))
      fail(ErrorKind::kInvalidArgument, "lut({}): entry {} = {} is not below 2^{}", name_, i,
           table_[i], output_.n);
  // Padded to whole 64-bit words of the one-hot vector (k < 6 reads past 2^k: those bits are 0).
  const uint64_t words = std::max<uint64_t>(entries / 64, 1);
  reversed_.assign(entries + 64 * words, 0);
  for (uint64_t i = 0; i < reversed_.size(); ++i)
    reversed_[i] = table_[(entries - i % entries) % entries];
}

std::string LutGate::describe() const {
  return fmt::format("lut({}, k={}, l={})", name_, input_.n, output_.n);
}

uint64_t LutGate::key_bytes(uint64_t count) const {
  return kDpfBatchHeaderBytes + count * dpf_key_bytes({input_.n, 1}) +
         2 * packed_bytes(count, output_.n);
}

void LutGate::clear(InColumns in, OutColumns out) const {
  for (size_t i = 0; i < in[0].size(); ++i) out[0][i] = table_[in[0][i]];
}

void LutGate::gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
                  ByteWriter& key1) const {
  const size_t count = r_in[0].size();
  const Ring out_ring = output_.ring();
  const std::vector<uint64_t> ones(count, 1);
  const DpfKeyPair dpf = backend().dpf_gen({input_.n, 1}, r_in[0], ones, prg.next_block());
  // sigma = e_0[r] - e_1[r] = 1 - 2 e_1[r], since e_0[r] ^ e_1[r] = 1.
  std::vector<uint64_t> e1_at_r(count);
  backend().dpf_eval(1, dpf.party[1], r_in[0], e1_at_r);
  std::vector<uint64_t> rho(count), correction(count);
  prg.fill_ring(output_.n, rho);
  for (size_t i = 0; i < count; ++i) {
    const uint64_t sigma = 1 - 2 * e1_at_r[i];
    correction[i] = out_ring.sub(r_out[0][i], out_ring.mul(sigma, rho[i]));
  }
  const SharePair rho_shares = share_values(prg, rho, output_.n);
  const SharePair correction_shares = share_values(prg, correction, output_.n);
  ByteWriter* keys[2] = {&key0, &key1};
  for (int b = 0; b < 2; ++b) {
    serialize(dpf.party[b], *keys[b]);
    write_packed(*keys[b], rho_shares.party[b], output_.n);
    write_packed(*keys[b], correction_shares.party[b], output_.n);
  }
}

// Correctness. e_0[j] ^ e_1[j] = [j == r], so the bits e_0[j] and e_1[j] are equal for j != r
// and differ at r: as integers, e_0[j] - e_1[j] = sigma [j == r] with sigma = +-1. Hence
//   u_0 - u_1 = sum_j T[x^ - j] (e_0[j] - e_1[j]) = sigma T[x^ - r] = sigma T[x],
//   p_0 - p_1 = sum_j (e_0[j] - e_1[j]) = sigma,
// the opened value is v = (u_0 + rho_0) + (-u_1 + rho_1) = sigma T[x] + rho, and the shares sum
// to sigma v + c = sigma^2 T[x] + sigma rho + r_out - sigma rho = T[x] + r_out (mod 2^l).
// Privacy. Party b sees its DPF key (which hides r), uniform shares rho_b and c_b, and v, which
// rho_{1-b} (unseen, uniform) makes uniform and independent of x, r and sigma. So its view is
// simulated from x^ alone; p_b and u_b are functions of that view.
void LutGate::eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
                   Opener& opener) const {
  const size_t count = x_hat[0].size();
  const int k = input_.n;
  const DpfKeyRecord dpf = read_dpf_record(key);
  if (dpf.count != count || dpf.params.n != k || dpf.params.out_bits != 1)
    fail(ErrorKind::kParse,
         "{}: {} DPF batch has {} keys of n = {}, l = {}, expected {} of n = {}, l = 1",
         key.source(), describe(), dpf.count, dpf.params.n, dpf.params.out_bits, count, k);
  const int n = output_.n;
  const std::span<const uint8_t> rho = read_packed_bytes(key, count, n, "lut mask share");
  const std::span<const uint8_t> correction =
      read_packed_bytes(key, count, n, "lut output correction");

  if (count > 0 && dpf.root_party() != party)
    fail(ErrorKind::kMismatch, "{}: {} DPF keys belong to party {}, evaluated by party {}",
         key.source(), describe(), dpf.root_party(), party);

  // u_b = sum_j T[x^ - j] e_b[j], a dot product with the reversed table at offset 2^k - x^.
  const Ring out_ring = output_.ring();
  const uint64_t entries = uint64_t{1} << k;
  Words offsets = words_for_overwrite(count), dots = words_for_overwrite(count),
        ones = words_for_overwrite(count);
#pragma omp parallel for schedule(static) if (static_cast <int64_t>(count) >= kParallelElements)
  for (size_t i = 0; i < count; ++i) offsets[i] = entries - (x_hat[0][i] & (entries - 1));
  backend().dpf_full_domain_dot(party, dpf, reversed_, offsets, dots, ones);
  const uint64_t sign = party == 0 ? 1 : out_ring.mask();  // (-1)^b
  Words masked = words_for_overwrite(count);
  for_each_block(count, [&](size_t first, size_t size) {
    uint64_t r[kBlockElements];
    unpack_block(rho, n, first, {r, size});
    for (size_t j = 0; j < size; ++j)
      masked[first + j] = out_ring.add(out_ring.mul(sign, dots[first + j]), r[j]);
  });
  const Words v = opener.open(masked, n);
  for_each_block(count, [&](size_t first, size_t size) {
    uint64_t c[kBlockElements];
    unpack_block(correction, n, first, {c, size});
    for (size_t j = 0; j < size; ++j) {
      const size_t i = first + j;
      share[0][i] = out_ring.add(out_ring.mul(out_ring.mul(sign, ones[i]), v[i]), c[j]);
    }
  });
}

}  // namespace fss

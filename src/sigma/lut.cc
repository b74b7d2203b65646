#include "sigma/lut.h"

#include <fmt/format.h>
#include <immintrin.h>

#include <algorithm>
#include <bit>
#include <utility>

#include "core/bitpack.h"
#include "core/error.h"
#include "core/ring.h"
#include "crypto/dpf.h"
#include "mpc/gate_keys.h"

namespace fss::sigma {
namespace {

// masks[v] has 64-bit lane i all-ones iff bit i of the nibble v is set.
struct NibbleMasks {
  __m256i lanes[16];
  NibbleMasks() {
    for (int v = 0; v < 16; ++v) {
      auto lane = [v](int i) { return -static_cast<int64_t>((v >> i) & 1); };
      lanes[v] = _mm256_set_epi64x(lane(3), lane(2), lane(1), lane(0));
    }
  }
};

// sum_j terms[j] * (bit j of bits) mod 2^64 for j < 64 * bits.size(): four terms per AND/ADD.
uint64_t masked_sum(const uint64_t* terms, std::span<const uint64_t> bits) {
  static const NibbleMasks masks;
  __m256i even = _mm256_setzero_si256(), odd = _mm256_setzero_si256();
  for (size_t w = 0; w < bits.size(); ++w) {
    const uint64_t word = bits[w];
    const uint64_t* block = terms + 64 * w;
    for (int nibble = 0; nibble < 16; nibble += 2) {
      const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 4 * nibble));
      const __m256i b =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 4 * nibble + 4));
      even = _mm256_add_epi64(even, _mm256_and_si256(a, masks.lanes[(word >> (4 * nibble)) & 15]));
      odd =
          _mm256_add_epi64(odd, _mm256_and_si256(b, masks.lanes[(word >> (4 * nibble + 4)) & 15]));
    }
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), _mm256_add_epi64(even, odd));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

// A one-key batch holding key `index` of `keys`, so that a full-domain evaluation validates one
// key rather than the whole batch.
void copy_key(const DpfKeyBatch& keys, uint64_t index, DpfKeyBatch& one) {
  const int levels = keys.params.levels();
  one.params = keys.params;
  one.count = 1;
  one.root.assign(1, keys.root[index]);
  one.level_cw.resize(levels);
  for (int level = 0; level < levels; ++level)
    one.level_cw[level] = keys.level_cw[level * keys.count + index];
  one.right_t_cw.assign(1, keys.right_t_cw[index]);
  one.leaf_cw.assign(1, keys.leaf_cw[index]);
}

// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kMinParallelElements = 64;

}  // namespace

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
  const DpfKeyPair dpf = dpf_gen({input_.n, 1}, r_in[0], ones, prg.next_block());
  // sigma = e_0[r] - e_1[r] = 1 - 2 e_1[r], since e_0[r] ^ e_1[r] = 1.
  std::vector<uint64_t> e1_at_r(count);
  dpf_eval(1, dpf.party[1], r_in[0], e1_at_r);
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
  const DpfKeyBatch dpf = deserialize_dpf_keys(key);
  if (dpf.count != count || dpf.params.n != k || dpf.params.out_bits != 1)
    fail(ErrorKind::kParse,
         "{}: {} DPF batch has {} keys of n = {}, l = {}, expected {} of n = {}, l = 1",
         key.source(), describe(), dpf.count, dpf.params.n, dpf.params.out_bits, count, k);
  const std::vector<uint64_t> rho = read_packed(key, count, output_.n, "lut mask share");
  const std::vector<uint64_t> correction =
      read_packed(key, count, output_.n, "lut output correction");

  // Checked here: an error thrown inside the parallel region below would terminate.
  if (count > 0 && dpf.root[0].lsb() != static_cast<uint64_t>(party))
    fail(ErrorKind::kMismatch, "{}: {} DPF keys belong to party {}, evaluated by party {}",
         key.source(), describe(), dpf.root[0].lsb(), party);

  const Ring out_ring = output_.ring();
  const uint64_t entries = uint64_t{1} << k;
  const size_t words = std::max<uint64_t>(entries / 64, 1);
  const uint64_t sign = party == 0 ? 1 : out_ring.mask();  // (-1)^b
  std::vector<uint64_t> masked(count), popcounts(count);
  const int64_t elements = static_cast<int64_t>(count);
#pragma omp parallel if (elements >= kMinParallelElements)
  {
    DpfKeyBatch one;
    std::vector<uint64_t> one_hot(words);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < elements; ++i) {
      copy_key(dpf, i, one);
      dpf_eval_full_domain(party, one, 0, one_hot);
      uint64_t ones = 0;
      for (uint64_t word : one_hot) ones += std::popcount(word);
      const uint64_t u = masked_sum(&reversed_[entries - (x_hat[0][i] & (entries - 1))], one_hot);
      masked[i] = out_ring.add(out_ring.mul(sign, u), rho[i]);
      popcounts[i] = out_ring.mul(sign, ones);
    }
  }
  const std::vector<uint64_t> v = opener.open(masked, output_.n);
  for (size_t i = 0; i < count; ++i)
    share[0][i] = out_ring.add(out_ring.mul(popcounts[i], v[i]), correction[i]);
}

}  // namespace fss::sigma

// The GPU kernels' per-thread code (cuda/fss_walks.h over the table AES of cuda/table_prg.h),
// run on the host, against the CPU implementation (crypto/dpf.h, crypto/dcf.h): keys byte for
// byte, shares bit for bit, plus the functions' definitions. Needs neither nvcc nor a GPU, so
// every CI run checks the kernels' logic; fss_gpu_test checks the GPU itself.
#include "cuda/fss_walks.h"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <vector>

#include "crypto/aes.h"
#include "crypto/aes_table.h"
#include "crypto/prg.h"
#include "cuda/table_prg.h"
#include "fss_cases.h"

namespace fss::gpu {
namespace {

using cases::FssCase;
using cases::key_bytes;
using cases::make_case;
using cases::mask_bits;

constexpr uint64_t kKeysPerCase = 37;  // not a multiple of the CPU's 8 lanes

template <typename Lookup>
std::vector<uint32_t> table_image() {
  std::vector<uint32_t> image(Lookup::kWords);
  for (int i = 0; i < Lookup::kWords; ++i) image[i] = Lookup::word(aes_table::kTables, i);
  return image;
}

// The kernels' PRG on host memory: the four-table lookup and the launch's round keys.
class HostPrg {
 public:
  explicit HostPrg(const Aes128& extra)
      : image_(table_image<FourTableLookup>()), keys_(make_prg_round_keys(extra)) {}
  TablePrg<FourTableLookup> prg() const { return {{image_.data()}, &keys_}; }

 private:
  std::vector<uint32_t> image_;
  PrgRoundKeys keys_;
};

const HostPrg& evaluation_prg() {
  static const HostPrg prg(FixedKeyPrg::instance().aes(PrgStream::kLeft));
  return prg;
}

DpfKeysView view_of(const DpfKeyBatch& k) {
  return {k.params.n,        k.params.levels(),   k.count,         k.root.data(),
          k.level_cw.data(), k.right_t_cw.data(), k.leaf_cw.data()};
}

DcfKeysView view_of(const DcfKeyBatch& k) {
  return {k.params.n,        mask_bits(k.params.out_bits), k.count,           k.root.data(),
          k.level_cw.data(), k.right_t_cw.data(),          k.value_cw.data(), k.final_cw.data()};
}

DpfKeyPair walk_dpf_gen(const DpfParams& params, const FssCase& c, Block seed) {
  const uint64_t count = c.alphas.size();
  DpfKeyPair pair;
  DpfKeyBatch& first = pair.party[0];
  first.params = params;
  first.count = count;
  first.root.resize(count);
  first.level_cw.resize(static_cast<uint64_t>(params.levels()) * count);
  first.right_t_cw.resize(count);
  first.leaf_cw.resize(count);
  pair.party[1] = first;
  const DpfGenView out{params.n,
                       params.out_bits,
                       params.levels(),
                       count,
                       {pair.party[0].root.data(), pair.party[1].root.data()},
                       first.level_cw.data(),
                       first.right_t_cw.data(),
                       first.leaf_cw.data()};
  const HostPrg prg{Aes128(seed)};
  const DpfLeafLayout leaf(params.n, params.out_bits);
  for (uint64_t key = 0; key < count; ++key)
    dpf_gen_key(prg.prg(), leaf, out, key, c.alphas[key], c.betas[key]);
  pair.party[1].level_cw = first.level_cw;
  pair.party[1].right_t_cw = first.right_t_cw;
  pair.party[1].leaf_cw = first.leaf_cw;
  return pair;
}

DcfKeyPair walk_dcf_gen(const DcfParams& params, const FssCase& c, Block seed) {
  const uint64_t count = c.alphas.size();
  const uint64_t per_level = static_cast<uint64_t>(params.n) * count;
  DcfKeyPair pair;
  DcfKeyBatch& first = pair.party[0];
  first.params = params;
  first.count = count;
  first.root.resize(count);
  first.level_cw.resize(per_level);
  first.right_t_cw.resize(count);
  first.value_cw.resize(per_level);
  first.final_cw.resize(count);
  pair.party[1] = first;
  const DcfGenView out{params.n,
                       mask_bits(params.out_bits),
                       count,
                       {pair.party[0].root.data(), pair.party[1].root.data()},
                       first.level_cw.data(),
                       first.right_t_cw.data(),
                       first.value_cw.data(),
                       first.final_cw.data()};
  const HostPrg prg{Aes128(seed)};
  for (uint64_t key = 0; key < count; ++key)
    dcf_gen_key(prg.prg(), out, key, c.alphas[key], c.betas[key]);
  pair.party[1].level_cw = first.level_cw;
  pair.party[1].right_t_cw = first.right_t_cw;
  pair.party[1].value_cw = first.value_cw;
  pair.party[1].final_cw = first.final_cw;
  return pair;
}

TEST(TableAes, MatchesFips197) {
  // FIPS-197 Appendix C.1: AES-128.
  const std::array<uint8_t, 16> key = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                       0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
  const uint8_t plaintext[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
  const uint8_t expected[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};
  const Aes128 aes(key);
  EXPECT_EQ(aes_table::encrypt(aes_table::HostLookup{}, aes.round_keys().data(),
                               block_from_bytes(plaintext)),
            block_from_bytes(expected));
}

TEST(TableAes, EveryLookupMatchesAesNi) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const std::vector<uint32_t> four = table_image<FourTableLookup>();
  const std::vector<uint32_t> banked = table_image<BankedLookup>();
  for (int trial = 0; trial < 2000; ++trial) {
    const Aes128 aes(Block{rng(), rng()});
    const Block in{rng(), rng()};
    const Block expected = aes.encrypt(in);
    const Block* round_keys = aes.round_keys().data();
    ASSERT_EQ(aes_table::encrypt(aes_table::HostLookup{}, round_keys, in), expected);
    ASSERT_EQ(aes_table::encrypt(FourTableLookup{four.data()}, round_keys, in), expected);
    const uint32_t lane = static_cast<uint32_t>(trial % BankedLookup::kCopies);
    ASSERT_EQ(aes_table::encrypt(BankedLookup{banked.data(), lane}, round_keys, in), expected)
        << "lane " << lane;
  }
}

TEST(TablePrg, MatchesFixedKeyPrgOnEveryStream) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const Aes128 extra(Block{rng(), rng()});
  const HostPrg host(extra);
  for (int trial = 0; trial < 200; ++trial) {
    const Block in{rng(), rng()};
    for (int stream = 0; stream < kPrgStreams; ++stream)
      ASSERT_EQ(host.prg().mmo(stream, in),
                FixedKeyPrg::instance().expand(static_cast<PrgStream>(stream), in))
          << "stream " << stream;
    ASSERT_EQ(host.prg().extra_key_encrypt(in), extra.encrypt(in));
  }
}

TEST(DpfWalks, KeysAndSharesMatchTheCpu) {
  const uint64_t seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  const TablePrg<FourTableLookup> prg = evaluation_prg().prg();
  for (int n : cases::input_widths()) {
    for (int out_bits : cases::output_widths()) {
      SCOPED_TRACE(::testing::Message() << "seed " << seed << " n=" << n << " l=" << out_bits);
      const DpfParams params{n, out_bits};
      const FssCase c = make_case(n, out_bits, kKeysPerCase, rng);
      const Block key_seed{rng(), rng()};
      const DpfKeyPair cpu = dpf_gen(params, c.alphas, c.betas, key_seed);
      const DpfKeyPair walked = walk_dpf_gen(params, c, key_seed);
      for (int p = 0; p < 2; ++p)
        ASSERT_EQ(key_bytes(walked.party[p]), key_bytes(cpu.party[p])) << "party " << p;

      const DpfLeafLayout leaf(n, out_bits);
      std::vector<uint64_t> expected(kKeysPerCase), shares[2];
      for (int p = 0; p < 2; ++p) {
        dpf_eval(p, cpu.party[p], c.xs, expected);
        const DpfKeysView view = view_of(cpu.party[p]);
        for (uint64_t key = 0; key < kKeysPerCase; ++key)
          shares[p].push_back(dpf_eval_key(prg, leaf, view, p, key, c.xs[key]));
        ASSERT_EQ(shares[p], expected) << "party " << p;
      }
      for (uint64_t key = 0; key < kKeysPerCase; ++key) {
        const uint64_t sum = out_bits == 1
                                 ? (shares[0][key] ^ shares[1][key]) & 1
                                 : (shares[0][key] + shares[1][key]) & mask_bits(out_bits);
        ASSERT_EQ(sum, c.xs[key] == c.alphas[key] ? c.betas[key] : 0) << "key " << key;
      }
      if (out_bits != 1) continue;

      std::vector<uint8_t> expected_bits(kKeysPerCase);
      std::vector<uint64_t> bits[2];
      for (int p = 0; p < 2; ++p) {
        dpf_compare_eval(p, cpu.party[p], c.xs, expected_bits);
        const DpfKeysView view = view_of(cpu.party[p]);
        for (uint64_t key = 0; key < kKeysPerCase; ++key) {
          bits[p].push_back(dpf_compare_key(prg, leaf, view, key, c.xs[key]));
          ASSERT_EQ(bits[p][key], expected_bits[key]) << "party " << p << " key " << key;
        }
      }
      for (uint64_t key = 0; key < kKeysPerCase; ++key)
        ASSERT_EQ(bits[0][key] ^ bits[1][key], c.xs[key] < c.alphas[key] ? 1u : 0u)
            << "key " << key;
    }
  }
}

// Calls dpf_full_domain_part<G> for the G the kernel would pick.
void full_domain_part(const TablePrg<FourTableLookup>& prg, const DpfLeafLayout& leaf,
                      const DpfKeysView& view, uint64_t key, uint64_t part, uint64_t* out) {
  switch (full_domain_subtree_levels(view.levels)) {
    case 0:
      return dpf_full_domain_part<0>(prg, leaf, view, key, part, out);
    case 1:
      return dpf_full_domain_part<1>(prg, leaf, view, key, part, out);
    case 2:
      return dpf_full_domain_part<2>(prg, leaf, view, key, part, out);
    default:
      return dpf_full_domain_part<3>(prg, leaf, view, key, part, out);
  }
}

TEST(DpfWalks, FullDomainMatchesTheCpu) {
  const uint64_t seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  const TablePrg<FourTableLookup> prg = evaluation_prg().prg();
  for (int n : {1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 13, 16}) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed << " n=" << n);
    const uint64_t count = 5;
    const FssCase c = make_case(n, 1, count, rng);
    const DpfKeyPair keys = dpf_gen({n, 1}, c.alphas, c.betas, Block{rng(), rng()});
    const uint64_t words = full_domain_words(n);
    const int levels = keys.party[0].params.levels();
    const uint64_t parts = uint64_t{1} << (levels - full_domain_subtree_levels(levels));
    const DpfLeafLayout leaf(n, 1);
    std::vector<uint64_t> expected(words), walked[2];
    for (int p = 0; p < 2; ++p) {
      walked[p].assign(count * words, 0);
      const DpfKeysView view = view_of(keys.party[p]);
      for (uint64_t key = 0; key < count; ++key) {
        for (uint64_t part = 0; part < parts; ++part)
          full_domain_part(prg, leaf, view, key, part, walked[p].data() + key * words);
        dpf_eval_full_domain(p, keys.party[p], key, expected);
        ASSERT_EQ(std::vector<uint64_t>(walked[p].begin() + key * words,
                                        walked[p].begin() + (key + 1) * words),
                  expected)
            << "party " << p << " key " << key;
      }
    }
    for (uint64_t key = 0; key < count; ++key)
      for (uint64_t x = 0; x <= mask_bits(n); ++x) {
        const uint64_t word = key * words + x / 64;
        ASSERT_EQ(((walked[0][word] ^ walked[1][word]) >> (x % 64)) & 1,
                  x == c.alphas[key] ? 1u : 0u)
            << "key " << key << " x " << x;
      }
  }
}

TEST(DcfWalks, KeysAndSharesMatchTheCpu) {
  const uint64_t seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  const TablePrg<FourTableLookup> prg = evaluation_prg().prg();
  for (int n : cases::input_widths()) {
    for (int out_bits : cases::output_widths()) {
      SCOPED_TRACE(::testing::Message() << "seed " << seed << " n=" << n << " l=" << out_bits);
      const DcfParams params{n, out_bits};
      const FssCase c = make_case(n, out_bits, kKeysPerCase, rng);
      const Block key_seed{rng(), rng()};
      const DcfKeyPair cpu = dcf_gen(params, c.alphas, c.betas, key_seed);
      const DcfKeyPair walked = walk_dcf_gen(params, c, key_seed);
      for (int p = 0; p < 2; ++p)
        ASSERT_EQ(key_bytes(walked.party[p]), key_bytes(cpu.party[p])) << "party " << p;

      std::vector<uint64_t> expected(kKeysPerCase), shares[2];
      for (int p = 0; p < 2; ++p) {
        dcf_eval(p, cpu.party[p], c.xs, expected);
        const DcfKeysView view = view_of(cpu.party[p]);
        for (uint64_t key = 0; key < kKeysPerCase; ++key)
          shares[p].push_back(dcf_eval_key(prg, view, p, key, c.xs[key]));
        ASSERT_EQ(shares[p], expected) << "party " << p;
      }
      for (uint64_t key = 0; key < kKeysPerCase; ++key)
        ASSERT_EQ((shares[0][key] + shares[1][key]) & mask_bits(out_bits),
                  c.xs[key] < c.alphas[key] ? c.betas[key] : 0)
            << "key " << key;
    }
  }
}

}  // namespace
}  // namespace fss::gpu

// DCF: shares must reconstruct to beta * 1{x < alpha} mod 2^l (checked against that formula,
// exhaustively on small domains and at random with edge points at full width), keys must
// follow the documented derivation and byte layout, and bad input must be rejected.
#include "crypto/dcf.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "crypto/aes.h"
#include "crypto/prg.h"

namespace fss {
namespace detail {
void PrintTo(DcfAesPath path, std::ostream* out) {
  *out << (path == DcfAesPath::kVaes ? "VAES" : "AES-NI");
}
}  // namespace detail
namespace {

uint64_t low_bits(int bits) { return bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

uint64_t less_than_times_beta(uint64_t x, uint64_t alpha, uint64_t beta) {
  return x < alpha ? beta : 0;
}

using detail::DcfAesPath;

// Every AES path this CPU runs; the tests of key generation and evaluation cover each.
std::vector<DcfAesPath> available_paths() {
  if (detail::dcf_best_aes_path() == DcfAesPath::kVaes)
    return {DcfAesPath::kAesNi, DcfAesPath::kVaes};
  return {DcfAesPath::kAesNi};
}

std::string path_name(const ::testing::TestParamInfo<DcfAesPath>& info) {
  return info.param == DcfAesPath::kVaes ? "Vaes" : "AesNi";
}

// Reconstructs f_i(xs[i]) from both parties' shares.
std::vector<uint64_t> reconstruct(const DcfKeyPair& keys, const std::vector<uint64_t>& xs,
                                  DcfAesPath path) {
  std::vector<uint64_t> share0(xs.size()), share1(xs.size()), sum(xs.size());
  detail::dcf_eval(0, keys.party[0], xs, share0, path);
  detail::dcf_eval(1, keys.party[1], xs, share1, path);
  const uint64_t mask = low_bits(keys.party[0].params.out_bits);
  for (size_t i = 0; i < xs.size(); ++i) {
    EXPECT_EQ(share0[i] & ~mask, 0u) << "share 0 of key " << i << " exceeds l bits";
    EXPECT_EQ(share1[i] & ~mask, 0u) << "share 1 of key " << i << " exceeds l bits";
    sum[i] = (share0[i] + share1[i]) & mask;
  }
  return sum;
}

// Compares one batch evaluation with the definition; reports the first few mismatches only.
void expect_matches_definition(const DcfKeyPair& keys, const std::vector<uint64_t>& alphas,
                               const std::vector<uint64_t>& betas, const std::vector<uint64_t>& xs,
                               DcfAesPath path = detail::dcf_best_aes_path()) {
  const std::vector<uint64_t> got = reconstruct(keys, xs, path);
  int mismatches = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const uint64_t expected = less_than_times_beta(xs[i], alphas[i], betas[i]);
    if (got[i] != expected && ++mismatches <= 5)
      ADD_FAILURE() << "key " << i << ": alpha " << alphas[i] << " beta " << betas[i] << " x "
                    << xs[i] << ": reconstructed " << got[i] << ", expected " << expected;
  }
  EXPECT_EQ(mismatches, 0);
}

ErrorKind thrown_kind(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no fss::Error thrown";
  return ErrorKind::kInternal;
}

class DcfOnPath : public ::testing::TestWithParam<DcfAesPath> {
 protected:
  DcfKeyPair gen(DcfParams params, const std::vector<uint64_t>& alphas,
                 const std::vector<uint64_t>& betas, Block seed) const {
    return detail::dcf_gen(params, alphas, betas, seed, GetParam());
  }
  void expect_correct(const DcfKeyPair& keys, const std::vector<uint64_t>& alphas,
                      const std::vector<uint64_t>& betas, const std::vector<uint64_t>& xs) const {
    expect_matches_definition(keys, alphas, betas, xs, GetParam());
  }
};

INSTANTIATE_TEST_SUITE_P(Paths, DcfOnPath, ::testing::ValuesIn(available_paths()), path_name);

TEST_P(DcfOnPath, ExhaustiveOnSmallDomains) {
  for (uint64_t seed : {1ULL, 0x5eedULL}) {
    for (int n = 1; n <= 10; ++n) {
      for (int l : {1, 7, 37, 64}) {
        SCOPED_TRACE(fmt::format("seed {} n {} l {}", seed, n, l));
        SeededPrg prg(seed * 1000 + n * 100 + l);
        const uint64_t domain = uint64_t{1} << n;
        std::vector<uint64_t> alphas(domain), betas(domain);
        for (uint64_t a = 0; a < domain; ++a) alphas[a] = a;
        prg.fill_ring(l, betas);
        const DcfKeyPair keys = gen({n, l}, alphas, betas, prg.next_block());
        for (uint64_t x = 0; x < domain && !HasFailure(); ++x)
          expect_correct(keys, alphas, betas, std::vector<uint64_t>(domain, x));
        if (HasFailure()) return;
      }
    }
  }
}

// Full-width random keys, each evaluated at a random point and at the edges around alpha:
// 4 widths x 3 output widths x 8192 keys x 6 points = 589,824 cases per AES path.
TEST_P(DcfOnPath, RandomAtFullWidthWithEdgePoints) {
  constexpr uint64_t kKeys = 1 << 13;
  for (int n : {16, 37, 50, 64}) {
    for (int l : {n, 1, 64}) {
      const uint64_t seed = 0xdcf0000ULL + n * 100 + l;
      SCOPED_TRACE(fmt::format("seed {:#x} n {} l {}", seed, n, l));
      SeededPrg prg(seed);
      const uint64_t top = low_bits(n);
      std::vector<uint64_t> alphas(kKeys), betas(kKeys);
      prg.fill_ring(n, alphas);
      prg.fill_ring(l, betas);
      const uint64_t edge_alphas[] = {0, 1, 2, top, top - 1, top >> 1, (top >> 1) + 1};
      for (size_t i = 0; i < std::size(edge_alphas); ++i) alphas[i] = edge_alphas[i];
      const DcfKeyPair keys = gen({n, l}, alphas, betas, prg.next_block());

      const std::function<uint64_t(uint64_t, uint64_t)> points[] = {
          [&](uint64_t, uint64_t) { return prg.next_ring(n); },
          [](uint64_t alpha, uint64_t) { return alpha; },
          [](uint64_t alpha, uint64_t mask) { return (alpha - 1) & mask; },
          [](uint64_t alpha, uint64_t mask) { return (alpha + 1) & mask; },
          [](uint64_t, uint64_t) { return uint64_t{0}; },
          [](uint64_t, uint64_t mask) { return mask; }};
      for (const auto& point : points) {
        std::vector<uint64_t> xs(kKeys);
        for (uint64_t i = 0; i < kKeys; ++i) xs[i] = point(alphas[i], top);
        expect_correct(keys, alphas, betas, xs);
      }
    }
  }
}

TEST_P(DcfOnPath, BatchSizesAroundTheLaneGroup) {
  for (uint64_t count : {1, 2, 7, 8, 9, 15, 16, 17, 31}) {
    SCOPED_TRACE(fmt::format("count {} seed {}", count, count));
    SeededPrg prg(count);
    std::vector<uint64_t> alphas(count), betas(count), xs(count);
    prg.fill_ring(12, alphas);
    prg.fill_ring(20, betas);
    const DcfKeyPair keys = gen({12, 20}, alphas, betas, prg.next_block());
    for (int round = 0; round < 50; ++round) {
      for (uint64_t i = 0; i < count; ++i)
        xs[i] = round % 2 ? prg.next_ring(12) : (alphas[i] + round / 2 - 12) & low_bits(12);
      expect_correct(keys, alphas, betas, xs);
    }
  }
}

TEST(Dcf, EmptyBatch) {
  const DcfKeyPair keys = dcf_gen({20, 20}, {}, {}, Block{1, 2});
  EXPECT_EQ(keys.party[0].count, 0u);
  std::vector<uint64_t> none;
  dcf_eval(0, keys.party[0], none, none);
  ByteWriter writer;
  serialize(keys.party[1], writer);
  EXPECT_EQ(writer.size(), kDcfBatchHeaderBytes);
}

// dcf.h: key i's root seeds are AES_seed(2i) and AES_seed(2i+1), control bit = party.
TEST_P(DcfOnPath, RootSeedsFollowTheDocumentedDerivation) {
  const Block seed{0xabcdef, 0x123456};
  const Aes128 aes(seed);
  std::vector<uint64_t> alphas(21, 5), betas(21, 3);
  const DcfKeyPair keys = gen({16, 16}, alphas, betas, seed);
  for (uint64_t i = 0; i < alphas.size(); ++i) {
    for (uint64_t b = 0; b < 2; ++b) {
      const Block expected = aes.encrypt(Block{2 * i + b, 0});
      EXPECT_EQ(keys.party[b].root[i], Block({(expected.lo & ~uint64_t{1}) | b, expected.hi}))
          << "key " << i << " party " << b;
    }
  }
  // Both parties hold the same correction words.
  EXPECT_EQ(keys.party[0].level_cw, keys.party[1].level_cw);
  EXPECT_EQ(keys.party[0].right_t_cw, keys.party[1].right_t_cw);
  EXPECT_EQ(keys.party[0].value_cw, keys.party[1].value_cw);
  EXPECT_EQ(keys.party[0].final_cw, keys.party[1].final_cw);
}

void expect_same_batch(const DcfKeyBatch& a, const DcfKeyBatch& b) {
  EXPECT_EQ(a.params.n, b.params.n);
  EXPECT_EQ(a.params.out_bits, b.params.out_bits);
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.root, b.root);
  EXPECT_EQ(a.level_cw, b.level_cw);
  EXPECT_EQ(a.right_t_cw, b.right_t_cw);
  EXPECT_EQ(a.value_cw, b.value_cw);
  EXPECT_EQ(a.final_cw, b.final_cw);
}

// 1003 keys: enough work for the OpenMP team, with a partial lane group at the end.
TEST_P(DcfOnPath, ThreadCountDoesNotChangeKeysOrShares) {
  constexpr size_t kKeys = 1003;
  SeededPrg prg(99);
  std::vector<uint64_t> alphas(kKeys), betas(kKeys), xs(kKeys);
  prg.fill_ring(40, alphas);
  prg.fill_ring(40, betas);
  prg.fill_ring(40, xs);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const DcfKeyPair single = gen({40, 40}, alphas, betas, Block{5, 6});
  std::vector<uint64_t> single_out(kKeys);
  detail::dcf_eval(1, single.party[1], xs, single_out, GetParam());
  omp_set_num_threads(std::max(threads, 2));
  const DcfKeyPair parallel = gen({40, 40}, alphas, betas, Block{5, 6});
  std::vector<uint64_t> parallel_out(kKeys);
  detail::dcf_eval(1, parallel.party[1], xs, parallel_out, GetParam());
  expect_correct(parallel, alphas, betas, xs);
  omp_set_num_threads(threads);
  for (int b = 0; b < 2; ++b) expect_same_batch(single.party[b], parallel.party[b]);
  EXPECT_EQ(single_out, parallel_out);
}

// The documented layout: 16 (root) + 16 n (seed CWs) + ceil(n/8) + ceil(n l/8) + ceil(l/8).
uint64_t documented_key_bytes(uint64_t n, uint64_t l) {
  return 16 + 16 * n + (n + 7) / 8 + (n * l + 7) / 8 + (l + 7) / 8;
}

std::vector<uint8_t> serialized(const DcfKeyBatch& keys) {
  ByteWriter writer;
  serialize(keys, writer);
  return writer.take();
}

DcfKeyBatch parse(const std::vector<uint8_t>& bytes) {
  ByteReader reader(bytes, "test buffer");
  DcfKeyBatch keys = deserialize_dcf_keys(reader);
  reader.expect_end();  // as a caller whose record holds only this batch does
  return keys;
}

TEST(Dcf, AesPathsGiveTheSameKeysAndShares) {
  if (available_paths().size() < 2) GTEST_SKIP() << "this CPU has no VAES";
  SeededPrg prg(2024);
  std::vector<uint64_t> alphas(77), betas(77), xs(77);
  prg.fill_ring(50, alphas);
  prg.fill_ring(50, betas);
  prg.fill_ring(50, xs);
  const DcfKeyPair aesni =
      detail::dcf_gen({50, 50}, alphas, betas, Block{3, 4}, DcfAesPath::kAesNi);
  const DcfKeyPair vaes = detail::dcf_gen({50, 50}, alphas, betas, Block{3, 4}, DcfAesPath::kVaes);
  for (int b = 0; b < 2; ++b) {
    expect_same_batch(aesni.party[b], vaes.party[b]);
    std::vector<uint64_t> share_aesni(77), share_vaes(77);
    detail::dcf_eval(b, aesni.party[b], xs, share_aesni, DcfAesPath::kAesNi);
    detail::dcf_eval(b, aesni.party[b], xs, share_vaes, DcfAesPath::kVaes);
    EXPECT_EQ(share_aesni, share_vaes) << "party " << b;
  }
}

TEST(Dcf, KeyBytesMatchTheLayoutAndTheSerializedSize) {
  constexpr uint64_t kCount = 2;
  for (int n = 1; n <= 64; ++n) {
    for (int l = 1; l <= 64; ++l) {
      SCOPED_TRACE(fmt::format("n {} l {}", n, l));
      const uint64_t expected = documented_key_bytes(n, l);
      EXPECT_EQ(dcf_key_bytes({n, l}), expected);
      const std::vector<uint64_t> alphas = {low_bits(n), 0}, betas = {low_bits(l), 1};
      const DcfKeyPair keys = dcf_gen({n, l}, alphas, betas, Block{uint64_t(n), uint64_t(l)});
      EXPECT_EQ(serialized(keys.party[0]).size(), kDcfBatchHeaderBytes + kCount * expected);
    }
  }
}

TEST(Dcf, SerializationRoundTripsAndEvaluates) {
  const std::pair<int, int> shapes[] = {{1, 1},   {9, 7},  {37, 37}, {50, 50},
                                        {64, 64}, {64, 1}, {13, 64}};
  for (auto [n, l] : shapes) {
    SCOPED_TRACE(fmt::format("n {} l {}", n, l));
    SeededPrg prg(n * 100 + l);
    std::vector<uint64_t> alphas(19), betas(19), xs(19);
    prg.fill_ring(n, alphas);
    prg.fill_ring(l, betas);
    prg.fill_ring(n, xs);
    const DcfKeyPair keys = dcf_gen({n, l}, alphas, betas, prg.next_block());
    DcfKeyPair parsed;
    for (int b = 0; b < 2; ++b) {
      parsed.party[b] = parse(serialized(keys.party[b]));
      expect_same_batch(parsed.party[b], keys.party[b]);
    }
    expect_matches_definition(parsed, alphas, betas, xs);
  }
}

// A batch of 3 keys at n = 9, l = 7: every packed field has padding bits to corrupt.
class DcfCorruption : public ::testing::Test {
 protected:
  static constexpr int kN = 9, kL = 7, kCount = 3;
  // Offsets of the documented layout.
  static constexpr size_t kRightOffset = 16 + kCount * 16 + kN * kCount * 16;
  static constexpr size_t kValueOffset = kRightOffset + kCount * 2;
  static constexpr size_t kFinalOffset = kValueOffset + kCount * 8;
  static constexpr size_t kSize = kFinalOffset + kCount * 1;

  void SetUp() override {
    const std::vector<uint64_t> alphas = {3, 300, 511}, betas = {1, 127, 64};
    bytes_ = serialized(dcf_gen({kN, kL}, alphas, betas, Block{7, 7}).party[1]);
    ASSERT_EQ(bytes_.size(), kSize);
  }

  ErrorKind parse_kind(const std::vector<uint8_t>& bytes) {
    return thrown_kind([&] { parse(bytes); });
  }

  std::vector<uint8_t> with_header(uint32_t n, uint32_t l, uint64_t count) const {
    std::vector<uint8_t> bytes = bytes_;
    std::memcpy(bytes.data(), &n, 4);
    std::memcpy(bytes.data() + 4, &l, 4);
    std::memcpy(bytes.data() + 8, &count, 8);
    return bytes;
  }

  std::vector<uint8_t> bytes_;
};

TEST_F(DcfCorruption, WellFormedBufferParses) { EXPECT_NO_THROW(parse(bytes_)); }

TEST_F(DcfCorruption, EveryTruncatedPrefixIsRejected) {
  for (size_t length = 0; length < bytes_.size(); ++length) {
    const std::vector<uint8_t> prefix(bytes_.begin(), bytes_.begin() + length);
    EXPECT_EQ(parse_kind(prefix), ErrorKind::kParse) << "prefix of " << length << " bytes";
  }
}

TEST_F(DcfCorruption, BadHeadersAreRejected) {
  EXPECT_EQ(parse_kind(with_header(0, kL, kCount)), ErrorKind::kParse);
  EXPECT_EQ(parse_kind(with_header(65, kL, kCount)), ErrorKind::kParse);
  EXPECT_EQ(parse_kind(with_header(0xffffffffu, kL, kCount)), ErrorKind::kParse);
  EXPECT_EQ(parse_kind(with_header(kN, 0, kCount)), ErrorKind::kParse);
  EXPECT_EQ(parse_kind(with_header(kN, 65, kCount)), ErrorKind::kParse);
  EXPECT_EQ(parse_kind(with_header(kN + 1, kL, kCount)), ErrorKind::kParse);
  EXPECT_EQ(parse_kind(with_header(kN, kL + 1, kCount)), ErrorKind::kParse);
  EXPECT_EQ(parse_kind(with_header(kN, kL, kCount + 1)), ErrorKind::kParse);
  EXPECT_EQ(parse_kind(with_header(kN, kL, kCount - 1)), ErrorKind::kParse);  // trailing bytes
  EXPECT_EQ(parse_kind(with_header(kN, kL, uint64_t{1} << 62)), ErrorKind::kParse);
  EXPECT_EQ(parse_kind(with_header(kN, kL, ~uint64_t{0})), ErrorKind::kParse);
}

TEST_F(DcfCorruption, TrailingBytesAreRejected) {
  std::vector<uint8_t> longer = bytes_;
  longer.push_back(0);
  EXPECT_EQ(parse_kind(longer), ErrorKind::kParse);
}

TEST_F(DcfCorruption, RootsOfBothPartiesAreRejected) {
  std::vector<uint8_t> mixed = bytes_;
  mixed[16 + 16 * 2] ^= 1;  // control bit of key 2's root
  EXPECT_EQ(parse_kind(mixed), ErrorKind::kParse);
}

TEST_F(DcfCorruption, NonzeroPaddingBitsAreRejected) {
  // Right control-bit CWs: 9 bits in 2 bytes. Value CWs: 63 bits in 8 bytes. Final: 7 in 1.
  for (size_t key = 0; key < kCount; ++key) {
    for (size_t offset :
         {kRightOffset + 2 * key + 1, kValueOffset + 8 * key + 7, kFinalOffset + key}) {
      std::vector<uint8_t> corrupt = bytes_;
      corrupt[offset] |= 0x80;
      EXPECT_EQ(parse_kind(corrupt), ErrorKind::kParse) << "offset " << offset;
    }
  }
}

TEST(Dcf, BadArgumentsAreRejected) {
  const std::vector<uint64_t> one = {1};
  const auto gen_kind = [&](DcfParams params, std::vector<uint64_t> alphas,
                            std::vector<uint64_t> betas) {
    return thrown_kind([&] { dcf_gen(params, alphas, betas, Block{}); });
  };
  EXPECT_EQ(gen_kind({0, 8}, one, one), ErrorKind::kInvalidArgument);
  EXPECT_EQ(gen_kind({65, 8}, one, one), ErrorKind::kInvalidArgument);
  EXPECT_EQ(gen_kind({8, 0}, one, one), ErrorKind::kInvalidArgument);
  EXPECT_EQ(gen_kind({8, 65}, one, one), ErrorKind::kInvalidArgument);
  EXPECT_EQ(gen_kind({8, 8}, {256}, one), ErrorKind::kInvalidArgument);
  EXPECT_EQ(gen_kind({8, 8}, one, {256}), ErrorKind::kInvalidArgument);
  EXPECT_EQ(gen_kind({1, 1}, {2}, one), ErrorKind::kInvalidArgument);
  EXPECT_EQ(gen_kind({1, 1}, one, {2}), ErrorKind::kInvalidArgument);
  EXPECT_EQ(gen_kind({8, 8}, {1, 2}, one), ErrorKind::kInvalidArgument);
  EXPECT_EQ(thrown_kind([] { dcf_key_bytes({0, 1}); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(thrown_kind([] { dcf_key_bytes({1, 65}); }), ErrorKind::kInvalidArgument);

  const std::vector<uint64_t> alphas = {5, 6}, betas = {1, 2};
  const DcfKeyPair keys = dcf_gen({8, 8}, alphas, betas, Block{});
  const std::vector<uint64_t> xs = {1, 2};
  const auto eval_kind = [&](int party, const DcfKeyBatch& batch, std::vector<uint64_t> inputs,
                             size_t outputs) {
    std::vector<uint64_t> shares(outputs);
    return thrown_kind([&] { dcf_eval(party, batch, inputs, shares); });
  };
  EXPECT_EQ(eval_kind(2, keys.party[0], xs, 2), ErrorKind::kInvalidArgument);
  EXPECT_EQ(eval_kind(-1, keys.party[0], xs, 2), ErrorKind::kInvalidArgument);
  EXPECT_EQ(eval_kind(1, keys.party[0], xs, 2), ErrorKind::kInvalidArgument);  // party 0's keys
  EXPECT_EQ(eval_kind(0, keys.party[0], {1}, 2), ErrorKind::kInvalidArgument);
  EXPECT_EQ(eval_kind(0, keys.party[0], xs, 1), ErrorKind::kInvalidArgument);
  EXPECT_EQ(eval_kind(0, keys.party[0], {1, 256}, 2), ErrorKind::kInvalidArgument);
  DcfKeyBatch short_batch = keys.party[0];
  short_batch.value_cw.pop_back();
  EXPECT_EQ(eval_kind(0, short_batch, xs, 2), ErrorKind::kInvalidArgument);
  DcfKeyBatch bad_params = keys.party[0];
  bad_params.params.n = 70;
  EXPECT_EQ(eval_kind(0, bad_params, xs, 2), ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace fss

// DPF keygen, point/comparison/full-domain evaluation and key serialization, checked against the
// definitions: reconstruct(eval) = beta * [x == alpha] and reconstruct(compare) = 1{x < alpha}.
#include "crypto/dpf.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "crypto/aes.h"
#include "crypto/backend.h"

namespace fss {
namespace {

uint64_t mask_bits(int bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

// l = 1 shares are XOR shares in bit 0; wider outputs are additive mod 2^l.
uint64_t reconstruct(int out_bits, uint64_t y0, uint64_t y1) {
  return out_bits == 1 ? (y0 ^ y1) & 1 : (y0 + y1) & mask_bits(out_bits);
}

std::vector<uint64_t> random_values(std::mt19937_64& rng, size_t count, int bits) {
  std::vector<uint64_t> values(count);
  for (auto& v : values) v = rng() & mask_bits(bits);
  return values;
}

std::vector<uint64_t> all_points(int n) {
  std::vector<uint64_t> points(uint64_t{1} << n);
  for (uint64_t i = 0; i < points.size(); ++i) points[i] = i;
  return points;
}

// Expects fn to throw fss::Error of `kind` whose message contains `detail`.
template <typename Fn>
void expect_error(ErrorKind kind, Fn&& fn, const std::string& detail = "") {
  try {
    fn();
    ADD_FAILURE() << "no fss::Error thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_NE(std::string(e.what()).find(detail), std::string::npos) << e.what();
  }
}

std::vector<uint64_t> eval(int party, const DpfKeyBatch& keys, const std::vector<uint64_t>& xs) {
  std::vector<uint64_t> out(xs.size());
  dpf_eval(party, keys, xs, out);
  return out;
}

std::vector<uint8_t> compare(int party, const DpfKeyBatch& keys, const std::vector<uint64_t>& xs) {
  std::vector<uint8_t> out(xs.size());
  dpf_compare_eval(party, keys, xs, out);
  return out;
}

std::vector<uint64_t> full_domain(int party, const DpfKeyBatch& keys, uint64_t index) {
  const int n = keys.params.n;
  std::vector<uint64_t> out(n >= 6 ? uint64_t{1} << (n - 6) : 1);
  dpf_eval_full_domain(party, keys, index, out);
  return out;
}

// `copies` copies of the batch one after the other: key c * keys.count + i is key i. Lets one
// call evaluate a key at many points (thousands of tiny batches would mostly time the threads).
DpfKeyBatch tile(const DpfKeyBatch& keys, uint64_t copies) {
  DpfKeyBatch tiled;
  tiled.params = keys.params;
  tiled.count = keys.count * copies;
  auto repeat = [&](const auto& field, auto& to, uint64_t rows) {
    for (uint64_t row = 0; row < rows; ++row)
      for (uint64_t c = 0; c < copies; ++c)
        to.insert(to.end(), field.begin() + row * keys.count,
                  field.begin() + (row + 1) * keys.count);
  };
  repeat(keys.root, tiled.root, 1);
  repeat(keys.level_cw, tiled.level_cw, keys.params.levels());
  repeat(keys.right_t_cw, tiled.right_t_cw, 1);
  repeat(keys.leaf_cw, tiled.leaf_cw, 1);
  return tiled;
}

DpfKeyBatch single_key(const DpfKeyBatch& keys, uint64_t index) {
  DpfKeyBatch one;
  one.params = keys.params;
  one.count = 1;
  one.root = {keys.root[index]};
  for (int level = 0; level < keys.params.levels(); ++level)
    one.level_cw.push_back(keys.level_cw[level * keys.count + index]);
  one.right_t_cw = {keys.right_t_cw[index]};
  one.leaf_cw = {keys.leaf_cw[index]};
  return one;
}

// Points evaluated per call in the exhaustive tests.
constexpr uint64_t kPointsPerCall = 64;

// Exhaustive over the ring: one key per alpha, each evaluated at every x by both parties.
// For l = 1 also checks that full-domain evaluation agrees with point evaluation per party.
void check_all_points(int n, int out_bits, uint64_t seed) {
  SCOPED_TRACE(testing::Message() << "n=" << n << " l=" << out_bits << " seed=" << seed);
  std::mt19937_64 rng(seed);
  const DpfParams params{n, out_bits};
  const std::vector<uint64_t> alphas = all_points(n);
  std::vector<uint64_t> betas = random_values(rng, alphas.size(), out_bits);
  betas[0] = mask_bits(out_bits);  // the extremes of the output group
  if (betas.size() > 1) betas[1] = 0;
  const DpfKeyPair keys = dpf_gen(params, alphas, betas, Block{rng(), rng()});
  const uint64_t domain = alphas.size();
  // shares[p][x * domain + key]
  std::vector<uint64_t> shares[2];
  for (auto& s : shares) s.resize(domain * domain);
  const uint64_t points = std::min(domain, kPointsPerCall);
  const DpfKeyBatch tiled[2] = {tile(keys.party[0], points), tile(keys.party[1], points)};
  for (uint64_t first_x = 0; first_x < domain; first_x += points) {
    std::vector<uint64_t> xs(points * domain);
    for (uint64_t i = 0; i < xs.size(); ++i) xs[i] = first_x + i / domain;
    const std::vector<uint64_t> y0 = eval(0, tiled[0], xs);
    const std::vector<uint64_t> y1 = eval(1, tiled[1], xs);
    for (uint64_t i = 0; i < xs.size(); ++i) {
      const uint64_t x = xs[i], key = i % domain;
      const uint64_t expected = x == alphas[key] ? betas[key] : 0;
      ASSERT_EQ(reconstruct(out_bits, y0[i], y1[i]), expected) << "alpha=" << key << " x=" << x;
      ASSERT_EQ(y0[i] & ~mask_bits(out_bits), 0u);
      shares[0][x * domain + key] = y0[i];
      shares[1][x * domain + key] = y1[i];
    }
  }
  if (out_bits != 1) return;
  for (uint64_t key = 0; key < domain; ++key) {
    for (int party = 0; party < 2; ++party) {
      const std::vector<uint64_t> bits = full_domain(party, keys.party[party], key);
      for (uint64_t x = 0; x < domain; ++x)
        ASSERT_EQ((bits[x / 64] >> (x % 64)) & 1, shares[party][x * domain + key])
            << "full domain, party " << party << " alpha=" << key << " x=" << x;
    }
  }
}

void check_all_comparisons(int n, uint64_t seed) {
  SCOPED_TRACE(testing::Message() << "n=" << n << " seed=" << seed);
  const std::vector<uint64_t> alphas = all_points(n);
  const std::vector<uint64_t> ones(alphas.size(), 1);
  const DpfKeyPair keys = dpf_gen({n, 1}, alphas, ones, Block{seed, ~seed});
  const uint64_t domain = alphas.size();
  const uint64_t points = std::min(domain, kPointsPerCall);
  const DpfKeyBatch tiled[2] = {tile(keys.party[0], points), tile(keys.party[1], points)};
  for (uint64_t first_x = 0; first_x < domain; first_x += points) {
    std::vector<uint64_t> xs(points * domain);
    for (uint64_t i = 0; i < xs.size(); ++i) xs[i] = first_x + i / domain;
    const std::vector<uint8_t> c0 = compare(0, tiled[0], xs);
    const std::vector<uint8_t> c1 = compare(1, tiled[1], xs);
    for (uint64_t i = 0; i < xs.size(); ++i) {
      const uint64_t x = xs[i], key = i % domain;
      ASSERT_LE(c0[i], 1);
      ASSERT_EQ(c0[i] ^ c1[i], x < alphas[key] ? 1 : 0) << "alpha=" << key << " x=" << x;
    }
  }
}

TEST(DpfExhaustive, PointAndFullDomainSmallRings) {
  for (int n = 1; n <= 8; ++n)
    for (int out_bits : {1, 2, 3, 5, 16, 33, 37, 64})
      for (uint64_t seed : {1u, 2u}) check_all_points(n, out_bits, seed * 1000 + n);
}

TEST(DpfExhaustive, PointAndFullDomainTenBits) {
  for (int out_bits : {1, 37}) check_all_points(10, out_bits, 77);
}

TEST(DpfExhaustive, ComparisonSmallRings) {
  for (int n = 1; n <= 8; ++n)
    for (uint64_t seed : {3u, 4u}) check_all_comparisons(n, seed * 1000 + n);
  check_all_comparisons(10, 5010);
}

TEST(DpfFullDomain, MatchesTheDefinitionAndPointEvaluation) {
  for (int n : {7, 13, 16}) {
    const uint64_t seed = 0xfd00 + n;
    SCOPED_TRACE(testing::Message() << "n=" << n << " seed=" << seed);
    std::mt19937_64 rng(seed);
    const uint64_t count = 5;
    std::vector<uint64_t> alphas = random_values(rng, count, n);
    alphas[0] = 0;
    alphas[1] = mask_bits(n);
    const std::vector<uint64_t> betas = {1, 1, 1, 1, 0};
    const DpfKeyPair keys = dpf_gen({n, 1}, alphas, betas, Block{rng(), rng()});
    for (uint64_t key = 0; key < count; ++key) {
      const std::vector<uint64_t> bits0 = full_domain(0, keys.party[0], key);
      const std::vector<uint64_t> bits1 = full_domain(1, keys.party[1], key);
      for (uint64_t w = 0; w < bits0.size(); ++w) {
        const uint64_t expected =
            (betas[key] == 1 && alphas[key] / 64 == w) ? uint64_t{1} << (alphas[key] % 64) : 0;
        ASSERT_EQ(bits0[w] ^ bits1[w], expected) << "key " << key << " word " << w;
      }
      // Each party's full-domain bits are its point-evaluation shares.
      std::vector<uint64_t> xs = random_values(rng, 64, n);
      xs[0] = alphas[key];
      for (int party = 0; party < 2; ++party) {
        const std::vector<uint64_t>& bits = party == 0 ? bits0 : bits1;
        const DpfKeyBatch repeated = tile(single_key(keys.party[party], key), xs.size());
        const std::vector<uint64_t> shares = eval(party, repeated, xs);
        for (size_t i = 0; i < xs.size(); ++i)
          ASSERT_EQ(shares[i], (bits[xs[i] / 64] >> (xs[i] % 64)) & 1) << "x=" << xs[i];
      }
    }
  }
}

// x drawn uniformly, equal to alpha, or alpha +- 1 (mod 2^n): the points where a wrong level
// or a wrong slot would show.
std::vector<uint64_t> inputs_near(std::mt19937_64& rng, const std::vector<uint64_t>& alphas,
                                  int n) {
  std::vector<uint64_t> xs(alphas.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    switch (rng() % 4) {
      case 0:
        xs[i] = rng() & mask_bits(n);
        break;
      case 1:
        xs[i] = alphas[i];
        break;
      case 2:
        xs[i] = (alphas[i] + 1) & mask_bits(n);
        break;
      default:
        xs[i] = (alphas[i] - 1) & mask_bits(n);
        break;
    }
  }
  return xs;
}

constexpr size_t kRandomCases = 100'000;

// The lookup-table core: every key's full-domain bits dotted with a window of terms, against
// the single-key full-domain output and a plain loop over the domain.
TEST(DpfFullDomain, DotProductsMatchTheBitsTimesTheTerms) {
  for (int n : {1, 3, 6, 7, 8, 10}) {
    const uint64_t seed = 0xd07 + n;
    SCOPED_TRACE("n = " + std::to_string(n) + ", seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    const size_t count = 300;
    const DpfKeyPair keys = dpf_gen({n, 1}, random_values(rng, count, n),
                                    std::vector<uint64_t>(count, 1), Block{seed, 1});
    const uint64_t window = 64 * (n >= 6 ? uint64_t{1} << (n - 6) : 1);
    const std::vector<uint64_t> terms = random_values(rng, 3 * window, 64);
    std::vector<uint64_t> offsets(count);
    for (auto& offset : offsets) offset = rng() % (terms.size() - window + 1);
    for (int party = 0; party < 2; ++party) {
      std::vector<uint64_t> dots(count), ones(count);
      dpf_full_domain_dot(party, keys.party[party], terms, offsets, dots, ones);
      for (size_t i = 0; i < count; ++i) {
        const std::vector<uint64_t> bits = full_domain(party, keys.party[party], i);
        uint64_t dot = 0, count_ones = 0;
        for (uint64_t x = 0; x < (uint64_t{1} << n); ++x) {
          const uint64_t bit = (bits[x / 64] >> (x % 64)) & 1;
          dot += bit * terms[offsets[i] + x];
          count_ones += bit;
        }
        ASSERT_EQ(dots[i], dot) << "party " << party << " key " << i;
        ASSERT_EQ(ones[i], count_ones) << "party " << party << " key " << i;
      }
    }
  }
}

TEST(DpfFullDomain, DotRejectsWindowsOutsideTheTerms) {
  const DpfKeyPair keys =
      dpf_gen({8, 1}, std::vector<uint64_t>{5, 9}, std::vector<uint64_t>{1, 1}, Block{3, 4});
  const std::vector<uint64_t> terms(256 + 10);
  std::vector<uint64_t> dots(2), ones(2);
  dpf_full_domain_dot(0, keys.party[0], terms, std::vector<uint64_t>{0, 10}, dots, ones);
  expect_error(
      ErrorKind::kInvalidArgument,
      [&] {
        dpf_full_domain_dot(0, keys.party[0], terms, std::vector<uint64_t>{0, 11}, dots, ones);
      },
      "key 1's window");
  expect_error(
      ErrorKind::kInvalidArgument,
      [&] { dpf_full_domain_dot(0, keys.party[0], terms, std::vector<uint64_t>{0}, dots, ones); },
      "offsets");
  expect_error(
      ErrorKind::kInvalidArgument,
      [&] {
        dpf_full_domain_dot(1, keys.party[0], terms, std::vector<uint64_t>{0, 0}, dots, ones);
      },
      "party");
}

TEST(DpfRandom, PointEvalFullWidth) {
  for (int n : {16, 37, 50, 64}) {
    for (int out_bits : {1, 64}) {
      const uint64_t seed = 0x5eed0000 + n * 100 + out_bits;
      SCOPED_TRACE(testing::Message() << "n=" << n << " l=" << out_bits << " seed=" << seed);
      std::mt19937_64 rng(seed);
      std::vector<uint64_t> alphas = random_values(rng, kRandomCases, n);
      alphas[0] = 0;
      alphas[1] = mask_bits(n);
      const std::vector<uint64_t> betas = random_values(rng, kRandomCases, out_bits);
      const DpfKeyPair keys = dpf_gen({n, out_bits}, alphas, betas, Block{rng(), rng()});
      const std::vector<uint64_t> xs = inputs_near(rng, alphas, n);
      const std::vector<uint64_t> y0 = eval(0, keys.party[0], xs);
      const std::vector<uint64_t> y1 = eval(1, keys.party[1], xs);
      for (size_t i = 0; i < kRandomCases; ++i)
        ASSERT_EQ(reconstruct(out_bits, y0[i], y1[i]), xs[i] == alphas[i] ? betas[i] : 0)
            << "case " << i << " alpha=" << alphas[i] << " x=" << xs[i];
    }
  }
}

TEST(DpfRandom, ComparisonFullWidth) {
  for (int n : {16, 37, 50, 64}) {
    const uint64_t seed = 0xc0de0000 + n;
    SCOPED_TRACE(testing::Message() << "n=" << n << " seed=" << seed);
    std::mt19937_64 rng(seed);
    std::vector<uint64_t> alphas = random_values(rng, kRandomCases, n);
    alphas[0] = 0;
    alphas[1] = mask_bits(n);
    const std::vector<uint64_t> ones(kRandomCases, 1);
    const DpfKeyPair keys = dpf_gen({n, 1}, alphas, ones, Block{rng(), rng()});
    const std::vector<uint64_t> xs = inputs_near(rng, alphas, n);
    const std::vector<uint8_t> c0 = compare(0, keys.party[0], xs);
    const std::vector<uint8_t> c1 = compare(1, keys.party[1], xs);
    for (size_t i = 0; i < kRandomCases; ++i)
      ASSERT_EQ(c0[i] ^ c1[i], xs[i] < alphas[i] ? 1 : 0)
          << "case " << i << " alpha=" << alphas[i] << " x=" << xs[i];
  }
}

TEST(DpfGen, RootsComeFromTheSeedAndCarryThePartyBit) {
  const Block seed{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  const std::vector<uint64_t> alphas = {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  const std::vector<uint64_t> betas(alphas.size(), 1);
  const DpfKeyPair keys = dpf_gen({20, 1}, alphas, betas, seed);
  const Aes128 seed_aes(seed);
  for (uint64_t i = 0; i < alphas.size(); ++i) {
    EXPECT_EQ(keys.party[0].root[i], seed_aes.encrypt(Block{2 * i, 0}).with_lsb(0)) << i;
    EXPECT_EQ(keys.party[1].root[i], seed_aes.encrypt(Block{2 * i + 1, 0}).with_lsb(1)) << i;
  }
  const DpfKeyPair again = dpf_gen({20, 1}, alphas, betas, seed);
  EXPECT_EQ(again.party[0].level_cw, keys.party[0].level_cw);
  EXPECT_EQ(again.party[1].leaf_cw, keys.party[1].leaf_cw);
  EXPECT_EQ(again.party[1].right_t_cw, keys.party[1].right_t_cw);
}

TEST(DpfGen, EmptyBatch) {
  const DpfKeyPair keys = dpf_gen({50, 1}, {}, {}, Block{1, 2});
  EXPECT_EQ(keys.party[0].count, 0u);
  std::vector<uint64_t> xs, out;
  dpf_eval(0, keys.party[0], xs, out);
  ByteWriter writer;
  serialize(keys.party[1], writer);
  EXPECT_EQ(writer.size(), kDpfBatchHeaderBytes);
  ByteReader reader(writer.data(), "empty batch");
  EXPECT_EQ(deserialize_dpf_keys(reader).count, 0u);
}

TEST(DpfGen, RejectsBadArguments) {
  const std::vector<uint64_t> one = {1};
  const Block seed{3, 4};
  for (int n : {0, -1, 65})
    expect_error(ErrorKind::kInvalidArgument, [&] { dpf_gen({n, 1}, one, one, seed); });
  for (int out_bits : {0, -3, 65})
    expect_error(ErrorKind::kInvalidArgument, [&] { dpf_gen({10, out_bits}, one, one, seed); });
  expect_error(ErrorKind::kInvalidArgument, [&] {
    dpf_gen({10, 1}, std::vector<uint64_t>{1, 2}, one, seed);
  });
  expect_error(ErrorKind::kInvalidArgument, [&] {
    dpf_gen({10, 1}, std::vector<uint64_t>{1024}, one, seed);
  });
  expect_error(ErrorKind::kInvalidArgument, [&] {
    dpf_gen({10, 1}, one, std::vector<uint64_t>{2}, seed);
  });
  expect_error(ErrorKind::kInvalidArgument, [&] {
    dpf_gen({10, 37}, one, std::vector<uint64_t>{uint64_t{1} << 37}, seed);
  });
  // At the boundaries everything is accepted.
  dpf_gen({64, 64}, std::vector<uint64_t>{~uint64_t{0}}, std::vector<uint64_t>{~uint64_t{0}}, seed);
  dpf_gen({1, 1}, std::vector<uint64_t>{1}, one, seed);
}

// A batch large enough for the input check's parallel path: one input above the domain, late in
// the batch, is named by its index; a batch whose inputs all fit is accepted.
TEST(DpfEval, NamesTheInputOutsideTheDomainInALargeBatch) {
  const size_t count = 40000;
  const std::vector<uint64_t> alphas(count, 7);
  const DpfKeyPair keys = dpf_gen({10, 1}, alphas, std::vector<uint64_t>(count, 1), Block{5, 6});
  std::vector<uint64_t> xs(count, 1023);
  std::vector<uint8_t> bits(count);
  dpf_compare_eval(0, keys.party[0], xs, bits);
  xs[39000] = 1024;
  xs[39500] = uint64_t{1} << 63;
  expect_error(
      ErrorKind::kInvalidArgument, [&] { dpf_compare_eval(0, keys.party[0], xs, bits); },
      "input 39000 = 1024 is not below 2^10");
}

TEST(DpfEval, RejectsMisuse) {
  const std::vector<uint64_t> alphas = {3, 4};
  const DpfKeyPair keys = dpf_gen({10, 1}, alphas, std::vector<uint64_t>{1, 1}, Block{5, 6});
  const DpfKeyPair wide = dpf_gen({10, 8}, alphas, std::vector<uint64_t>{9, 9}, Block{5, 6});
  std::vector<uint64_t> xs = {1, 2}, out(2), short_out(1);
  std::vector<uint8_t> bits(2);
  expect_error(ErrorKind::kInvalidArgument, [&] { dpf_eval(1, keys.party[0], xs, out); });
  expect_error(ErrorKind::kInvalidArgument, [&] { dpf_eval(2, keys.party[0], xs, out); });
  expect_error(ErrorKind::kInvalidArgument, [&] { dpf_eval(0, keys.party[0], xs, short_out); });
  expect_error(ErrorKind::kInvalidArgument, [&] {
    dpf_eval(0, keys.party[0], std::vector<uint64_t>{1, 1024}, out);
  });
  expect_error(ErrorKind::kInvalidArgument, [&] { dpf_compare_eval(0, wide.party[0], xs, bits); });
  expect_error(ErrorKind::kInvalidArgument,
               [&] { dpf_compare_eval(0, keys.party[0], xs, std::span<uint8_t>(bits).first(1)); });
  std::vector<uint64_t> domain(1024 / 64), wrong_domain(3);
  expect_error(ErrorKind::kInvalidArgument,
               [&] { dpf_eval_full_domain(0, keys.party[0], 0, wrong_domain); });
  expect_error(ErrorKind::kInvalidArgument,
               [&] { dpf_eval_full_domain(0, keys.party[0], 2, domain); });
  expect_error(ErrorKind::kInvalidArgument,
               [&] { dpf_eval_full_domain(0, wide.party[0], 0, domain); });
  DpfKeyBatch broken = keys.party[0];
  broken.level_cw.pop_back();
  expect_error(ErrorKind::kInvalidArgument, [&] { dpf_eval(0, broken, xs, out); });
}

// nu = min(n, floor(log2(128 / l))): the largest nu with 2^nu slots of l bits in 128 bits.
int documented_leaf_bits(int n, int out_bits) {
  int nu = 0;
  while ((2 << nu) * out_bits <= 128) ++nu;
  return std::min(n, nu);
}

TEST(DpfKeySize, MatchesTheDocumentedFormulaAndTheSerializedSize) {
  std::mt19937_64 rng(99);
  for (int n = 1; n <= 64; ++n) {
    for (int out_bits = 1; out_bits <= 64; ++out_bits) {
      SCOPED_TRACE(testing::Message() << "n=" << n << " l=" << out_bits);
      const DpfParams params{n, out_bits};
      const uint64_t levels = n - documented_leaf_bits(n, out_bits);
      ASSERT_EQ(params.levels(), static_cast<int>(levels));
      const uint64_t expected = 16 + 16 * levels + (levels + 7) / 8 + 16;
      ASSERT_EQ(dpf_key_bytes(params), expected);
      const uint64_t count = 1 + rng() % 3;
      const DpfKeyPair keys = dpf_gen(params, random_values(rng, count, n),
                                      random_values(rng, count, out_bits), Block{rng(), rng()});
      for (const DpfKeyBatch& batch : keys.party) {
        ByteWriter writer;
        serialize(batch, writer);
        ASSERT_EQ(writer.size(), kDpfBatchHeaderBytes + count * expected);
      }
    }
  }
  // PROTOCOLS.md §1: about (n - nu)(lambda + 2) + lambda bits for 1-bit outputs.
  EXPECT_EQ(dpf_key_bytes({50, 1}), 16u + 16 * 43 + 6 + 16);
}

std::vector<uint8_t> serialized(const DpfKeyBatch& keys) {
  ByteWriter writer;
  serialize(keys, writer);
  return writer.take();
}

DpfKeyBatch parse(const std::vector<uint8_t>& bytes) {
  ByteReader reader(bytes, "dpf test buffer");
  DpfKeyBatch keys = deserialize_dpf_keys(reader);
  reader.expect_end();  // as a caller whose record holds only this batch does
  return keys;
}

TEST(DpfSerialization, RoundTripEvaluatesIdentically) {
  for (const DpfParams params :
       {DpfParams{37, 1}, DpfParams{16, 37}, DpfParams{5, 1}, DpfParams{64, 64}}) {
    SCOPED_TRACE(testing::Message() << "n=" << params.n << " l=" << params.out_bits);
    std::mt19937_64 rng(params.n * 131 + params.out_bits);
    const size_t count = 101;
    const std::vector<uint64_t> alphas = random_values(rng, count, params.n);
    const DpfKeyPair keys =
        dpf_gen(params, alphas, random_values(rng, count, params.out_bits), Block{rng(), rng()});
    std::vector<uint64_t> xs = random_values(rng, count, params.n);
    for (size_t i = 0; i < count; i += 3) xs[i] = alphas[i];
    for (int party = 0; party < 2; ++party) {
      const std::vector<uint8_t> bytes = serialized(keys.party[party]);
      ASSERT_EQ(bytes.size(), kDpfBatchHeaderBytes + count * dpf_key_bytes(params));
      const DpfKeyBatch copy = parse(bytes);
      EXPECT_EQ(copy.params.n, params.n);
      EXPECT_EQ(copy.params.out_bits, params.out_bits);
      EXPECT_EQ(copy.count, count);
      EXPECT_EQ(copy.root, keys.party[party].root);
      EXPECT_EQ(copy.level_cw, keys.party[party].level_cw);
      EXPECT_EQ(copy.right_t_cw, keys.party[party].right_t_cw);
      EXPECT_EQ(copy.leaf_cw, keys.party[party].leaf_cw);
      EXPECT_EQ(eval(party, copy, xs), eval(party, keys.party[party], xs));
      if (params.out_bits == 1) {
        EXPECT_EQ(compare(party, copy, xs), compare(party, keys.party[party], xs));
      }
    }
  }
}

TEST(DpfSerialization, RejectsEveryTruncation) {
  const DpfKeyPair keys =
      dpf_gen({12, 1}, std::vector<uint64_t>{1, 2, 3}, std::vector<uint64_t>{1, 1, 0}, {7, 8});
  const std::vector<uint8_t> bytes = serialized(keys.party[1]);
  for (size_t length = 0; length < bytes.size(); ++length) {
    SCOPED_TRACE(testing::Message() << "prefix of " << length << " bytes");
    const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + length);
    expect_error(ErrorKind::kParse, [&] { parse(prefix); });
  }
}

TEST(DpfSerialization, RejectsCorruptedRecords) {
  const DpfKeyPair keys =
      dpf_gen({12, 3}, std::vector<uint64_t>{1, 2, 3}, std::vector<uint64_t>{1, 7, 0}, {7, 8});
  const std::vector<uint8_t> good = serialized(keys.party[0]);
  parse(good);
  auto with = [&](size_t offset, std::vector<uint8_t> patch) {
    std::vector<uint8_t> bytes = good;
    std::copy(patch.begin(), patch.end(), bytes.begin() + offset);
    return bytes;
  };
  auto u32 = [](uint32_t v) {
    return std::vector<uint8_t>{uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
  };
  auto u64 = [&](uint64_t v) {
    std::vector<uint8_t> b = u32(static_cast<uint32_t>(v)),
                         hi = u32(static_cast<uint32_t>(v >> 32));
    b.insert(b.end(), hi.begin(), hi.end());
    return b;
  };
  const std::vector<std::vector<uint8_t>> corrupted = {
      with(0, u32(0)),                  // n = 0
      with(0, u32(65)),                 // n = 65
      with(0, u32(11)),                 // n that changes the key size
      with(4, u32(0)),                  // l = 0
      with(4, u32(65)),                 // l = 65
      with(8, u64(4)),                  // inflated count
      with(8, u64(2)),                  // deflated count: trailing bytes
      with(8, u64(uint64_t{1} << 62)),  // count whose byte size overflows
  };
  for (size_t i = 0; i < corrupted.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "corruption " << i);
    expect_error(ErrorKind::kParse, [&] { parse(corrupted[i]); });
  }
  std::vector<uint8_t> trailing = good;
  trailing.push_back(0);
  expect_error(ErrorKind::kParse, [&] { parse(trailing); });

  // Fields past the header: a party-1 root among party-0 roots, a padding bit of the packed
  // right control bits (L = 12 - 5 = 7 of 8 bits used), a leaf bit outside every slot.
  const size_t levels = DpfParams{12, 3}.levels();
  const size_t roots = kDpfBatchHeaderBytes;
  const size_t right_bits = roots + 3 * 16 + levels * 3 * 16;
  const size_t leaves = right_bits + 3;
  std::vector<uint8_t> mixed_party = good;
  mixed_party[roots + 16] ^= 1;
  std::vector<uint8_t> right_padding = good;
  right_padding[right_bits + 1] |= 0x80;
  std::vector<uint8_t> leaf_padding = good;
  leaf_padding[leaves + 2 * 16] |= 0x08;  // slots are 4 bits wide for l = 3; bit 3 is unused
  expect_error(
      ErrorKind::kParse, [&] { parse(mixed_party); }, "party bit");
  expect_error(
      ErrorKind::kParse, [&] { parse(right_padding); }, "padding bits");
  expect_error(
      ErrorKind::kParse, [&] { parse(leaf_padding); }, "outside the output slots");
}

// A record is read where it lies: the header is checked, the reader moves past the batch, and
// the keys parse (deserialize) as the batch they were written from. Two batches back to back,
// the first at an odd offset, as a gate's record may hold them.
TEST(DpfRecord, SkipsTheBatchAndParsesAsTheBatch) {
  const DpfKeyPair first =
      dpf_gen({12, 1}, std::vector<uint64_t>{1, 2, 3}, std::vector<uint64_t>{1, 1, 1}, {7, 8});
  const DpfKeyPair second =
      dpf_gen({37, 1}, std::vector<uint64_t>{5, 6}, std::vector<uint64_t>{1, 1}, {9, 10});
  for (int party = 0; party < 2; ++party) {
    ByteWriter writer(std::vector<uint8_t>{0xab});  // a byte before the batches
    serialize(first.party[party], writer);
    serialize(second.party[party], writer);
    ByteReader reader(writer.data(), "test record");
    reader.get<uint8_t>("prefix");
    const DpfKeyRecord a = read_dpf_record(reader);
    const DpfKeyRecord b = read_dpf_record(reader);
    reader.expect_end();
    EXPECT_EQ(a.params.n, 12);
    EXPECT_EQ(a.count, 3u);
    EXPECT_EQ(b.params.n, 37);
    EXPECT_EQ(b.count, 2u);
    EXPECT_EQ(a.root_party(), party);
    EXPECT_EQ(b.root_party(), party);
    EXPECT_EQ(a.bytes().size(), kDpfBatchHeaderBytes + 3 * dpf_key_bytes({12, 1}));
    EXPECT_EQ(a.bytes().data(), writer.data().data() + 1);
    EXPECT_EQ(a.device_bytes(), nullptr);
    EXPECT_EQ(deserialize(a).root, first.party[party].root);
    EXPECT_EQ(deserialize(b).level_cw, second.party[party].level_cw);
    EXPECT_EQ(deserialize(b).right_t_cw, second.party[party].right_t_cw);
  }
}

TEST(DpfRecord, HeaderAndLengthAreCheckedKeysWhenParsed) {
  const DpfKeyPair keys =
      dpf_gen({12, 1}, std::vector<uint64_t>{1, 2, 3}, std::vector<uint64_t>{1, 1, 0}, {7, 8});
  const std::vector<uint8_t> bytes = serialized(keys.party[1]);
  for (size_t length = 0; length < bytes.size(); ++length) {
    SCOPED_TRACE(testing::Message() << "prefix of " << length << " bytes");
    const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + length);
    ByteReader reader(prefix, "truncated");
    expect_error(ErrorKind::kParse, [&] { read_dpf_record(reader); });
  }
  std::vector<uint8_t> mixed_party = bytes;
  mixed_party[kDpfBatchHeaderBytes + 16] ^= 1;
  ByteReader reader(mixed_party, "mixed");
  const DpfKeyRecord record = read_dpf_record(reader);  // the keys are not read here
  expect_error(
      ErrorKind::kParse, [&] { deserialize(record); }, "party bit");
}

// The backend's record entry points parse on the host by default: the same bits as the batch.
TEST(DpfRecord, DefaultBackendPathEqualsTheBatchPath) {
  std::mt19937_64 rng(77);
  const size_t count = 300;
  for (const int n : {8, 33}) {
    const std::vector<uint64_t> alphas = random_values(rng, count, n);
    const DpfKeyPair keys =
        dpf_gen({n, 1}, alphas, std::vector<uint64_t>(count, 1), Block{rng(), rng()});
    const std::vector<uint64_t> xs = random_values(rng, count, n);
    for (int party = 0; party < 2; ++party) {
      const std::vector<uint8_t> bytes = serialized(keys.party[party]);
      ByteReader reader(bytes, "record");
      const DpfKeyRecord record = read_dpf_record(reader);
      std::vector<uint8_t> from_record(count), from_batch(count);
      const uint64_t no_offset[] = {0};  // the points are xs themselves
      cpu_backend().dpf_compare_offsets(party, record, xs, {no_offset}, from_record);
      cpu_backend().dpf_compare_eval(party, keys.party[party], xs, from_batch);
      EXPECT_EQ(from_record, from_batch);
      if (n == 8) {
        const std::vector<uint64_t> terms = random_values(rng, 2 * 256, 64);
        std::vector<uint64_t> offsets(count),
            dots[2] = {std::vector<uint64_t>(count), std::vector<uint64_t>(count)},
            ones[2] = {std::vector<uint64_t>(count), std::vector<uint64_t>(count)};
        for (auto& offset : offsets) offset = rng() % 257;
        cpu_backend().dpf_full_domain_dot(party, record, terms, offsets, dots[0], ones[0]);
        cpu_backend().dpf_full_domain_dot(party, keys.party[party], terms, offsets, dots[1],
                                          ones[1]);
        EXPECT_EQ(dots[0], dots[1]);
        EXPECT_EQ(ones[0], ones[1]);
      }
    }
  }
}

}  // namespace
}  // namespace fss

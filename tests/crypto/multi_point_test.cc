#include "crypto/multi_point.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

#include "core/error.h"
#include "core/ring.h"

namespace fss {
namespace {

// With one point per key, the multi-point walks must agree with crypto's own evaluators (and,
// through the reconstruction, with the definition) for every width.
TEST(SufMultiPoint, OnePointPerKeyMatchesCryptoEvaluators) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const size_t count = 300;
  for (int n : {1, 2, 6, 7, 8, 9, 13, 37, 50, 63, 64}) {
    const Ring ring{n};
    std::vector<uint64_t> alphas(count), xs(count), ones(count, 1), betas(count);
    for (size_t i = 0; i < count; ++i) {
      alphas[i] = rng() & ring.mask();
      xs[i] = i % 3 == 0 ? alphas[i] : rng() & ring.mask();  // hit the point itself too
      betas[i] = rng() & ring.mask();
    }
    const DpfKeyPair dpf = dpf_gen({n, 1}, alphas, ones, Block{rng(), rng()});
    const DcfKeyPair dcf = dcf_gen({n, n}, alphas, betas, Block{rng(), rng()});
    std::vector<uint8_t> bits[2], crypto_bits(count);
    std::vector<uint64_t> shares[2], crypto_shares(count);
    for (int party = 0; party < 2; ++party) {
      bits[party].resize(count);
      shares[party].resize(count);
      dpf_compare_points(party, dpf.party[party], xs, 1, bits[party]);
      dcf_eval_points(party, dcf.party[party], xs, 1, shares[party]);
      dpf_compare_eval(party, dpf.party[party], xs, crypto_bits);
      dcf_eval(party, dcf.party[party], xs, crypto_shares);
      ASSERT_EQ(bits[party], crypto_bits) << "n=" << n;
      ASSERT_EQ(shares[party], crypto_shares) << "n=" << n;
    }
    for (size_t i = 0; i < count; ++i) {
      ASSERT_EQ(bits[0][i] ^ bits[1][i], xs[i] < alphas[i]) << "n=" << n << " i=" << i;
      ASSERT_EQ(ring.add(shares[0][i], shares[1][i]), xs[i] < alphas[i] ? betas[i] : 0)
          << "n=" << n << " i=" << i;
    }
  }
}

TEST(SufMultiPoint, ManyPointsPerKeyFollowTheDefinition) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const size_t count = 101, per_key = 13;
  for (int n : {3, 8, 37}) {
    const Ring ring{n};
    std::vector<uint64_t> alphas(count), ones(count, 1), points(count * per_key);
    for (uint64_t& alpha : alphas) alpha = rng() & ring.mask();
    for (size_t i = 0; i < points.size(); ++i)
      points[i] = i % 5 == 0 ? alphas[i / per_key] : rng() & ring.mask();
    const DpfKeyPair dpf = dpf_gen({n, 1}, alphas, ones, Block{rng(), rng()});
    const DcfKeyPair dcf = dcf_gen({n, n}, alphas, ones, Block{rng(), rng()});
    std::vector<uint8_t> bits0(points.size()), bits1(points.size());
    std::vector<uint64_t> shares0(points.size()), shares1(points.size());
    dpf_compare_points(0, dpf.party[0], points, per_key, bits0);
    dpf_compare_points(1, dpf.party[1], points, per_key, bits1);
    dcf_eval_points(0, dcf.party[0], points, per_key, shares0);
    dcf_eval_points(1, dcf.party[1], points, per_key, shares1);
    for (size_t i = 0; i < points.size(); ++i) {
      const uint64_t expected = points[i] < alphas[i / per_key];
      ASSERT_EQ(bits0[i] ^ bits1[i], expected) << "n=" << n << " i=" << i;
      ASSERT_EQ(ring.add(shares0[i], shares1[i]), expected) << "n=" << n << " i=" << i;
    }
  }
}

// PRG calls of the memoised DCF walk: 2 E + D per key (E distinct prefixes of lengths 1..n, D
// distinct points), counted here from the definition; for a uniform spline's points
// x^ - lo - i 2^s (i < 2^b) it stays within the header's 2^b (2s + 5) + 4 (n - s - b) + 2b.
TEST(SufMultiPoint, DcfPrgCallsFollowTheFormula) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const int n = 37, b = 8, s = 7;
  const Ring ring{n};
  const size_t count = 40, per_key = size_t{1} << b;
  for (bool spline : {true, false}) {
    std::vector<uint64_t> alphas(count), ones(count, 1), points(count * per_key);
    uint64_t expected = 0;
    for (size_t e = 0; e < count; ++e) {
      alphas[e] = rng() & ring.mask();
      const uint64_t start = rng() & ring.mask();
      for (size_t i = 0; i < per_key; ++i)
        points[e * per_key + i] = spline ? ring.sub(start, i << s)
                                         : (i % 4 == 3 ? points[e * per_key] : rng() & ring.mask());
      const std::span<const uint64_t> mine(points.data() + e * per_key, per_key);
      for (int length = 1; length <= n; ++length) {
        std::set<uint64_t> prefixes;
        for (uint64_t z : mine) prefixes.insert(z >> (n - length));
        expected += 2 * prefixes.size();
      }
      expected += std::set<uint64_t>(mine.begin(), mine.end()).size();
    }
    const DcfKeyPair dcf = dcf_gen({n, n}, alphas, ones, Block{rng(), rng()});
    std::vector<uint64_t> shares(points.size());
    const uint64_t calls = dcf_eval_points(0, dcf.party[0], points, per_key, shares);
    EXPECT_EQ(calls, expected) << (spline ? "spline" : "random");
    if (spline) {
      EXPECT_LE(calls, count * ((uint64_t{1} << b) * (2 * s + 5) + 4 * (n - s - b) + 2 * b));
    }
    std::vector<uint64_t> other(points.size());
    dcf_eval_points(1, dcf.party[1], points, per_key, other);
    for (size_t i = 0; i < points.size(); ++i)
      ASSERT_EQ(ring.add(shares[i], other[i]), points[i] < alphas[i / per_key] ? 1u : 0u);
  }
  // The DPF comparison walks every point on its own: 2L + 1 each.
  const std::vector<uint64_t> alphas = {5, 9}, ones = {1, 1}, xs = {1, 2, 3, 4, 5, 6};
  const DpfKeyPair dpf = dpf_gen({n, 1}, alphas, ones, Block{3, 4});
  std::vector<uint8_t> bits(6);
  EXPECT_EQ(dpf_compare_points(0, dpf.party[0], xs, 3, bits), 6u * (2 * (n - 7) + 1));
}

TEST(SufMultiPoint, RejectsBadArguments) {
  const std::vector<uint64_t> alphas = {1, 2}, ones = {1, 1};
  const DpfKeyPair dpf = dpf_gen({4, 1}, alphas, ones, Block{1, 2});
  const DcfKeyPair dcf = dcf_gen({4, 4}, alphas, ones, Block{1, 2});
  std::vector<uint8_t> bits(4);
  std::vector<uint64_t> shares(4);
  const std::vector<uint64_t> points = {0, 1, 2, 3}, too_big = {0, 1, 2, 16};
  EXPECT_THROW(dpf_compare_points(1, dpf.party[0], points, 2, bits), Error);  // wrong party
  EXPECT_THROW(dpf_compare_points(0, dpf.party[0], points, 3, bits), Error);  // wrong count
  EXPECT_THROW(dpf_compare_points(0, dpf.party[0], too_big, 2, bits), Error);
  EXPECT_THROW(dcf_eval_points(1, dcf.party[0], points, 2, shares), Error);
  EXPECT_THROW(dcf_eval_points(0, dcf.party[0], too_big, 2, shares), Error);
  EXPECT_THROW(dcf_eval_points(0, dcf.party[0], points, 0, shares), Error);
  const DpfKeyPair wide = dpf_gen({4, 3}, alphas, ones, Block{1, 2});
  EXPECT_THROW(dpf_compare_points(0, wide.party[0], points, 2, bits), Error);  // l != 1
}

}  // namespace
}  // namespace fss

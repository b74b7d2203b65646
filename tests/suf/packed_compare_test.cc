#include "suf/packed_compare.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "core/error.h"
#include "core/ring.h"

namespace fss::suf {
namespace {

// Serialized size of one 1-bit DPF key with k input bits (docs/fss-keys.md).
uint64_t dpf_bytes(int k) {
  const uint64_t levels = k - std::min(k, 7);
  return 16 + 16 * levels + (levels + 7) / 8 + 16;
}

// Runs gen and both evals; returns the reconstructed bits [e * T + t].
std::vector<uint8_t> reconstruct(const PackedComparison& comparison,
                                 const std::vector<uint64_t>& masks,
                                 const std::vector<uint64_t>& x_hat, uint64_t seed) {
  SeededPrg prg(seed);
  ByteWriter keys[2];
  comparison.gen(masks, prg, keys[0], keys[1]);
  std::vector<uint8_t> out[2];
  for (int party = 0; party < 2; ++party) {
    EXPECT_EQ(keys[party].size(), comparison.key_bytes(masks.size()));
    ByteReader reader(keys[party].data(), "packed comparison key");
    out[party].resize(masks.size() * comparison.queries().size());
    comparison.eval(party, reader, x_hat, out[party]);
    reader.expect_end();
  }
  for (size_t i = 0; i < out[0].size(); ++i) out[0][i] ^= out[1][i];
  return out[0];
}

void expect_definition(const PackedComparison& comparison, const std::vector<uint64_t>& masks,
                       const std::vector<uint64_t>& x_hat, const std::vector<uint8_t>& bits) {
  const size_t total = comparison.queries().size();
  for (size_t e = 0; e < masks.size(); ++e) {
    for (size_t t = 0; t < total; ++t) {
      const Query& q = comparison.queries()[t];
      const Ring view_ring{q.k};
      const uint64_t expected =
          view_ring.add(view_ring.mod(x_hat[e]), q.offset) < view_ring.mod(masks[e]);
      ASSERT_EQ(bits[e * total + t], expected)
          << "n=" << comparison.n() << " r=" << masks[e] << " x^=" << x_hat[e] << " k=" << q.k
          << " c=" << q.offset;
    }
  }
}

TEST(SufPackedComparison, EveryMaskEveryInputEveryWidthOnSmallRings) {
  for (int n : {1, 4, 8}) {
    std::vector<Query> queries;
    for (int k = 1; k <= n; ++k) {
      const uint64_t top = Ring{k}.mask();
      for (uint64_t c : {uint64_t{0}, uint64_t{1}, top, (37 * uint64_t(k)) & top})
        queries.push_back({k, c});
    }
    const PackedComparison comparison(n, queries);
    std::vector<uint64_t> masks, x_hat;
    for (uint64_t r = 0; r < (uint64_t{1} << n); ++r)
      for (uint64_t x = 0; x < (uint64_t{1} << n); ++x) {
        masks.push_back(r);
        x_hat.push_back(x);
      }
    expect_definition(comparison, masks, x_hat, reconstruct(comparison, masks, x_hat, 17 + n));
  }
}

TEST(SufPackedComparison, RandomAtFullWidth) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n : {37, 50}) {
    const Ring ring{n};
    const PackedComparison comparison(n, {{n, 0},
                                          {n, rng() & ring.mask()},
                                          {n, uint64_t{1} << (n - 1)},
                                          {12, 5},
                                          {1, 1},
                                          {7, 100},
                                          {8, 255},
                                          {n - 1, rng() & Ring{n - 1}.mask()}});
    std::vector<uint64_t> masks(10'000), x_hat(10'000);
    for (size_t e = 0; e < masks.size(); ++e) {
      masks[e] = rng() & ring.mask();
      // Edges: x^ at the mask, one below it, 0 and the top of the ring.
      const uint64_t edges[] = {masks[e], ring.sub(masks[e], 1), 0, ring.mask()};
      x_hat[e] = e < 400 ? edges[e % 4] : rng() & ring.mask();
    }
    expect_definition(comparison, masks, x_hat, reconstruct(comparison, masks, x_hat, rng()));
  }
}

TEST(SufPackedComparison, KeyBytesFollowTheFormula) {
  const PackedComparison comparison(50, {{50, 0}, {50, 9}, {12, 1}, {3, 2}, {12, 0}});
  EXPECT_EQ(comparison.widths(), (std::vector<int>{50, 12, 3}));
  for (uint64_t count : {1, 7, 1000})
    EXPECT_EQ(comparison.key_bytes(count),
              3 * 16 + count * (dpf_bytes(50) + dpf_bytes(12) + dpf_bytes(3)));
  // Per query: both children on L levels + one leaf conversion.
  EXPECT_EQ(comparison.prg_calls_per_element(), 2 * (2 * 43 + 1) + 2 * (2 * 5 + 1) + 1);
  EXPECT_EQ(PackedComparison(8, {}).key_bytes(100), 0u);
}

TEST(SufPackedComparison, RejectsBadQueriesAndKeys) {
  EXPECT_THROW(PackedComparison(8, {{9, 0}}), Error);
  EXPECT_THROW(PackedComparison(8, {{0, 0}}), Error);
  EXPECT_THROW(PackedComparison(8, {{3, 8}}), Error);
  EXPECT_THROW(PackedComparison(65, {}), Error);

  const PackedComparison comparison(16, {{16, 0}, {4, 1}});
  const PackedComparison other(16, {{5, 0}});
  const std::vector<uint64_t> masks = {1, 2, 3}, x_hat = {4, 5, 6};
  SeededPrg prg(1);
  ByteWriter key0, key1;
  comparison.gen(masks, prg, key0, key1);
  std::vector<uint8_t> out(6), other_out(3);
  ByteReader wrong_width(key0.data(), "key");
  EXPECT_THROW(other.eval(0, wrong_width, x_hat, other_out), Error);
  const std::vector<uint8_t> truncated(key0.data().begin(), key0.data().end() - 1);
  ByteReader short_key(truncated, "key");
  EXPECT_THROW(comparison.eval(0, short_key, x_hat, out), Error);
  ByteReader wrong_count(key0.data(), "key");
  const std::vector<uint64_t> four = {1, 2, 3, 4};
  std::vector<uint8_t> out4(8);
  EXPECT_THROW(comparison.eval(0, wrong_count, four, out4), Error);
}

}  // namespace
}  // namespace fss::suf

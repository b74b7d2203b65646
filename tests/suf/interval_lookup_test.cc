#include "suf/interval_lookup.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

#include "core/error.h"
#include "core/ring.h"

namespace fss::suf {
namespace {

// dcf_key_bytes({n, n}) as docs/fss-keys.md states it.
uint64_t dcf_bytes(uint64_t n) { return 16 + 16 * n + 2 * ((n + 7) / 8) + (n * n + 7) / 8; }

struct Case {
  int n;
  std::vector<uint64_t> starts;
  std::vector<std::vector<uint64_t>> payload;
  std::vector<uint64_t> extras;
};

Case random_case(int n, int m, int p, std::mt19937_64& rng) {
  const Ring ring{n};
  std::set<uint64_t> starts = {0};
  while (starts.size() < static_cast<size_t>(m)) starts.insert(rng() & ring.mask());
  Case c{n, {starts.begin(), starts.end()}, {}, {}};
  for (int i = 0; i < m; ++i) {
    c.payload.emplace_back();
    for (int q = 0; q < p; ++q) c.payload.back().push_back(rng() & ring.mask());
  }
  // Extras: 0 and -a_1 coincide with lookup points, the others are new.
  c.extras = {0, 1, ring.mask(), ring.neg(c.starts[1]), rng() & ring.mask()};
  return c;
}

// Index of the interval holding x, from the definition.
size_t interval(const std::vector<uint64_t>& starts, uint64_t x) {
  size_t i = 0;
  while (i + 1 < starts.size() && x >= starts[i + 1]) ++i;
  return i;
}

void check(const Case& c, const std::vector<uint64_t>& masks, const std::vector<uint64_t>& x_hat,
           uint64_t seed) {
  const IntervalLookup lookup(c.n, c.starts, c.payload, c.extras);
  const Ring ring{c.n};
  const size_t count = masks.size(), p = c.payload[0].size(), extras = c.extras.size();
  SeededPrg prg(seed);
  ByteWriter keys[2];
  lookup.gen(masks, prg, keys[0], keys[1]);
  std::vector<uint64_t> shares[2];
  std::vector<uint8_t> bits[2];
  for (int party = 0; party < 2; ++party) {
    ASSERT_EQ(keys[party].size(), 16 + count * dcf_bytes(c.n));
    ASSERT_EQ(keys[party].size(), lookup.key_bytes(count));
    ByteReader reader(keys[party].data(), "lookup key");
    shares[party].resize(count * p);
    bits[party].resize(count * extras);
    lookup.eval(party, reader, x_hat, shares[party], bits[party]);
    reader.expect_end();
  }
  for (size_t e = 0; e < count; ++e) {
    const uint64_t x = ring.sub(x_hat[e], masks[e]);
    const std::vector<uint64_t>& row = c.payload[interval(c.starts, x)];
    for (size_t q = 0; q < p; ++q)
      ASSERT_EQ(ring.add(shares[0][e * p + q], shares[1][e * p + q]), row[q])
          << "n=" << c.n << " r=" << masks[e] << " x=" << x << " q=" << q;
    for (size_t j = 0; j < extras; ++j)
      ASSERT_EQ(bits[0][e * extras + j] ^ bits[1][e * extras + j],
                ring.add(x_hat[e], c.extras[j]) < masks[e])
          << "n=" << c.n << " r=" << masks[e] << " x^=" << x_hat[e] << " c=" << c.extras[j];
  }
}

TEST(SufIntervalLookup, EveryMaskEveryInputOnSmallRings) {
  std::mt19937_64 rng(2024);  // fixed: exhaustive over masks and inputs, the tables are examples
  std::vector<Case> cases = {random_case(1, 2, 2, rng), random_case(4, 2, 3, rng),
                             random_case(4, 16, 3, rng),  // every value its own interval
                             random_case(6, 5, 1, rng), random_case(8, 9, 3, rng)};
  for (const Case& c : cases) {
    std::vector<uint64_t> masks, x_hat;
    for (uint64_t r = 0; r < (uint64_t{1} << c.n); ++r)
      for (uint64_t x = 0; x < (uint64_t{1} << c.n); ++x) {
        masks.push_back(r);
        x_hat.push_back(x);
      }
    check(c, masks, x_hat, 5 + c.n);
  }
}

// An effective-width lookup: domain 4 bits, payload in Z_{2^10}; masks and x^ carry bits above
// the domain, which the lookup ignores (every mask's and input's low 4 bits, high bits varied).
TEST(SufIntervalLookup, NarrowDomainWidePayload) {
  const int n = 4, l = 10;
  const std::vector<uint64_t> starts = {0, 3, 9, 15};
  const std::vector<std::vector<uint64_t>> payload = {{1000, 1}, {7, 1023}, {512, 0}, {3, 3}};
  const std::vector<uint64_t> extras = {0, 5};
  const IntervalLookup lookup(n, starts, payload, extras, l);
  EXPECT_EQ(lookup.payload_bits(), l);
  std::vector<uint64_t> masks, x_hat;
  for (uint64_t r = 0; r < 64; ++r)
    for (uint64_t x = 0; x < 64; ++x) {
      masks.push_back(r * 37 % 1024);
      x_hat.push_back((x * 91 + 5) % 1024);
    }
  const size_t count = masks.size();
  SeededPrg prg(11);
  ByteWriter keys[2];
  lookup.gen(masks, prg, keys[0], keys[1]);
  std::vector<uint64_t> shares[2];
  std::vector<uint8_t> bits[2];
  for (int party = 0; party < 2; ++party) {
    ASSERT_EQ(keys[party].size(), 16 + count * (16 + 16 * 4 + 1 + 5 + 2));  // dcf(4, 10)
    ASSERT_EQ(keys[party].size(), lookup.key_bytes(count));
    ByteReader reader(keys[party].data(), "lookup key");
    shares[party].resize(count * 2);
    bits[party].resize(count * 2);
    lookup.eval(party, reader, x_hat, shares[party], bits[party]);
    reader.expect_end();
  }
  for (size_t e = 0; e < count; ++e) {
    const uint64_t x = (x_hat[e] - masks[e]) % 16;
    for (size_t q = 0; q < 2; ++q)
      ASSERT_EQ((shares[0][e * 2 + q] + shares[1][e * 2 + q]) % 1024,
                payload[interval(starts, x)][q])
          << "r=" << masks[e] << " x^=" << x_hat[e];
    for (size_t j = 0; j < 2; ++j)
      ASSERT_EQ(bits[0][e * 2 + j] ^ bits[1][e * 2 + j],
                (x_hat[e] + extras[j]) % 16 < masks[e] % 16);
  }
  EXPECT_THROW(IntervalLookup(n, starts, payload, extras, 3), Error);   // l < n
  EXPECT_THROW(IntervalLookup(n, starts, payload, extras, 65), Error);  // l > 64
  EXPECT_THROW(IntervalLookup(n, starts, {{1024}, {1}, {1}, {1}}, {}, l), Error);
}

TEST(SufIntervalLookup, RandomAtFullWidth) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  for (int n : {37, 50}) {
    const Case c = random_case(n, 17, 4, rng);
    const Ring ring{n};
    std::vector<uint64_t> masks(10'000), x_hat(10'000);
    for (size_t e = 0; e < masks.size(); ++e) {
      masks[e] = rng() & ring.mask();
      // Edges: x on each boundary, one below it, and x = 0 and 2^n - 1.
      const uint64_t start = c.starts[e % c.starts.size()];
      const uint64_t x = e < 500    ? start
                         : e < 1000 ? ring.sub(start, 1)
                         : e < 1010 ? (e % 2 == 0 ? 0 : ring.mask())
                                    : rng() & ring.mask();
      x_hat[e] = ring.add(x, masks[e]);
    }
    check(c, masks, x_hat, rng());
  }
}

// 2^14 intervals: eval walks 64 elements at a time (2^20 points), here in three chunks.
TEST(SufIntervalLookup, ManyIntervalsInChunks) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  const Case c = random_case(16, 1 << 14, 1, rng);
  std::vector<uint64_t> masks(130), x_hat(130);
  for (size_t e = 0; e < masks.size(); ++e) {
    masks[e] = rng() & 0xffff;
    x_hat[e] = rng() & 0xffff;
  }
  check(c, masks, x_hat, rng());
}

TEST(SufIntervalLookup, CostsFollowTheFormula) {
  const IntervalLookup lookup(50, {0, 10, 20}, {{1}, {2}, {3}}, {0, 7});
  EXPECT_EQ(lookup.points(), 4);  // x^, x^ - 10, x^ - 20 and the new extra x^ + 7
  EXPECT_EQ(lookup.key_bytes(1000), 16 + 1000 * dcf_bytes(50));
  EXPECT_EQ(lookup.max_prg_calls_per_element(), 4u * (2 * 50 + 1));
}

TEST(SufIntervalLookup, RejectsBadTablesAndKeys) {
  EXPECT_THROW(IntervalLookup(8, {0}, {{1}}), Error);          // one interval
  EXPECT_THROW(IntervalLookup(8, {1, 5}, {{1}, {2}}), Error);  // no a_0 = 0
  EXPECT_THROW(IntervalLookup(8, {0, 5, 5}, {{1}, {2}, {3}}), Error);
  EXPECT_THROW(IntervalLookup(8, {0, 256}, {{1}, {2}}), Error);
  EXPECT_THROW(IntervalLookup(8, {0, 5}, {{1}}), Error);          // missing row
  EXPECT_THROW(IntervalLookup(8, {0, 5}, {{1}, {2, 3}}), Error);  // ragged rows
  EXPECT_THROW(IntervalLookup(8, {0, 5}, {{1}, {256}}), Error);
  EXPECT_THROW(IntervalLookup(8, {0, 5}, {{1}, {2}}, {256}), Error);

  const IntervalLookup lookup(16, {0, 5}, {{1}, {2}});
  const IntervalLookup narrower(12, {0, 5}, {{1}, {2}});
  const std::vector<uint64_t> masks = {1, 2}, x_hat = {3, 4};
  SeededPrg prg(3);
  ByteWriter key0, key1;
  lookup.gen(masks, prg, key0, key1);
  std::vector<uint64_t> shares(2);
  std::vector<uint8_t> bits;
  ByteReader wrong_width(key0.data(), "key");
  EXPECT_THROW(narrower.eval(0, wrong_width, x_hat, shares, bits), Error);
  const std::vector<uint8_t> truncated(key0.data().begin(), key0.data().end() - 3);
  ByteReader short_key(truncated, "key");
  EXPECT_THROW(lookup.eval(0, short_key, x_hat, shares, bits), Error);
}

}  // namespace
}  // namespace fss::suf

// Ring{n} against a reference written with 128-bit integers and the textbook definitions of
// PROTOCOLS.md §0: exhaustive for n <= 8 (all values, all shifts), random at every other width.
#include "core/ring.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <vector>

namespace fss {
namespace {

using u128 = unsigned __int128;
using i128 = __int128;

uint64_t test_seed() {
  if (const char* seed = std::getenv("FSS_TEST_SEED")) return std::strtoull(seed, nullptr, 0);
  return std::random_device{}();
}

// Plain math in Z_{2^n}: reduce with %, signed values in [-2^(n-1), 2^(n-1)), floor division.
struct Reference {
  int n;

  u128 modulus() const { return u128{1} << n; }
  uint64_t reduce(u128 v) const { return static_cast<uint64_t>(v % modulus()); }
  uint64_t reduce_signed(i128 v) const {
    const i128 m = static_cast<i128>(modulus());
    i128 r = v % m;
    if (r < 0) r += m;
    return static_cast<uint64_t>(r);
  }
  i128 signed_value(uint64_t x) const {
    const u128 r = x % modulus();
    return r >= modulus() / 2 ? static_cast<i128>(r) - static_cast<i128>(modulus())
                              : static_cast<i128>(r);
  }
  static i128 floor_divide(i128 a, i128 d) {
    i128 q = a / d;
    if (a % d != 0 && a < 0) q -= 1;
    return q;
  }

  uint64_t add(uint64_t a, uint64_t b) const { return reduce(u128{a} + b); }
  uint64_t sub(uint64_t a, uint64_t b) const {
    return reduce_signed(static_cast<i128>(a % modulus()) - static_cast<i128>(b % modulus()));
  }
  uint64_t mul(uint64_t a, uint64_t b) const { return reduce(u128{a} * b); }
  uint64_t neg(uint64_t a) const { return reduce_signed(-static_cast<i128>(a % modulus())); }
  uint64_t msb(uint64_t a) const { return a % modulus() >= modulus() / 2 ? 1 : 0; }
  uint64_t lrs(uint64_t a, int f) const { return static_cast<uint64_t>((a % modulus()) >> f); }
  uint64_t ars(uint64_t a, int f) const {
    return reduce_signed(floor_divide(signed_value(a), static_cast<i128>(u128{1} << f)));
  }
  uint64_t truncate_reduce(uint64_t a, int f) const {
    return static_cast<uint64_t>(((a % modulus()) >> f) % (u128{1} << (n - f)));
  }
};

// Checks every unary operation of Ring{n} on `a`, with every shift 0..64.
void check_unary(int n, uint64_t a) {
  const Ring ring{n};
  const Reference ref{n};
  ASSERT_EQ(ring.mask(), ref.reduce(~u128{0})) << "n=" << n;
  ASSERT_EQ(ring.mod(a), ref.reduce(a)) << "n=" << n << " a=" << a;
  ASSERT_EQ(ring.neg(a), ref.neg(a)) << "n=" << n << " a=" << a;
  ASSERT_EQ(ring.msb(a), ref.msb(a)) << "n=" << n << " a=" << a;
  ASSERT_TRUE(static_cast<i128>(ring.to_signed(a)) == ref.signed_value(a))
      << "n=" << n << " a=" << a << " to_signed=" << ring.to_signed(a);
  for (int f = 0; f <= 64; ++f) {
    ASSERT_EQ(ring.lrs(a, f), ref.lrs(a, f)) << "n=" << n << " a=" << a << " f=" << f;
    ASSERT_EQ(ring.ars(a, f), ref.ars(a, f)) << "n=" << n << " a=" << a << " f=" << f;
  }
  for (int f = 0; f <= n; ++f)
    ASSERT_EQ(ring.truncate_reduce(a, f), ref.truncate_reduce(a, f))
        << "n=" << n << " a=" << a << " f=" << f;
}

void check_binary(int n, uint64_t a, uint64_t b) {
  const Ring ring{n};
  const Reference ref{n};
  ASSERT_EQ(ring.add(a, b), ref.add(a, b)) << "n=" << n << " a=" << a << " b=" << b;
  ASSERT_EQ(ring.sub(a, b), ref.sub(a, b)) << "n=" << n << " a=" << a << " b=" << b;
  ASSERT_EQ(ring.mul(a, b), ref.mul(a, b)) << "n=" << n << " a=" << a << " b=" << b;
}

// Values worth checking at every width: 0, 1, the signed extremes, all ones.
std::vector<uint64_t> edge_values(int n) {
  const uint64_t all = Reference{n}.reduce(~u128{0});
  const uint64_t half = uint64_t{1} << (n - 1);
  return {0, 1, 2, half - 1, half, half + 1, all - 1, all};
}

TEST(RingTest, ExhaustiveSmallWidths) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int n = 1; n <= 8; ++n) {
    SCOPED_TRACE("n=" + std::to_string(n));
    const uint64_t size = uint64_t{1} << n;
    for (uint64_t a = 0; a < size; ++a) {
      // Bits above n must be ignored: every value also with random garbage on top.
      const uint64_t garbage = rng() << n;
      check_unary(n, a);
      check_unary(n, a | garbage);
      for (uint64_t b = 0; b < size; ++b) {
        check_binary(n, a, b);
        if (b % 16 == 0) check_binary(n, a | garbage, b | (rng() << n));
      }
      if (HasFatalFailure()) return;
    }
  }
}

TEST(RingTest, RandomAllWidths) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int n = 1; n <= 64; ++n) {
    SCOPED_TRACE("n=" + std::to_string(n));
    std::vector<uint64_t> values = edge_values(n);
    for (int i = 0; i < 300; ++i) values.push_back(rng());
    for (uint64_t a : values) {
      check_unary(n, a);
      for (uint64_t b : edge_values(n)) check_binary(n, a, b);
      check_binary(n, a, rng());
      if (HasFatalFailure()) return;
    }
  }
}

TEST(RingTest, FromSigned) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int n = 1; n <= 64; ++n) {
    const Ring ring{n};
    const Reference ref{n};
    std::vector<int64_t> values = {0, 1, -1, INT64_MIN, INT64_MAX};
    if (n <= 8) {
      for (int64_t v = -(int64_t{1} << n); v < (int64_t{1} << n); ++v) values.push_back(v);
    }
    for (int i = 0; i < 200; ++i) values.push_back(static_cast<int64_t>(rng()));
    for (int64_t v : values) {
      ASSERT_EQ(ring.from_signed(v), ref.reduce_signed(v)) << "n=" << n << " v=" << v;
      // Inside the signed range the conversion round-trips.
      const i128 half = static_cast<i128>(ref.modulus() / 2);
      if (v >= -half && v < half) {
        ASSERT_EQ(ring.to_signed(ring.from_signed(v)), v);
      }
    }
  }
}

TEST(RingTest, SignExtend) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int m = 1; m <= 64; ++m) {
    const Reference from{m};
    std::vector<uint64_t> values = edge_values(m);
    if (m <= 8) {
      for (uint64_t x = 0; x < (uint64_t{1} << m); ++x) values.push_back(x);
    }
    for (int i = 0; i < 50; ++i) values.push_back(from.reduce(rng()));
    for (int n = m; n <= 64; ++n) {
      for (uint64_t x : values)
        ASSERT_EQ(sign_extend(x, m, n), Reference{n}.reduce_signed(from.signed_value(x)))
            << "m=" << m << " n=" << n << " x=" << x;
    }
  }
}

// The ring is constexpr, usable in constant expressions (and in device code).
static_assert(Ring{8}.add(200, 100) == 44);
static_assert(Ring{64}.neg(1) == ~uint64_t{0});
static_assert(Ring{5}.to_signed(0b10000) == -16);
static_assert(Ring{5}.ars(0b10001, 1) == 0b11000);

}  // namespace
}  // namespace fss

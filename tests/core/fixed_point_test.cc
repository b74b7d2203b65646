#include "core/fixed_point.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>

#include "core/error.h"

namespace fss {
namespace {

uint64_t test_seed() {
  if (const char* seed = std::getenv("FSS_TEST_SEED")) return std::strtoull(seed, nullptr, 0);
  return std::random_device{}();
}

ErrorKind kind_of_error(const auto& call) {
  try {
    call();
  } catch (const Error& error) {
    return error.kind();
  }
  ADD_FAILURE() << "no fss::Error thrown";
  return ErrorKind::kInternal;
}

TEST(FixedPointTest, EncodesKnownValues) {
  const FixedPoint fp{37, 12};
  const uint64_t modulus = uint64_t{1} << 37;
  EXPECT_EQ(fp.encode(0.0), 0u);
  EXPECT_EQ(fp.encode(-0.0), 0u);
  EXPECT_EQ(fp.encode(1.0), 4096u);
  EXPECT_EQ(fp.encode(-1.0), modulus - 4096);
  EXPECT_EQ(fp.encode(3.25), 13312u);  // 3.25 * 4096
  EXPECT_EQ(fp.encode(-0.75), modulus - 3072);
  EXPECT_EQ(fp.encode(1.0 / 4096), 1u);
  EXPECT_EQ(fp.encode(0.3 / 4096), 0u);
  EXPECT_EQ(fp.encode(0.7 / 4096), 1u);
  EXPECT_EQ(fp.encode(-0.7 / 4096), modulus - 1);
}

TEST(FixedPointTest, TiesRoundAwayFromZero) {
  const FixedPoint fp{16, 4};
  const uint64_t modulus = uint64_t{1} << 16;
  // Exactly half a unit (1/16) lands between two codes.
  EXPECT_EQ(fp.encode(0.5 / 16), 1u);
  EXPECT_EQ(fp.encode(1.5 / 16), 2u);
  EXPECT_EQ(fp.encode(2.5 / 16), 3u);  // not 2: no round-half-to-even
  EXPECT_EQ(fp.encode(-0.5 / 16), modulus - 1);
  EXPECT_EQ(fp.encode(-2.5 / 16), modulus - 3);
  // Just below a tie rounds down.
  EXPECT_EQ(fp.encode(std::nextafter(0.5, 0.0) / 16), 0u);
}

TEST(FixedPointTest, RangeLimits) {
  const FixedPoint fp{8, 0};  // codes -128..127
  EXPECT_EQ(fp.encode(127.0), 127u);
  EXPECT_EQ(fp.encode(127.49), 127u);
  EXPECT_EQ(fp.encode(-128.0), 128u);
  EXPECT_EQ(fp.encode(-128.49), 128u);
  EXPECT_EQ(kind_of_error([&] { fp.encode(127.5); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of_error([&] { fp.encode(128.0); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of_error([&] { fp.encode(-128.5); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of_error([&] { fp.encode(1e300); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of_error([&] { fp.encode(std::numeric_limits<double>::infinity()); }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of_error([&] { fp.encode(-std::numeric_limits<double>::infinity()); }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(kind_of_error([&] { fp.encode(std::nan("")); }), ErrorKind::kInvalidArgument);

  const FixedPoint wide{64, 0};
  EXPECT_EQ(wide.encode(-std::ldexp(1.0, 63)), uint64_t{1} << 63);
  EXPECT_EQ(kind_of_error([&] { wide.encode(std::ldexp(1.0, 63)); }), ErrorKind::kInvalidArgument);
  // The largest double below 2^63 is representable.
  EXPECT_EQ(wide.encode(std::nextafter(std::ldexp(1.0, 63), 0.0)), (uint64_t{1} << 63) - 1024);
}

TEST(FixedPointTest, OutOfRangeMessageNamesTheValue) {
  try {
    FixedPoint{37, 12}.encode(4e7);  // 2^36 / 4096 = 16777216
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("40000000"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("n=37, f=12"), std::string::npos) << error.what();
  }
}

TEST(FixedPointTest, RejectsInvalidParameters) {
  for (const FixedPoint fp : {FixedPoint{0, 0}, FixedPoint{65, 12}, FixedPoint{37, -1},
                              FixedPoint{12, 12}, FixedPoint{8, 40}}) {
    SCOPED_TRACE(fp.to_string());
    EXPECT_EQ(kind_of_error([&] { fp.validate(); }), ErrorKind::kInvalidArgument);
    EXPECT_EQ(kind_of_error([&] { fp.encode(1.0); }), ErrorKind::kInvalidArgument);
    EXPECT_EQ(kind_of_error([&] { fp.decode(1); }), ErrorKind::kInvalidArgument);
  }
  FixedPoint{1, 0}.validate();
  FixedPoint{64, 63}.validate();
}

TEST(FixedPointTest, DecodesKnownValues) {
  const FixedPoint fp{37, 12};
  const uint64_t modulus = uint64_t{1} << 37;
  EXPECT_EQ(fp.decode(4096), 1.0);
  EXPECT_EQ(fp.decode(modulus - 1), -1.0 / 4096);
  EXPECT_EQ(fp.decode(modulus / 2), -16777216.0);  // most negative code: -2^36 / 2^12
  EXPECT_EQ(fp.decode(modulus / 2 - 1), 16777216.0 - 1.0 / 4096);
  EXPECT_EQ(fp.decode(modulus + 4096), 1.0);  // bits above n are ignored
}

// Every code within 53 bits decodes exactly, so encode(decode(x)) == x; and decode(encode(v))
// is within half a unit of v.
TEST(FixedPointTest, RoundTrips) {
  const uint64_t seed = test_seed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int n = 1; n <= 64; ++n) {
    for (int f : {0, n / 3, n - 1}) {
      const FixedPoint fp{n, f};
      SCOPED_TRACE(fp.to_string());
      const Ring ring{n};
      for (int i = 0; i < 200; ++i) {
        uint64_t code = ring.mod(rng());
        if (n > 53) code = ring.from_signed(ring.to_signed(code) >> (n - 53));  // |code| < 2^52
        ASSERT_EQ(fp.encode(fp.decode(code)), code) << "code=" << code;

        const double half_range = std::ldexp(1.0, n - 1 - f);
        const double v = std::uniform_real_distribution<double>(-half_range, half_range)(rng);
        const double unit = std::ldexp(1.0, -f);
        if (std::round(v / unit) >= std::ldexp(1.0, n - 1)) continue;  // rounds out of range
        ASSERT_LE(std::abs(fp.decode(fp.encode(v)) - v), unit / 2 * (1 + 1e-12)) << "v=" << v;
      }
    }
  }
}

}  // namespace
}  // namespace fss

#pragma once
// Shared by the normalization tests: references written from the definitions (PROTOCOLS.md §7,
// docs/gates/normalization.md) with 128-bit integers and float64, without src/sigma's code; the
// documented cost formulas; and rows of activation-like test data.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/fixed_point.h"

namespace fss::sigma::reference {

using int128 = __int128;

inline int64_t signed_value(uint64_t x, int bits) {
  return bits == 64 ? static_cast<int64_t>(x)
                    : static_cast<int64_t>(x << (64 - bits)) >> (64 - bits);
}

inline uint64_t ring_value(int128 v, int bits) {
  return static_cast<uint64_t>(v) & (bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1);
}

// floor(v / 2^s).
inline int128 floor_shift(int128 v, int s) {
  const int128 d = int128{1} << s;
  return v >= 0 ? v / d : -((-v + d - 1) / d);
}

// ARS_{n,s} of the n-bit value x, as a ring value: floor(signed(x) / 2^s) mod 2^n.
inline uint64_t ars(uint64_t x, int n, int s) {
  return ring_value(floor_shift(signed_value(x, n), s), n);
}

struct RecSqrtSpec {
  int n;
  int f_in;
  int f_out;
  double divisor;
  int mantissa_bits;
};

// 2^{f_out} sqrt(divisor 2^{f_in} / u).
inline double rec_sqrt_exact(double u, const RecSqrtSpec& spec) {
  return std::ldexp(std::sqrt(spec.divisor * std::ldexp(1.0, spec.f_in) / u), spec.f_out);
}

// The table's value for x in [0, 2^{n-1}) (0 read as 1): x's interval of integers sharing the
// leading one and the next M bits, [lo, hi]; the rounded midrange of 2^{f_out}/sqrt(x/(d 2^f_in))
// over it; clipped to 2^{n-1} - 1.
inline int64_t rec_sqrt_entry(uint64_t x, const RecSqrtSpec& spec) {
  if (x == 0) x = 1;
  int e = 63;
  while (((x >> e) & 1) == 0) --e;
  const int m = spec.mantissa_bits;
  uint64_t lo = x, hi = x;
  if (e >= m) {
    lo = (x >> (e - m)) << (e - m);
    hi = lo + (uint64_t{1} << (e - m)) - 1;
  }
  const double value = std::round((rec_sqrt_exact(static_cast<double>(lo), spec) +
                                   rec_sqrt_exact(static_cast<double>(hi), spec)) /
                                  2);
  const double clip = std::ldexp(1.0, spec.n - 1) - 1;
  return static_cast<int64_t>(value < clip ? value : clip);
}

// The bytes of one serialized DPF key with `bits` input bits and 1 output bit (crypto/dpf.h:
// root, one 16-byte correction word per level, the right control bits in bytes, leaf).
inline uint64_t dpf_key(int bits) {
  const uint64_t levels = bits > 7 ? bits - 7 : 0;
  return 16 + 16 * levels + (levels + 7) / 8 + 16;
}

inline uint64_t packed(uint64_t count, int bits) { return (count * bits + 7) / 8; }

// GapARS by f on `count` n-bit elements (gap_truncation.h).
inline uint64_t gap_ars_key(uint64_t count, int n, int f) {
  return 16 + count * dpf_key(f) + packed(count, 1) + 2 * packed(count, n) + packed(count, f);
}

struct GateCost {
  uint64_t key = 0;
  uint64_t sent = 0;
  uint64_t rounds = 0;
};

// RecSqrt on `count` elements (rsqrt.h), without the caller's open of the result.
inline GateCost rec_sqrt_cost(uint64_t count, int n, int mantissa_bits) {
  const int k = n - 2, w = mantissa_bits + 6;
  GateCost cost;
  cost.key += 16 + count * dpf_key(n - 1) + k * packed(count, 1);  // DReLU at K offsets
  cost.key += 2 * packed(count, n) + packed(count, w);             // normalize_by_exponent
  for (int i = 1; i <= k; ++i)
    cost.key += packed(count, i + 2 > w ? i + 2 : w) + packed(count, i + 2);
  cost.key += 16 + count * dpf_key(k - mantissa_bits) + packed(count, 1) +
              2 * packed(count, mantissa_bits + 2);            // TR
  cost.key += 16 + count * dpf_key(w) + 2 * packed(count, n);  // LUT
  cost.sent = packed(k * count, 1) + packed(count, n) + packed(count, 1) + packed(count, w) +
              packed(count, n);
  cost.rounds = 5;
  return cost;
}

// The fixed-point LayerNorm / RMSNorm of one row (layernorm.h), every step in Z_{2^n}:
//   mean = ARS_{f_m}(round(2^{f_m} / k) sum x), z = x - mean (LayerNorm) or z = x (RMSNorm),
//   s = sum z^2 + eps', t = the RecSqrt table's value at s (divisor k, f_in = 2f),
//   p = ARS_{f_out}(z t), u = ARS_{f_g}(p gamma) + beta.
struct NormSpec {
  int n;
  int f;
  int64_t k;
  bool center;  // LayerNorm; false: RMSNorm
  int mean_shift;
  int f_out;
  uint64_t epsilon_term;
  int mantissa_bits;
  int gamma_f;
};

// f + ceil(log2 k), the default mean shift.
inline int default_mean_shift(int f, int64_t k) {
  int bits = 0;
  while ((int64_t{1} << bits) < k) ++bits;
  return f + bits;
}

// Outputs of one row of k ring values; beta may be null (RMSNorm).
inline std::vector<uint64_t> norm_row(const NormSpec& spec, const uint64_t* x,
                                      const uint64_t* gamma, const uint64_t* beta) {
  const int n = spec.n;
  std::vector<uint64_t> z(x, x + spec.k);
  if (spec.center) {
    int128 sum = 0;
    for (int64_t j = 0; j < spec.k; ++j) sum += signed_value(x[j], n);
    const int128 c = std::llround(std::ldexp(1.0, spec.mean_shift) / static_cast<double>(spec.k));
    const uint64_t mean = ars(ring_value(c * sum, n), n, spec.mean_shift);
    for (int64_t j = 0; j < spec.k; ++j) z[j] = ring_value(int128(x[j]) - mean, n);
  }
  int128 s = spec.epsilon_term;
  for (int64_t j = 0; j < spec.k; ++j) s += int128(signed_value(z[j], n)) * signed_value(z[j], n);
  const uint64_t s_ring = ring_value(s, n);
  const int64_t t = rec_sqrt_entry(
      s_ring, {n, 2 * spec.f, spec.f_out, static_cast<double>(spec.k), spec.mantissa_bits});
  std::vector<uint64_t> out(spec.k);
  for (int64_t j = 0; j < spec.k; ++j) {
    const uint64_t p = ars(ring_value(int128(signed_value(z[j], n)) * t, n), n, spec.f_out);
    const uint64_t u =
        ars(ring_value(int128(signed_value(p, n)) * signed_value(gamma[j], n), n), n, spec.gamma_f);
    out[j] = beta == nullptr ? u : ring_value(int128(u) + beta[j], n);
  }
  return out;
}

// The real LayerNorm / RMSNorm of one row: (x - mean) / sqrt(var + eps) gamma + beta, or
// x / sqrt(mean(x^2) + eps) gamma.
inline std::vector<double> norm_row_exact(const std::vector<double>& x,
                                          const std::vector<double>& gamma,
                                          const std::vector<double>& beta, bool center,
                                          double epsilon) {
  const double k = static_cast<double>(x.size());
  double mean = 0;
  if (center) {
    for (double v : x) mean += v;
    mean /= k;
  }
  double square = 0;
  for (double v : x) square += (v - mean) * (v - mean);
  const double scale = 1 / std::sqrt(square / k + epsilon);
  std::vector<double> out;
  for (size_t j = 0; j < x.size(); ++j)
    out.push_back((x[j] - mean) * scale * gamma[j] + (beta.empty() ? 0 : beta[j]));
  return out;
}

// Rows of `rows` x k values at format {n, 12} with a scale typical of activations, in [-8, 8]:
// odd rows uniform, even rows Gaussian with a random offset in [-2, 2] and std in [0.25, 3].
inline std::vector<uint64_t> activation_rows(FixedPoint format, int64_t rows, int64_t k,
                                             std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uniform(-8, 8), offset(-2, 2), spread(0.25, 3);
  std::normal_distribution<double> normal;
  std::vector<uint64_t> xs;
  for (int64_t row = 0; row < rows; ++row) {
    const double center = offset(rng), scale = spread(rng);
    for (int64_t j = 0; j < k; ++j) {
      const double v = row % 2 ? uniform(rng) : std::clamp(center + scale * normal(rng), -8.0, 8.0);
      xs.push_back(format.encode(v));
    }
  }
  return xs;
}

// What `call` throws: error_kind_name of its fss::Error ("invalid argument", ...) or "nothing".
template <typename Call>
std::string thrown_kind(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return error_kind_name(e.kind());
  }
  return "nothing";
}

}  // namespace fss::sigma::reference

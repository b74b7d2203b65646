#include "sigma/rsqrt.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/bitpack.h"
#include "core/error.h"
#include "core/ring.h"
#include "mpc/gate_keys.h"
#include "mpc/lut.h"
#include "mpc/truncate_reduce.h"
#include "sigma/drelu.h"
#include "sigma/last_axis_linear.h"

namespace fss::sigma {
namespace {

// Exponent field of the table index: e <= n - 2 <= 62.
constexpr int kExponentIndexBits = 6;

}  // namespace

NormalizeByExponentGate::NormalizeByExponentGate(FixedPoint input, int exponent_bits)
    : input_(input), exponent_bits_(exponent_bits) {
  input_.validate();
  const int thresholds = input.n - 2;
  if (input.n < 3 || exponent_bits < 1 || exponent_bits > 64 ||
      (exponent_bits < 63 && (uint64_t{1} << exponent_bits) <= static_cast<uint64_t>(thresholds)))
    fail(ErrorKind::kInvalidArgument,
         "normalize_by_exponent: needs n >= 3 and n - 2 < 2^w <= 2^64; got n = {}, w = {}", input.n,
         exponent_bits);
}

std::string NormalizeByExponentGate::describe() const {
  return fmt::format("normalize_by_exponent(n={}, w={})", input_.n, exponent_bits_);
}

std::vector<FixedPoint> NormalizeByExponentGate::input_formats() const {
  std::vector<FixedPoint> formats(input_.n - 1, FixedPoint{1, 0});
  formats[0] = input_;
  return formats;
}

std::vector<FixedPoint> NormalizeByExponentGate::output_formats() const {
  return {FixedPoint{input_.n, 0}, FixedPoint{exponent_bits_, 0}};
}

int NormalizeByExponentGate::bit_mask_bits(int i) const { return std::max(i + 2, exponent_bits_); }

uint64_t NormalizeByExponentGate::key_bytes(uint64_t count) const {
  uint64_t bytes = 2 * packed_bytes(count, input_.n) + packed_bytes(count, exponent_bits_);
  for (int i = 1; i <= input_.n - 2; ++i)
    bytes += packed_bytes(count, bit_mask_bits(i)) + packed_bytes(count, i + 2);
  return bytes;
}

void NormalizeByExponentGate::clear(InColumns in, OutColumns out) const {
  const int thresholds = input_.n - 2;  // K
  const Ring ring = input_.ring();
  const Ring exponent_ring{exponent_bits_};
  for (size_t j = 0; j < in[0].size(); ++j) {
    uint64_t v = uint64_t{1} << thresholds, e = 0;
    for (int i = 1; i <= thresholds; ++i) {
      v -= in[i][j] << (thresholds - i);
      e += in[i][j];
    }
    out[0][j] = ring.mul(in[0][j], v);
    out[1][j] = exponent_ring.mod(e);
  }
}

void NormalizeByExponentGate::gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
                                  ByteWriter& key1) const {
  const size_t count = r_in[0].size();
  const int n = input_.n;
  const Ring ring = input_.ring();
  ByteWriter* keys[2] = {&key0, &key1};
  auto write_shares = [&](std::span<const uint64_t> values, int bits) {
    const SharePair shares = share_values(prg, values, bits);
    for (int b = 0; b < 2; ++b) write_packed(*keys[b], shares.party[b], bits);
  };
  write_shares(r_in[0], n);
  write_shares(r_out[0], n);
  write_shares(r_out[1], exponent_bits_);
  std::vector<uint64_t> rho(count), cross(count);
  for (int i = 1; i <= n - 2; ++i) {
    const Ring cross_ring{i + 2};
    for (size_t j = 0; j < count; ++j) {
      rho[j] = r_in[i][j];
      cross[j] = cross_ring.mod(ring.mul(r_in[0][j], r_in[i][j]));
    }
    write_shares(rho, bit_mask_bits(i));
    write_shares(cross, i + 2);
  }
}

void NormalizeByExponentGate::eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
                                   Opener&) const {
  const size_t count = x_hat[0].size();
  const int n = input_.n, thresholds = n - 2;
  const Ring ring = input_.ring();
  const Ring exponent_ring{exponent_bits_};
  const Words r_x = read_packed(key, count, n, "input mask share");
  const Words r_y = read_packed(key, count, n, "normalized output mask share");
  const Words r_e = read_packed(key, count, exponent_bits_, "exponent output mask share");
  // Accumulated over i: y's and e's shares without the terms in v^, which need every c^_i.
  std::vector<uint64_t> y(count, 0), e(count, 0), v_hat(count, uint64_t{1} << thresholds);
  for (int i = 1; i <= thresholds; ++i) {
    const Words rho = read_packed(key, count, bit_mask_bits(i), "bit mask share");
    const Words cross = read_packed(key, count, i + 2, "mask product share");
    const int shift = thresholds - i;
    for (size_t j = 0; j < count; ++j) {
      const uint64_t c_hat = x_hat[i][j];
      const uint64_t sign = 1 - 2 * c_hat;    // s_i = +-1 mod 2^64
      const uint64_t weight = sign << shift;  // w_i
      y[j] += weight * (cross[j] - x_hat[0][j] * rho[j]);
      e[j] += party * c_hat + sign * rho[j];
      v_hat[j] -= c_hat << shift;
    }
  }
  for (size_t j = 0; j < count; ++j) {
    const uint64_t public_part = party == 0 ? x_hat[0][j] * v_hat[j] : 0;
    share[0][j] = ring.mod(public_part + y[j] - v_hat[j] * r_x[j] + r_y[j]);
    share[1][j] = exponent_ring.mod(e[j] + r_e[j]);
  }
}

void validate_rec_sqrt(FixedPoint input, const RecSqrtParams& params) {
  input.validate();
  const int m = params.mantissa_bits;
  if (m < 1 || m > 14 || input.n < m + 3 || params.output_frac_bits < 0 ||
      params.output_frac_bits >= input.n || !std::isfinite(params.divisor) || params.divisor <= 0)
    fail(ErrorKind::kInvalidArgument,
         "rsqrt: needs 1 <= M <= 14, n >= M + 3, 0 <= f_out < n and a finite divisor > 0; got "
         "n = {}, M = {}, f_out = {}, divisor = {}",
         input.n, m, params.output_frac_bits, params.divisor);
}

std::vector<uint64_t> rec_sqrt_table(FixedPoint input, const RecSqrtParams& params) {
  validate_rec_sqrt(input, params);
  const int m_bits = params.mantissa_bits;
  const Ring out_ring{input.n};
  const double clip = std::ldexp(1.0, input.n - 1) - 1;
  const double scale = params.divisor * std::ldexp(1.0, input.f);  // d 2^{f_in}
  auto g = [&](double u) { return std::ldexp(std::sqrt(scale / u), params.output_frac_bits); };
  std::vector<uint64_t> table(size_t{1} << (m_bits + kExponentIndexBits), 0);
  for (uint64_t m = 0; m < (uint64_t{1} << m_bits); ++m) {
    for (int e = 0; e <= input.n - 2; ++e) {
      const double lo = std::ldexp(static_cast<double>((uint64_t{1} << m_bits) + m), e - m_bits);
      const double hi = e >= m_bits ? lo + std::ldexp(1.0, e - m_bits) - 1 : lo;
      const double entry = std::min(std::round((g(lo) + g(hi)) / 2), clip);
      table[(m << kExponentIndexBits) + e] = out_ring.from_signed(static_cast<int64_t>(entry));
    }
  }
  return table;
}

Shared rec_sqrt(Engine& engine, const Masked& x, const RecSqrtParams& params) {
  const FixedPoint format = x.value.fixed_point();
  std::vector<uint64_t> table = rec_sqrt_table(format, params);
  const int n = format.n, thresholds = n - 2, m_bits = params.mantissa_bits;
  const int index_bits = m_bits + kExponentIndexBits;

  // 1. The thermometer code of e: c_i = DReLU_n(x - 2^i).
  std::vector<int64_t> offsets;
  for (int i = 1; i <= thresholds; ++i) offsets.push_back(-(int64_t{1} << i));
  const Masked* drelu_input[] = {&x};
  const std::vector<Shared> bit_shares =
      engine.apply(DreluGate(format, n, std::move(offsets)), drelu_input);
  const std::vector<Masked> bits = open_stacked(engine, bit_shares, kRecSqrtBitsLabel);

  // 2. y = x 2^{K-e} and e.
  std::vector<const Masked*> normalize_inputs = {&x};
  for (const Masked& bit : bits) normalize_inputs.push_back(&bit);
  std::vector<Shared> normalized =
      engine.apply(NormalizeByExponentGate(format, index_bits), normalize_inputs);
  const Masked y = engine.open(normalized[0], kRecSqrtNormalizedLabel);

  // 3.-4. t = floor(y / 2^{K-M}) = 2^M + m; index = 64 t + e mod 2^{M+6} = 64 m + e.
  const TruncateReduceGate truncate(y.value.fixed_point(), thresholds - m_bits);
  const FixedPoint index_format{index_bits, 0};
  const Shared index =
      add(shift_into(engine.apply(truncate, y), kExponentIndexBits, index_format), normalized[1]);
  const Masked index_hat = engine.open(index, kRecSqrtIndexLabel);

  // 5. The table.
  const LutGate lut(kRecSqrtTable, index_format, {n, params.output_frac_bits}, std::move(table));
  return engine.apply(lut, index_hat);
}

}  // namespace fss::sigma

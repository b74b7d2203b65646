#include "sigma/layernorm.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>

#include "core/bitpack.h"
#include "core/error.h"
#include "core/ring.h"
#include "mpc/gate_keys.h"
#include "sigma/gap_truncation.h"
#include "sigma/last_axis_linear.h"
#include "sigma/matmul.h"
#include "sigma/mul.h"
#include "sigma/rsqrt.h"

namespace fss::sigma {
namespace {

int64_t row_length(const Masked& x, const std::string& name) {
  const Shape& shape = x.value.shape();
  if (shape.rank() == 0 || shape[shape.rank() - 1] < 1)
    fail(ErrorKind::kInvalidArgument, "{}: needs rows [..., k] with k >= 1, got {}", name,
         shape.to_string());
  return shape[shape.rank() - 1];
}

int ceil_log2(int64_t k) { return std::bit_width(static_cast<uint64_t>(k - 1)); }

bool is_suffix(const Shape& inner, const Shape& outer) {
  const auto& a = inner.dims();
  const auto& b = outer.dims();
  return a.size() <= b.size() && std::equal(a.rbegin(), a.rend(), b.rbegin());
}

// gamma scales rows of `format` (the normalized p's); a product of scale f + f_g, truncated by f_g.
void check_gamma(const Shape& gamma, FixedPoint gamma_format, const Shape& rows, FixedPoint format,
                 const std::string& name) {
  if (!is_suffix(gamma, rows) || gamma_format.n != format.n || gamma_format.f < 1 ||
      gamma_format.f > format.n - 2 || format.f + gamma_format.f >= format.n)
    fail(ErrorKind::kInvalidArgument,
         "{}: gamma {} ({}) does not fit rows {} ({}): needs a suffix shape, the same n and "
         "1 <= f_g <= n - 2, f + f_g < n",
         name, gamma.to_string(), gamma_format.to_string(), rows.to_string(), format.to_string());
}

void check_beta(const Shape& beta, FixedPoint beta_format, const Shape& rows, FixedPoint format,
                const std::string& name) {
  if (!is_suffix(beta, rows) || beta_format != format)
    fail(ErrorKind::kInvalidArgument,
         "{}: beta {} ({}) does not fit rows {} ({}): needs a suffix shape and the same format",
         name, beta.to_string(), beta_format.to_string(), rows.to_string(), format.to_string());
}

// f_m, checked against the format.
int mean_shift(const Masked& x, const NormOptions& options, const std::string& name) {
  const FixedPoint format = x.value.fixed_point();
  const int shift = options.mean_shift.value_or(format.f + ceil_log2(row_length(x, name)));
  if (shift < 1 || shift > format.n - 2 || format.f + shift >= format.n)
    fail(ErrorKind::kInvalidArgument,
         "{}: mean shift f_m = {} must satisfy 1 <= f_m <= n - 2 and f + f_m < n ({})", name, shift,
         format.to_string());
  return shift;
}

// f_out, checked against the format: Mul(z, t) must fit and stay in GapARS's gap, with
// |z_j| t <= sqrt(s) 2^{f_out} sqrt(k 2^{2f} / s) (1 + 2^-M).
int rsqrt_frac_bits(const Masked& z, const NormOptions& options, const std::string& name) {
  const FixedPoint format = z.value.fixed_point();
  const int64_t k = row_length(z, name);
  const int f = format.f, frac_out = options.rsqrt_frac_bits.value_or(f);
  const double product_bound = std::sqrt(static_cast<double>(k)) * std::ldexp(1.0, f + frac_out) *
                               (1 + std::ldexp(1.0, -options.mantissa_bits));
  if (frac_out < 0 || f + frac_out >= format.n || product_bound >= std::ldexp(1.0, format.n - 2))
    fail(ErrorKind::kInvalidArgument,
         "{}: rsqrt scale f_out = {} does not fit: needs f + f_out < n and sqrt(k) 2^(f + f_out) "
         "(1 + 2^-M) < 2^(n-2) (k = {}, {})",
         name, frac_out, k, format.to_string());
  return frac_out;
}

// eps' = max(1, round(eps k 2^{2f})), the integer added to the sum of squares.
uint64_t epsilon_term(const Masked& z, const NormOptions& options, const std::string& name) {
  const FixedPoint format = z.value.fixed_point();
  const double scaled =
      options.epsilon * static_cast<double>(row_length(z, name)) * std::ldexp(1.0, 2 * format.f);
  if (!std::isfinite(scaled) || scaled < 0 || scaled >= std::ldexp(1.0, format.n - 2))
    fail(ErrorKind::kInvalidArgument, "{}: epsilon {} is negative or too large for {}", name,
         options.epsilon, format.to_string());
  return std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(scaled)));
}

// Every check of divide_by_rms, before any gate runs.
void check_rms_options(const Masked& z, const NormOptions& options, const std::string& name) {
  const FixedPoint format = z.value.fixed_point();
  RowSumOfSquaresGate(format, row_length(z, name));  // its constructor checks 2f < n
  epsilon_term(z, options, name);
  validate_rec_sqrt({format.n, 2 * format.f},
                    {.output_frac_bits = rsqrt_frac_bits(z, options, name),
                     .divisor = static_cast<double>(row_length(z, name)),
                     .mantissa_bits = options.mantissa_bits});
}

constexpr const char* kLayerNorm = "layernorm";

// Every check of layernorm, before any gate runs.
void check_layernorm(const Masked& x, const Shape& gamma, FixedPoint gamma_format,
                     const Shape& beta, FixedPoint beta_format, const NormOptions& options) {
  mean_shift(x, options, kLayerNorm);
  check_rms_options(x, options, kLayerNorm);
  check_gamma(gamma, gamma_format, x.value.shape(), x.value.fixed_point(), kLayerNorm);
  check_beta(beta, beta_format, x.value.shape(), x.value.fixed_point(), kLayerNorm);
}

// Step 1: z = x - floor(round(2^{f_m} / k) sum_j x_j / 2^{f_m}).
Masked subtract_mean(Engine& engine, const Masked& x, const NormOptions& options,
                     const std::string& name) {
  const FixedPoint format = x.value.fixed_point();
  const int64_t k = row_length(x, name);
  const int shift = mean_shift(x, options, name);
  const uint64_t multiplier =
      static_cast<uint64_t>(std::llround(std::ldexp(1.0, shift) / static_cast<double>(k)));
  const Masked scaled_sum =
      scale_public(sum_last_axis(x), multiplier, {format.n, format.f + shift});
  const Masked mean =
      engine.open(gap_ars(engine, scaled_sum, shift), norm_open_label(name, kNormMeanStep));
  return sub(x, repeat_last_axis(mean, k));
}

}  // namespace

RowSumOfSquaresGate::RowSumOfSquaresGate(FixedPoint input, int64_t k)
    : input_(input), output_{input.n, 2 * input.f}, k_(k) {
  input_.validate();
  if (k < 1 || 2 * input.f >= input.n)
    fail(ErrorKind::kInvalidArgument, "row_sum_of_squares: needs k >= 1 and 2f < n; got k = {}, {}",
         k, input.to_string());
}

std::string RowSumOfSquaresGate::describe() const {
  return fmt::format("row_sum_of_squares(n={}, k={})", input_.n, k_);
}

std::vector<Shape> RowSumOfSquaresGate::output_shapes(std::span<const Shape> inputs) const {
  if (inputs.size() != 1)
    fail(ErrorKind::kInvalidArgument, "{}: takes one input, got {}", describe(), inputs.size());
  const Shape& shape = inputs[0];
  if (shape.rank() == 0 || shape[shape.rank() - 1] != k_)
    fail(ErrorKind::kInvalidArgument, "{}: input {} is not [..., {}]", describe(),
         shape.to_string(), k_);
  std::vector<int64_t> dims = shape.dims();
  dims.back() = 1;
  return {Shape(std::move(dims))};
}

uint64_t RowSumOfSquaresGate::key_bytes(uint64_t count) const {
  return packed_bytes(count * k_, input_.n) + packed_bytes(count, input_.n);
}

void RowSumOfSquaresGate::clear(InColumns in, OutColumns out) const {
  const Ring ring = input_.ring();
  for (size_t row = 0; row < out[0].size(); ++row) {
    uint64_t sum = 0;
    for (int64_t j = 0; j < k_; ++j) sum += in[0][row * k_ + j] * in[0][row * k_ + j];
    out[0][row] = ring.mod(sum);
  }
}

void RowSumOfSquaresGate::gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
                              ByteWriter& key1) const {
  const Ring ring = input_.ring();
  std::vector<uint64_t> constants(r_out[0].size());
  for (size_t row = 0; row < constants.size(); ++row) {
    uint64_t sum = r_out[0][row];
    for (int64_t j = 0; j < k_; ++j) sum += r_in[0][row * k_ + j] * r_in[0][row * k_ + j];
    constants[row] = ring.mod(sum);
  }
  const SharePair masks = share_values(prg, r_in[0], input_.n);
  const SharePair constant_shares = share_values(prg, constants, input_.n);
  ByteWriter* keys[2] = {&key0, &key1};
  for (int b = 0; b < 2; ++b) {
    write_packed(*keys[b], masks.party[b], input_.n);
    write_packed(*keys[b], constant_shares.party[b], input_.n);
  }
}

void RowSumOfSquaresGate::eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
                               Opener&) const {
  const size_t rows = share[0].size();
  const Ring ring = input_.ring();
  const Words masks = read_packed(key, rows * k_, input_.n, "input mask share");
  const Words constants = read_packed(key, rows, input_.n, "squared mask sum share");
  for (size_t row = 0; row < rows; ++row) {
    uint64_t sum = constants[row];
    for (int64_t j = 0; j < k_; ++j) {
      const uint64_t x = x_hat[0][row * k_ + j];
      sum += (party == 0 ? x * x : 0) - 2 * x * masks[row * k_ + j];
    }
    share[0][row] = ring.mod(sum);
  }
}

std::string norm_open_label(const std::string& name, const char* step) {
  return fmt::format("{}: {}", name, step);
}

Shared divide_by_rms(Engine& engine, const Masked& z, const NormOptions& options,
                     const std::string& name) {
  check_rms_options(z, options, name);
  const FixedPoint format = z.value.fixed_point();
  const int64_t k = row_length(z, name);
  const int frac_out = rsqrt_frac_bits(z, options, name);

  Shared s = engine.apply(RowSumOfSquaresGate(format, k), z);
  engine.add_public(
      s, Tensor::filled(s.value.shape(), s.value.fixed_point(), epsilon_term(z, options, name)));
  const Masked s_hat = engine.open(s, norm_open_label(name, kNormSumOfSquaresStep));

  const RecSqrtParams params{.output_frac_bits = frac_out,
                             .divisor = static_cast<double>(k),
                             .mantissa_bits = options.mantissa_bits};
  const Masked t = repeat_last_axis(engine.open(options.reciprocal_sqrt(engine, s_hat, params),
                                                norm_open_label(name, kNormRecSqrtStep)),
                                    k);
  const Masked product = engine.open(mul(engine, z, t), norm_open_label(name, kNormProductStep));
  return gap_ars(engine, product, frac_out);
}

void check_norm_gamma(const Shape& gamma, FixedPoint gamma_format, const Masked& x,
                      const std::string& name) {
  check_gamma(gamma, gamma_format, x.value.shape(), x.value.fixed_point(), name);
}

Shared scale_by_weight(Engine& engine, const Shared& p, const Tensor& gamma,
                       const std::string& name) {
  check_gamma(gamma.shape(), gamma.fixed_point(), p.value.shape(), p.value.fixed_point(), name);
  const Masked p_hat = engine.open(p, norm_open_label(name, kNormNormalizedStep));
  return gap_ars(engine, multiply_public(p_hat, gamma), gamma.fixed_point().f);
}

Shared scale_by_weight(Engine& engine, const Shared& p, const Masked& gamma,
                       const std::string& name) {
  const Tensor& g = gamma.value;
  check_gamma(g.shape(), g.fixed_point(), p.value.shape(), p.value.fixed_point(), name);
  const Masked p_hat = engine.open(p, norm_open_label(name, kNormNormalizedStep));
  const Masked product =
      engine.open(mul(engine, p_hat, repeat_to_shape(gamma, p_hat.value.shape())),
                  norm_open_label(name, kNormWeightedStep));
  return gap_ars(engine, product, g.fixed_point().f);
}

Shared layernorm(Engine& engine, const Masked& x, const Tensor& gamma, const Tensor& beta,
                 const NormOptions& options) {
  check_layernorm(x, gamma.shape(), gamma.fixed_point(), beta.shape(), beta.fixed_point(), options);
  const Shared p =
      divide_by_rms(engine, subtract_mean(engine, x, options, kLayerNorm), options, kLayerNorm);
  return add_bias(engine, scale_by_weight(engine, p, gamma, kLayerNorm), beta);
}

Shared layernorm(Engine& engine, const Masked& x, const Masked& gamma, const Masked& beta,
                 const NormOptions& options) {
  check_layernorm(x, gamma.value.shape(), gamma.value.fixed_point(), beta.value.shape(),
                  beta.value.fixed_point(), options);
  const Shared p =
      divide_by_rms(engine, subtract_mean(engine, x, options, kLayerNorm), options, kLayerNorm);
  const Shared u = scale_by_weight(engine, p, gamma, kLayerNorm);
  return add(u, engine.share_of(repeat_to_shape(beta, x.value.shape())));
}

}  // namespace fss::sigma

#include "sigma/matmul.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/bitpack.h"
#include "core/error.h"
#include "crypto/backend.h"
#include "mpc/gate_keys.h"

namespace fss::sigma {
namespace {

// c = a * b mod 2^n.
void ring_matmul(std::span<const uint64_t> a, std::span<const uint64_t> b, std::span<uint64_t> c,
                 const MatmulDims& dims, Ring ring) {
  backend().matmul(a, b, c, dims);
  for (uint64_t& value : c) value = ring.mod(value);
}

MatmulDims core_dims(const MatmulShape& shape) {
  return {shape.batch, shape.rows, shape.inner, shape.cols, shape.batched_weights};
}

FixedPoint product_format(FixedPoint x, FixedPoint w, const char* op) {
  x.validate();
  w.validate();
  if (x.n != w.n)
    fail(ErrorKind::kInvalidArgument, "{}: operand widths differ ({} and {})", op, x.to_string(),
         w.to_string());
  if (x.f + w.f >= x.n)
    fail(ErrorKind::kInvalidArgument, "{}: product scale f = {} + {} does not fit n = {}", op, x.f,
         w.f, x.n);
  return {x.n, x.f + w.f};
}

// A public x [B, M, K] times w [K, N], the same for every engine's wire.
Tensor multiply_by_public(const Tensor& x, const Tensor& w) {
  const FixedPoint format = product_format(x.fixed_point(), w.fixed_point(), "matmul_public");
  if (x.shape().rank() != 3 || w.shape().rank() != 2 || w.shape()[0] != x.shape()[2])
    fail(ErrorKind::kInvalidArgument,
         "matmul_public: cannot multiply {} by {}; expected [B, M, K] times [K, N]",
         x.shape().to_string(), w.shape().to_string());
  const MatmulDims dims{x.shape()[0], x.shape()[1], x.shape()[2], w.shape()[1]};
  Tensor out(Shape{dims.batch, dims.rows, dims.cols}, format);
  ring_matmul(x.data(), w.data(), out.data(), dims, format.ring());
  return out;
}

// The bias repeated over x's leading dimensions.
Tensor broadcast_bias(const Tensor& x, const Tensor& bias) {
  const std::vector<int64_t>& dims = x.shape().dims();
  const std::vector<int64_t>& suffix = bias.shape().dims();
  const bool is_suffix = suffix.size() <= dims.size() &&
                         std::equal(suffix.begin(), suffix.end(), dims.end() - suffix.size());
  if (!is_suffix || bias.fixed_point() != x.fixed_point())
    fail(ErrorKind::kInvalidArgument,
         "add_bias: bias {} ({}) does not fit {} ({}); its shape must end x's, formats equal",
         bias.shape().to_string(), bias.fixed_point().to_string(), x.shape().to_string(),
         x.fixed_point().to_string());
  Tensor out = Tensor::for_overwrite(x.shape(), x.fixed_point());
  for_each_index(out.size(), [&](size_t i) { out[i] = bias[i % bias.size()]; });
  return out;
}

}  // namespace

MatmulGate::MatmulGate(FixedPoint x, FixedPoint w, MatmulShape shape)
    : x_(x), w_(w), output_(product_format(x, w, "matmul")), shape_(shape) {
  if (shape.batch < 1 || shape.rows < 1 || shape.inner < 1 || shape.cols < 1)
    fail(ErrorKind::kInvalidArgument, "matmul: dimensions must be >= 1, got {} x {}",
         x_shape().to_string(), w_shape().to_string());
}

GateKind MatmulGate::kind() const {
  return shape_.batched_weights ? GateKind::kMatmulBatched : GateKind::kMatmul;
}

std::string MatmulGate::describe() const {
  return fmt::format("{}(n={}, f={}+{}, {} x {})", gate_kind_name(kind()), x_.n, x_.f, w_.f,
                     x_shape().to_string(), w_shape().to_string());
}

Shape MatmulGate::x_shape() const { return {shape_.batch, shape_.rows, shape_.inner}; }

Shape MatmulGate::w_shape() const {
  if (shape_.batched_weights) return {shape_.batch, shape_.inner, shape_.cols};
  return {shape_.inner, shape_.cols};
}

std::vector<Shape> MatmulGate::output_shapes(std::span<const Shape> inputs) const {
  if (inputs.size() != 2 || inputs[0] != x_shape() || inputs[1] != w_shape())
    fail(ErrorKind::kInvalidArgument, "{}: got inputs {} x {}", describe(),
         inputs.size() > 0 ? inputs[0].to_string() : "none",
         inputs.size() > 1 ? inputs[1].to_string() : "none");
  return {Shape{shape_.batch, shape_.rows, shape_.cols}};
}

uint64_t MatmulGate::key_bytes(uint64_t count) const {
  const MatmulDims dims = core_dims(shape_);
  FSS_CHECK(count == dims.out_size(), "{}: {} outputs", describe(), count);
  return packed_bytes(dims.left_size(), x_.n) + packed_bytes(dims.right_size(), x_.n) +
         packed_bytes(dims.out_size(), x_.n);
}

void MatmulGate::clear(InColumns in, OutColumns out) const {
  ring_matmul(in[0], in[1], out[0], core_dims(shape_), output_.ring());
}

void MatmulGate::gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
                     ByteWriter& key1) const {
  const Ring ring = output_.ring();
  std::vector<uint64_t> correlation(r_out[0].size());
  ring_matmul(r_in[0], r_in[1], correlation, core_dims(shape_), ring);
  for (size_t i = 0; i < correlation.size(); ++i)
    correlation[i] = ring.add(correlation[i], r_out[0][i]);
  const SharePair r_x = share_values(prg, r_in[0], ring.n);
  const SharePair r_w = share_values(prg, r_in[1], ring.n);
  const SharePair c = share_values(prg, correlation, ring.n);
  ByteWriter* keys[2] = {&key0, &key1};
  for (int b = 0; b < 2; ++b) {
    write_packed(*keys[b], r_x.party[b], ring.n);
    write_packed(*keys[b], r_w.party[b], ring.n);
    write_packed(*keys[b], c.party[b], ring.n);
  }
}

void MatmulGate::eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
                      Opener&) const {
  const MatmulDims dims = core_dims(shape_);
  const int n = output_.n;
  // A braced list reads the fields in order.
  const MaskedMatmulKey fields{
      n, read_packed_values(key, dims.left_size(), n, "share of R_X"),
      read_packed_values(key, dims.right_size(), n, "share of R_W"),
      read_packed_values(key, dims.out_size(), n, "share of R_X R_W + r_out")};
  backend().masked_matmul(party, fields, x_hat[0], x_hat[1], share[0], dims);
}

Shared matmul(Engine& engine, const Masked& x, const Masked& w) {
  const Shape& xs = x.value.shape();
  const Shape& ws = w.value.shape();
  const bool batched = ws.rank() == 3;
  const bool fits = xs.rank() == 3 && (ws.rank() == 2 || (batched && ws[0] == xs[0])) &&
                    ws[batched ? 1 : 0] == xs[2];
  if (!fits)
    fail(ErrorKind::kInvalidArgument,
         "matmul: cannot multiply {} by {}; expected [B, M, K] times [K, N] or [B, K, N]",
         xs.to_string(), ws.to_string());
  const MatmulGate gate(x.value.fixed_point(), w.value.fixed_point(),
                        {xs[0], xs[1], xs[2], ws[batched ? 2 : 1], batched});
  return engine.apply(gate, x, w);
}

Masked matmul_public(const Masked& x, const Tensor& w) { return {multiply_by_public(x.value, w)}; }

Shared matmul_public(const Shared& x, const Tensor& w) { return {multiply_by_public(x.value, w)}; }

Masked add_bias(Engine& engine, const Masked& x, const Tensor& bias) {
  const Tensor repeated = broadcast_bias(x.value, bias);
  // The dealer's wire holds the mask, which a public offset leaves as it is.
  if (engine.kind() == Engine::Kind::kDealer) return x;
  return add(x, Masked{repeated});
}

Shared add_bias(Engine& engine, const Shared& x, const Tensor& bias) {
  Shared out = x;
  engine.add_public(out, broadcast_bias(x.value, bias));
  return out;
}

}  // namespace fss::sigma

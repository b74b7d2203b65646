#include "sigma/mul.h"

#include <fmt/format.h>

#include "core/bitpack.h"
#include "core/error.h"
#include "core/ring.h"
#include "mpc/gate_keys.h"
#include "sigma/gap_truncation.h"

namespace fss::sigma {
namespace {

// The product's format, or kInvalidArgument if its scale does not fit the ring.
FixedPoint product_format(const char* gate, FixedPoint a, FixedPoint b) {
  a.validate();
  b.validate();
  if (a.n != b.n)
    fail(ErrorKind::kInvalidArgument, "{}: operands have ring widths {} and {}", gate, a.n, b.n);
  if (a.f + b.f >= a.n)
    fail(ErrorKind::kInvalidArgument, "{}: product scale {} + {} does not fit n = {}", gate, a.f,
         b.f, a.n);
  return {a.n, a.f + b.f};
}

}  // namespace

MulGate::MulGate(FixedPoint a, FixedPoint b) : a_(a), b_(b), output_(product_format("mul", a, b)) {}

std::string MulGate::describe() const { return fmt::format("mul(n={})", output_.n); }

uint64_t MulGate::key_bytes(uint64_t count) const { return 3 * packed_bytes(count, output_.n); }

void MulGate::clear(InColumns in, OutColumns out) const {
  const Ring ring = output_.ring();
  for (size_t i = 0; i < in[0].size(); ++i) out[0][i] = ring.mul(in[0][i], in[1][i]);
}

void MulGate::gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
                  ByteWriter& key1) const {
  const size_t count = r_in[0].size();
  const int n = output_.n;
  const Ring ring = output_.ring();
  std::vector<uint64_t> cross(count);
  for (size_t i = 0; i < count; ++i)
    cross[i] = ring.add(ring.mul(r_in[0][i], r_in[1][i]), r_out[0][i]);
  const SharePair r_a = share_values(prg, r_in[0], n);
  const SharePair r_b = share_values(prg, r_in[1], n);
  const SharePair r_ab = share_values(prg, cross, n);
  ByteWriter* keys[2] = {&key0, &key1};
  for (int b = 0; b < 2; ++b) {
    write_packed(*keys[b], r_a.party[b], n);
    write_packed(*keys[b], r_b.party[b], n);
    write_packed(*keys[b], r_ab.party[b], n);
  }
}

void MulGate::eval(int party, ByteReader& key, InColumns x_hat, OutColumns share, Opener&) const {
  const size_t count = x_hat[0].size();
  const int n = output_.n;
  const Ring ring = output_.ring();
  const std::span<const uint8_t> r_a = read_packed_bytes(key, count, n, "first input mask");
  const std::span<const uint8_t> r_b = read_packed_bytes(key, count, n, "second input mask");
  const std::span<const uint8_t> r_ab = read_packed_bytes(key, count, n, "mask product");
  for_each_block(count, [&](size_t first, size_t size) {
    uint64_t a[kBlockElements], b[kBlockElements], ab[kBlockElements];
    unpack_block(r_a, n, first, {a, size});
    unpack_block(r_b, n, first, {b, size});
    unpack_block(r_ab, n, first, {ab, size});
    for (size_t k = 0; k < size; ++k) {
      const uint64_t a_hat = x_hat[0][first + k], b_hat = x_hat[1][first + k];
      const uint64_t public_part = party == 0 ? ring.mul(a_hat, b_hat) : 0;
      const uint64_t cross = ring.add(ring.mul(a_hat, b[k]), ring.mul(b_hat, a[k]));
      share[0][first + k] = ring.add(ring.sub(public_part, cross), ab[k]);
    }
  });
}

SquareGate::SquareGate(FixedPoint input)
    : input_(input), output_(product_format("square", input, input)) {}

std::string SquareGate::describe() const { return fmt::format("square(n={})", output_.n); }

uint64_t SquareGate::key_bytes(uint64_t count) const { return 2 * packed_bytes(count, output_.n); }

void SquareGate::clear(InColumns in, OutColumns out) const {
  const Ring ring = output_.ring();
  for (size_t i = 0; i < in[0].size(); ++i) out[0][i] = ring.mul(in[0][i], in[0][i]);
}

void SquareGate::gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
                     ByteWriter& key1) const {
  const size_t count = r_in[0].size();
  const int n = output_.n;
  const Ring ring = output_.ring();
  std::vector<uint64_t> r_squared(count);
  for (size_t i = 0; i < count; ++i)
    r_squared[i] = ring.add(ring.mul(r_in[0][i], r_in[0][i]), r_out[0][i]);
  const SharePair r = share_values(prg, r_in[0], n);
  const SharePair r2 = share_values(prg, r_squared, n);
  ByteWriter* keys[2] = {&key0, &key1};
  for (int b = 0; b < 2; ++b) {
    write_packed(*keys[b], r.party[b], n);
    write_packed(*keys[b], r2.party[b], n);
  }
}

void SquareGate::eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
                      Opener&) const {
  const size_t count = x_hat[0].size();
  const int n = output_.n;
  const Ring ring = output_.ring();
  const std::span<const uint8_t> r = read_packed_bytes(key, count, n, "input mask");
  const std::span<const uint8_t> r2 = read_packed_bytes(key, count, n, "mask square");
  for_each_block(count, [&](size_t first, size_t size) {
    uint64_t mask[kBlockElements], square[kBlockElements];
    unpack_block(r, n, first, {mask, size});
    unpack_block(r2, n, first, {square, size});
    for (size_t k = 0; k < size; ++k) {
      const uint64_t x = x_hat[0][first + k];
      const uint64_t public_part = party == 0 ? ring.mul(x, x) : 0;
      share[0][first + k] = ring.add(ring.sub(public_part, ring.mul(2 * x, mask[k])), square[k]);
    }
  });
}

Shared mul(Engine& engine, const Masked& a, const Masked& b) {
  return engine.apply(MulGate(a.value.fixed_point(), b.value.fixed_point()), a, b);
}

Shared square(Engine& engine, const Masked& x) {
  return engine.apply(SquareGate(x.value.fixed_point()), x);
}

Shared mul_truncate(Engine& engine, const Masked& a, const Masked& b, int f) {
  return gap_ars(engine, engine.open(mul(engine, a, b), "mul_truncate open"), f);
}

Shared square_truncate(Engine& engine, const Masked& x, int f) {
  return gap_ars(engine, engine.open(square(engine, x), "square_truncate open"), f);
}

}  // namespace fss::sigma

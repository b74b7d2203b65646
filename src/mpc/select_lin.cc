#include "mpc/select_lin.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/bitpack.h"
#include "core/error.h"
#include "mpc/gate_keys.h"

namespace fss {

SelectLinGate::SelectLinGate(FixedPoint value, Table alpha, Table beta)
    : value_(value), alpha_(alpha), beta_(beta) {
  value_.validate();
}

std::string SelectLinGate::describe() const {
  return fmt::format("select_lin(n={}, f={}, alpha=[{}], beta=[{}])", value_.n, value_.f,
                     fmt::join(alpha_, ", "), fmt::join(beta_, ", "));
}

uint64_t SelectLinGate::key_bytes(uint64_t count) const {
  return 8 * packed_bytes(count, value_.n);
}

void SelectLinGate::clear(InColumns in, OutColumns out) const {
  const Ring ring = value_.ring();
  for (size_t i = 0; i < in[0].size(); ++i) {
    const uint64_t j = 2 * in[0][i] + in[1][i];
    out[0][i] =
        ring.add(ring.mul(ring.from_signed(alpha_[j]), in[2][i]), ring.from_signed(beta_[j]));
  }
}

// Key layout: for j^ = 0..3, the packed shares of a(j^) and then of c(j^).
void SelectLinGate::gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
                        ByteWriter& key1) const {
  const size_t count = r_in[0].size();
  const Ring ring = value_.ring();
  ByteWriter* keys[2] = {&key0, &key1};
  std::vector<uint64_t> slope(count), constant(count);
  for (uint64_t j_hat = 0; j_hat < 4; ++j_hat) {
    for (size_t i = 0; i < count; ++i) {
      const uint64_t j = j_hat ^ (2 * r_in[0][i] + r_in[1][i]);
      slope[i] = ring.from_signed(alpha_[j]);
      constant[i] = ring.add(ring.sub(ring.from_signed(beta_[j]), ring.mul(slope[i], r_in[2][i])),
                             r_out[0][i]);
    }
    const SharePair slope_shares = share_values(prg, slope, value_.n);
    const SharePair constant_shares = share_values(prg, constant, value_.n);
    for (int b = 0; b < 2; ++b) {
      write_packed(*keys[b], slope_shares.party[b], value_.n);
      write_packed(*keys[b], constant_shares.party[b], value_.n);
    }
  }
}

void SelectLinGate::eval(int, ByteReader& key, InColumns x_hat, OutColumns share, Opener&) const {
  const size_t count = x_hat[0].size();
  const int n = value_.n;
  std::array<std::span<const uint8_t>, 4> slope, constant;
  for (int j_hat = 0; j_hat < 4; ++j_hat) {
    slope[j_hat] = read_packed_bytes(key, count, n, "select_lin slope share");
    constant[j_hat] = read_packed_bytes(key, count, n, "select_lin constant share");
  }
  const Ring ring = value_.ring();
  for_each_block(count, [&](size_t first, size_t size) {
    uint64_t a[4][kBlockElements], b[4][kBlockElements];
    for (int j_hat = 0; j_hat < 4; ++j_hat) {
      unpack_block(slope[j_hat], n, first, {a[j_hat], size});
      unpack_block(constant[j_hat], n, first, {b[j_hat], size});
    }
    for (size_t k = 0; k < size; ++k) {
      const size_t i = first + k;
      const uint64_t j_hat = 2 * x_hat[0][i] + x_hat[1][i];
      share[0][i] = select_lin_share(ring, x_hat[2][i], a[j_hat][k], b[j_hat][k]);
    }
  });
}

}  // namespace fss

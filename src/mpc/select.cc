#include "mpc/select.h"

#include <fmt/format.h>

#include "core/bitpack.h"
#include "core/error.h"
#include "mpc/gate_keys.h"

namespace fss {

SelectGate::SelectGate(FixedPoint value) : value_(value) { value_.validate(); }

std::string SelectGate::describe() const {
  return fmt::format("select(n={}, f={})", value_.n, value_.f);
}

uint64_t SelectGate::key_bytes(uint64_t count) const { return 3 * packed_bytes(count, value_.n); }

void SelectGate::clear(InColumns in, OutColumns out) const {
  for (size_t i = 0; i < in[0].size(); ++i) out[0][i] = in[0][i] ? in[1][i] : 0;
}

void SelectGate::gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
                     ByteWriter& key1) const {
  const size_t count = r_in[0].size();
  const Ring ring = value_.ring();
  std::vector<uint64_t> a0(count), a1(count);
  for (size_t i = 0; i < count; ++i) {
    const uint64_t r_s = r_in[0][i], r_x = r_in[1][i];
    const uint64_t product = ring.mul(r_s, r_x);
    a0[i] = ring.sub(r_out[0][i], product);
    a1[i] = ring.add(ring.sub(r_out[0][i], r_x), product);
  }
  const SharePair r_s = share_values(prg, r_in[0], value_.n);
  const SharePair a0_shares = share_values(prg, a0, value_.n);
  const SharePair a1_shares = share_values(prg, a1, value_.n);
  ByteWriter* keys[2] = {&key0, &key1};
  for (int b = 0; b < 2; ++b) {
    write_packed(*keys[b], r_s.party[b], value_.n);
    write_packed(*keys[b], a0_shares.party[b], value_.n);
    write_packed(*keys[b], a1_shares.party[b], value_.n);
  }
}

void SelectGate::eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
                      Opener&) const {
  const size_t count = x_hat[0].size();
  const int n = value_.n;
  const std::span<const uint8_t> r_s = read_packed_bytes(key, count, n, "select bit mask");
  const std::span<const uint8_t> a0 = read_packed_bytes(key, count, n, "select constant A_0");
  const std::span<const uint8_t> a1 = read_packed_bytes(key, count, n, "select constant A_1");
  const Ring ring = value_.ring();
  for_each_block(count, [&](size_t first, size_t size) {
    uint64_t s[kBlockElements], c0[kBlockElements], c1[kBlockElements];
    unpack_block(r_s, n, first, {s, size});
    unpack_block(a0, n, first, {c0, size});
    unpack_block(a1, n, first, {c1, size});
    for (size_t k = 0; k < size; ++k)
      share[0][first + k] =
          select_share(party, ring, x_hat[0][first + k], x_hat[1][first + k], s[k], c0[k], c1[k]);
  });
}

}  // namespace fss

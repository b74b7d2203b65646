#include "sigma/sign_extend.h"

#include <fmt/format.h>

#include "core/bitpack.h"
#include "core/error.h"
#include "core/ring.h"
#include "mpc/comparison_bit.h"
#include "mpc/gate_keys.h"

namespace fss::sigma {

SignExtendGate::SignExtendGate(FixedPoint input, int n) : input_(input), output_{n, input.f} {
  input_.validate();
  if (n <= input.n || n > 64)
    fail(ErrorKind::kInvalidArgument, "sign_extend: output width n = {} must lie in {}..64", n,
         input.n + 1);
}

std::string SignExtendGate::describe() const {
  return fmt::format("sign_extend(m={}, n={})", input_.n, output_.n);
}

uint64_t SignExtendGate::key_bytes(uint64_t count) const {
  return comparison_bit_key_bytes(count, input_.n, output_.n - input_.n) +
         packed_bytes(count, output_.n);
}

void SignExtendGate::clear(InColumns in, OutColumns out) const {
  for (size_t i = 0; i < in[0].size(); ++i)
    out[0][i] = fss::sign_extend(in[0][i], input_.n, output_.n);
}

void SignExtendGate::gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
                         ByteWriter& key1) const {
  const size_t count = r_in[0].size();
  const Ring out_ring = output_.ring();
  std::vector<uint64_t> out_correction(count);
  for (size_t i = 0; i < count; ++i) out_correction[i] = out_ring.sub(r_out[0][i], r_in[0][i]);
  gen_comparison_bit(r_in[0], input_.n, output_.n - input_.n, prg, key0, key1);
  const SharePair correction = share_values(prg, out_correction, output_.n);
  write_packed(key0, correction.party[0], output_.n);
  write_packed(key1, correction.party[1], output_.n);
}

void SignExtendGate::eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
                          Opener& opener) const {
  const size_t count = x_hat[0].size();
  const int m = input_.n;
  const Ring in_ring = input_.ring();
  const Ring out_ring = output_.ring();
  const uint64_t half = uint64_t{1} << (m - 1);

  // The wrap compares z^ = x^ + 2^{m-1} mod 2^m with the mask.
  const Words wrap = eval_comparison_bit(party, key, x_hat[0], half, m, output_.n - m, opener);
  const int n = output_.n;
  const std::span<const uint8_t> correction =
      read_packed_bytes(key, count, n, "output mask correction");

  for_each_block(count, [&](size_t first, size_t size) {
    uint64_t corr[kBlockElements];
    unpack_block(correction, n, first, {corr, size});
    for (size_t k = 0; k < size; ++k) {
      const size_t i = first + k;
      const uint64_t z_hat = in_ring.add(x_hat[0][i], half);
      const uint64_t public_part = party == 0 ? out_ring.sub(z_hat, half) : 0;
      const uint64_t wrap_term = out_ring.mul(wrap[i], uint64_t{1} << m);
      share[0][i] = out_ring.add(out_ring.add(public_part, wrap_term), corr[k]);
    }
  });
}

Shared sign_extend(Engine& engine, const Masked& x, int n) {
  return engine.apply(SignExtendGate(x.value.fixed_point(), n), x);
}

}  // namespace fss::sigma

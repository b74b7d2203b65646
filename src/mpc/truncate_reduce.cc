#include "mpc/truncate_reduce.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/bitpack.h"
#include "core/error.h"
#include "core/ring.h"
#include "mpc/comparison_bit.h"
#include "mpc/gate_keys.h"

namespace fss {

TruncateReduceGate::TruncateReduceGate(FixedPoint input, int f)
    : input_(input), output_{input.n - f, std::max(input.f - f, 0)}, f_(f) {
  input_.validate();
  if (f < 1 || f >= input.n)
    fail(ErrorKind::kInvalidArgument, "truncate_reduce: f = {} must lie in 1..n-1 (n = {})", f,
         input.n);
}

std::string TruncateReduceGate::describe() const {
  return fmt::format("truncate_reduce(n={}, f={})", input_.n, f_);
}

uint64_t TruncateReduceGate::key_bytes(uint64_t count) const {
  return comparison_bit_key_bytes(count, f_, output_.n) + packed_bytes(count, output_.n);
}

void TruncateReduceGate::clear(InColumns in, OutColumns out) const {
  const Ring ring = input_.ring();
  for (size_t i = 0; i < in[0].size(); ++i) out[0][i] = ring.truncate_reduce(in[0][i], f_);
}

void TruncateReduceGate::gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
                             ByteWriter& key1) const {
  const size_t count = r_in[0].size();
  const Ring low{f_};
  const Ring out_ring = output_.ring();
  std::vector<uint64_t> r_low(count), out_correction(count);
  for (size_t i = 0; i < count; ++i) {
    r_low[i] = low.mod(r_in[0][i]);
    out_correction[i] = out_ring.sub(r_out[0][i], input_.ring().lrs(r_in[0][i], f_));
  }
  gen_comparison_bit(r_low, f_, output_.n, prg, key0, key1);
  const SharePair correction = share_values(prg, out_correction, output_.n);
  write_packed(key0, correction.party[0], output_.n);
  write_packed(key1, correction.party[1], output_.n);
}

void TruncateReduceGate::eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
                              Opener& opener) const {
  const size_t count = x_hat[0].size();
  // The carry compares x^ mod 2^f with r mod 2^f.
  const Words carry = eval_comparison_bit(party, key, x_hat[0], 0, f_, output_.n, opener);
  const int n = output_.n;
  const std::span<const uint8_t> correction =
      read_packed_bytes(key, count, n, "output mask correction");

  const Ring in_ring = input_.ring();
  const Ring out_ring = output_.ring();
  for_each_block(count, [&](size_t first, size_t size) {
    uint64_t corr[kBlockElements];
    unpack_block(correction, n, first, {corr, size});
    for (size_t k = 0; k < size; ++k) {
      const size_t i = first + k;
      const uint64_t public_part = party == 0 ? in_ring.lrs(x_hat[0][i], f_) : 0;
      share[0][i] = out_ring.add(out_ring.sub(public_part, carry[i]), corr[k]);
    }
  });
}

}  // namespace fss

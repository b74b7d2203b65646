#include "sigma/gap_truncation.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/bitpack.h"
#include "core/error.h"
#include "core/gap_shift.h"
#include "core/ring.h"
#include "crypto/backend.h"
#include "mpc/comparison_bit.h"
#include "mpc/gate_keys.h"

namespace fss::sigma {
namespace {

FixedPoint shifted_format(FixedPoint input, int f) { return {input.n, std::max(input.f - f, 0)}; }

}  // namespace

GapShiftGate::GapShiftGate(FixedPoint input, int f, bool arithmetic)
    : input_(input), output_(input), f_(f), arithmetic_(arithmetic) {
  input_.validate();
  const int max_f = arithmetic ? input.n - 2 : input.n - 1;
  if (f < 1 || f > max_f)
    fail(ErrorKind::kInvalidArgument, "{}: f = {} must lie in 1..{} (n = {})",
         arithmetic ? "gap_ars" : "gap_lrs", f, arithmetic ? "n-2" : "n-1", input.n);
  output_ = shifted_format(input, f);
}

std::string GapShiftGate::describe() const {
  return fmt::format("{}(n={}, f={})", gate_kind_name(kind()), input_.n, f_);
}

uint64_t GapShiftGate::key_bytes(uint64_t count) const {
  return comparison_bit_key_bytes(count, f_, input_.n) + packed_bytes(count, f_) +
         packed_bytes(count, input_.n);
}

void GapShiftGate::clear(InColumns in, OutColumns out) const {
  const Ring ring = input_.ring();
  for (size_t i = 0; i < in[0].size(); ++i)
    out[0][i] = arithmetic_ ? ring.ars(in[0][i], f_) : ring.lrs(in[0][i], f_);
}

void GapShiftGate::gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
                       ByteWriter& key1) const {
  const size_t count = r_in[0].size();
  const Ring ring = input_.ring();
  const Ring low{f_};
  std::vector<uint64_t> r_low(count), r_msb(count), out_correction(count);
#pragma omp parallel for schedule(static) if (static_cast <int64_t>(count) >= kParallelElements)
  for (size_t i = 0; i < count; ++i) {
    r_low[i] = low.mod(r_in[0][i]);
    r_msb[i] = ring.msb(r_in[0][i]);
    out_correction[i] = ring.sub(r_out[0][i], ring.lrs(r_in[0][i], f_));
  }
  gen_comparison_bit(r_low, f_, input_.n, prg, key0, key1);
  // 2^{n-f} * MSB(r) needs MSB(r) only mod 2^f.
  const SharePair msb = share_values(prg, r_msb, f_);
  const SharePair correction = share_values(prg, out_correction, input_.n);
  ByteWriter* keys[2] = {&key0, &key1};
  for (int b = 0; b < 2; ++b) {
    write_packed(*keys[b], msb.party[b], f_);
    write_packed(*keys[b], correction.party[b], input_.n);
  }
}

void GapShiftGate::eval(int party, ByteReader& key, InColumns x_hat, OutColumns share,
                        Opener& opener) const {
  const size_t count = x_hat[0].size();
  const int n = input_.n;
  const GapShiftStep step{party, input_.ring(), f_, arithmetic_};

  // The carry compares y^ mod 2^f, y^ = x^ + input_offset, with r mod 2^f.
  const OpenedComparisonBits carry =
      open_comparison_bits(party, key, x_hat[0], Ring{f_}.mod(step.input_offset()), f_, n, opener);
  const GapShiftKey fields{carry.mask_share, read_packed_values(key, count, f_, "mask MSB share"),
                           read_packed_values(key, count, n, "output mask correction")};
  backend().gap_shift(step, fields, x_hat[0], carry.c_hat, share[0]);
}

Shared gap_lrs(Engine& engine, const Masked& x, int f) {
  return engine.apply(GapLrsGate(x.value.fixed_point(), f), x);
}

Shared gap_ars(Engine& engine, const Masked& x, int f) {
  return engine.apply(GapArsGate(x.value.fixed_point(), f), x);
}

}  // namespace fss::sigma

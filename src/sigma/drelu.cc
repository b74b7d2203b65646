#include "sigma/drelu.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/bitpack.h"
#include "core/error.h"
#include "core/ring.h"
#include "crypto/backend.h"
#include "mpc/gate_keys.h"

namespace fss::sigma {

DreluGate::DreluGate(FixedPoint input, int m, std::vector<int64_t> offsets)
    : input_(input), m_(m), offsets_(std::move(offsets)) {
  input_.validate();
  if (m < 2 || m > input.n)
    fail(ErrorKind::kInvalidArgument, "drelu: effective width m = {} must lie in 2..n (n = {})", m,
         input.n);
  if (offsets_.empty()) fail(ErrorKind::kInvalidArgument, "drelu: needs at least one offset");
}

std::string DreluGate::describe() const {
  if (offsets_ == std::vector<int64_t>{0}) return fmt::format("drelu(n={}, m={})", input_.n, m_);
  return fmt::format("drelu(n={}, m={}, offsets=[{}])", input_.n, m_, fmt::join(offsets_, ", "));
}

std::vector<FixedPoint> DreluGate::output_formats() const {
  return std::vector<FixedPoint>(offsets_.size(), FixedPoint{1, 0});
}

uint64_t DreluGate::key_bytes(uint64_t count) const {
  return kDpfBatchHeaderBytes + count * dpf_key_bytes({m_ - 1, 1}) +
         offsets_.size() * packed_bytes(count, 1);
}

void DreluGate::clear(InColumns in, OutColumns out) const {
  const Ring ring{m_};
  for (size_t k = 0; k < offsets_.size(); ++k) {
    const uint64_t offset = ring.from_signed(offsets_[k]);
    for (size_t i = 0; i < in[0].size(); ++i) out[k][i] = 1 ^ ring.msb(ring.add(in[0][i], offset));
  }
}

void DreluGate::gen(InColumns r_in, InColumns r_out, SeededPrg& prg, ByteWriter& key0,
                    ByteWriter& key1) const {
  const size_t count = r_in[0].size();
  const Ring ring{m_};
  const Ring low{m_ - 1};
  std::vector<uint64_t> points(count), ones(count, 1), negated_msb(count);
#pragma omp parallel for schedule(static) if (static_cast <int64_t>(count) >= kParallelElements)
  for (size_t i = 0; i < count; ++i) {
    const uint64_t b = ring.neg(r_in[0][i]);
    points[i] = low.mod(b);
    negated_msb[i] = 1 ^ ring.msb(b);
  }
  const DpfKeyPair dpf = backend().dpf_gen({m_ - 1, 1}, points, ones, prg.next_block());
  ByteWriter* keys[2] = {&key0, &key1};
  for (int b = 0; b < 2; ++b) serialize(dpf.party[b], *keys[b]);
  std::vector<uint64_t> key_bits(count);
  for (size_t k = 0; k < offsets_.size(); ++k) {
#pragma omp parallel for schedule(static) if (static_cast <int64_t>(count) >= kParallelElements)
    for (size_t i = 0; i < count; ++i) key_bits[i] = negated_msb[i] ^ r_out[k][i];
    const SharePair shares = share_values(prg, key_bits, 1);
    for (int b = 0; b < 2; ++b) write_packed(*keys[b], shares.party[b], 1);
  }
}

void DreluGate::eval(int party, ByteReader& key, InColumns x_hat, OutColumns share, Opener&) const {
  const size_t count = x_hat[0].size();
  const DpfKeyRecord dpf = read_dpf_record(key);
  if (dpf.count != count || dpf.params.n != m_ - 1 || dpf.params.out_bits != 1)
    fail(ErrorKind::kParse, "{}: {} DPF batch has {} keys of n = {}, l = {}, expected {} of n = {}",
         key.source(), describe(), dpf.count, dpf.params.n, dpf.params.out_bits, count, m_ - 1);
  const Ring ring{m_};
  const Ring low{m_ - 1};
  // Every offset's point of element i at i * K + k: one call for all offsets, which walks each
  // key's tree once per point; the points 2^{m-1} - 1 - y0 for y = x^ + offset are made where the
  // keys lie (crypto/compare_offsets.h).
  const size_t K = offsets_.size();
  std::vector<uint64_t> offset(K), low_offset(K);
  for (size_t k = 0; k < K; ++k) {
    offset[k] = ring.from_signed(offsets_[k]);
    low_offset[k] = low.mod(offset[k]);
  }
  std::vector<uint8_t> compare(count * K);
  backend().dpf_compare_offsets(party, dpf, x_hat[0], {low_offset, /*complement=*/true}, compare);
  std::vector<std::span<const uint8_t>> key_bits(K);
  for (size_t k = 0; k < K; ++k)
    key_bits[k] = read_packed_bytes(key, count, 1, "drelu output mask share");
  for_each_block(count, [&](size_t first, size_t size) {
    uint64_t bits[kBlockElements];
    for (size_t k = 0; k < K; ++k) {
      unpack_block(key_bits[k], 1, first, {bits, size});
      for (size_t j = 0; j < size; ++j) {
        const size_t i = first + j;
        share[k][i] =
            drelu_share(party, m_, ring.add(x_hat[0][i], offset[k]), compare[i * K + k], bits[j]);
      }
    }
  });
}

Shared greater_equal(Engine& engine, const Masked& x, const Masked& y, int m) {
  const DreluGate gate(x.value.fixed_point(), m);
  return engine.apply(gate, sub(x, y));
}

}  // namespace fss::sigma

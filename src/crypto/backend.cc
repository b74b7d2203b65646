#include "crypto/backend.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "core/bitpack.h"
#include "core/error.h"
#include "core/ring.h"
#include "core/words.h"
#include "crypto/multi_point.h"

namespace fss {
namespace {

class CpuBackend final : public Backend {
 public:
  using Backend::dpf_full_domain_dot;

  std::string name() const override { return "cpu"; }

  DpfKeyPair dpf_gen(const DpfParams& params, std::span<const uint64_t> alphas,
                     std::span<const uint64_t> betas, Block seed) override {
    return fss::dpf_gen(params, alphas, betas, seed);
  }
  void dpf_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                std::span<uint64_t> out) override {
    fss::dpf_eval(party, keys, xs, out);
  }
  void dpf_compare_eval(int party, const DpfKeyBatch& keys, std::span<const uint64_t> xs,
                        std::span<uint8_t> out) override {
    fss::dpf_compare_eval(party, keys, xs, out);
  }
  void dpf_full_domain_dot(int party, const DpfKeyBatch& keys, std::span<const uint64_t> terms,
                           std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                           std::span<uint64_t> ones) override {
    fss::dpf_full_domain_dot(party, keys, terms, offsets, dots, ones);
  }

  DcfKeyPair dcf_gen(const DcfParams& params, std::span<const uint64_t> alphas,
                     std::span<const uint64_t> betas, Block seed) override {
    return fss::dcf_gen(params, alphas, betas, seed);
  }
  void dcf_eval(int party, const DcfKeyBatch& keys, std::span<const uint64_t> xs,
                std::span<uint64_t> out) override {
    fss::dcf_eval(party, keys, xs, out);
  }

  void matmul(std::span<const uint64_t> a, std::span<const uint64_t> b, std::span<uint64_t> c,
              const MatmulDims& dims) override {
    fss::matmul(a, b, c, dims);
  }
};

thread_local Backend* current_backend = nullptr;

// Keys [begin, end) of a batch (its arrays are level-major).
DcfKeyBatch slice(const DcfKeyBatch& keys, uint64_t begin, uint64_t end) {
  const uint64_t count = end - begin, levels = keys.params.n;
  DcfKeyBatch part;
  part.params = keys.params;
  part.count = count;
  part.root.assign(keys.root.begin() + begin, keys.root.begin() + end);
  part.right_t_cw.assign(keys.right_t_cw.begin() + begin, keys.right_t_cw.begin() + end);
  part.final_cw.assign(keys.final_cw.begin() + begin, keys.final_cw.begin() + end);
  for (uint64_t level = 0; level < levels; ++level) {
    const uint64_t from = level * keys.count;
    part.level_cw.insert(part.level_cw.end(), keys.level_cw.begin() + from + begin,
                         keys.level_cw.begin() + from + end);
    part.value_cw.insert(part.value_cw.end(), keys.value_cw.begin() + from + begin,
                         keys.value_cw.begin() + from + end);
  }
  return part;
}

}  // namespace

uint64_t Backend::dcf_offset_sums(int party, const DcfKeyBatch& keys,
                                  std::span<const uint64_t> x_hat, const DcfOffsetQuery& query,
                                  std::span<uint64_t> sums, std::span<uint8_t> bits) {
  check_dcf_offset_query(party, keys, x_hat.size(), query, sums.size(), bits.size(),
                         "dcf_offset_sums");
  const Ring ring{keys.params.n};
  const uint64_t count = keys.count, per_key = query.offsets.size(), width = query.width;
  const uint64_t bit_points = query.bit_points.size();
  // Keys go through in chunks of about kChunkPoints points, so that memory does not grow with
  // count * P (a softmax of BERT-base with 1024 steps would need gigabytes at once).
  constexpr uint64_t kChunkPoints = uint64_t{1} << 22;
  const uint64_t chunk = std::max<uint64_t>(64, kChunkPoints / per_key);
  std::vector<uint64_t> points, shares;
  uint64_t prg_calls = 0;
  for (uint64_t begin = 0; begin < count; begin += chunk) {
    const uint64_t end = std::min(count, begin + chunk), size = end - begin;
    points.resize(size * per_key);
    shares.resize(size * per_key);
    for_each_index(size * per_key, [&](size_t i) {
      points[i] = ring.add(x_hat[begin + i / per_key], query.offsets[i % per_key]);
    });
    // The whole batch by reference when it fits one chunk; a slice otherwise.
    std::optional<DcfKeyBatch> sliced;
    const DcfKeyBatch& batch = chunk >= count ? keys : sliced.emplace(slice(keys, begin, end));
    prg_calls += dcf_eval_points(party, batch, points, per_key, shares);
    const auto keys_here = static_cast<int64_t>(size);
#pragma omp parallel for schedule(static) if (size * per_key >= kParallelElements)
    for (int64_t i = 0; i < keys_here; ++i) {
      const uint64_t* mine = shares.data() + i * per_key;
      uint64_t* out = sums.data() + (begin + i) * width;
      std::fill(out, out + width, 0);
      for (uint64_t j = 0; j < per_key; ++j)
        add_weighted(width, query.weights.data() + j * width, mine[j], out);
      for (uint64_t b = 0; b < bit_points; ++b)
        bits[(begin + i) * bit_points + b] = mine[query.bit_points[b]] & 1;
    }
  }
  return prg_calls;
}

void Backend::masked_matmul(int party, const MaskedMatmulKey& key, std::span<const uint64_t> x_hat,
                            std::span<const uint64_t> w_hat, std::span<uint64_t> share,
                            const MatmulDims& dims) {
  check_masked_matmul_arguments(party, key, x_hat, w_hat, share, dims, "masked_matmul");
  const auto unpacked = [&](const PackedValues& field, size_t count) {
    Words values = words_for_overwrite(count);
    unpack(field.bytes, key.n, values);
    return values;
  };
  // Two products straight from the operands (no concatenated copy of W^ and [R_W]).
  Words left = unpacked(key.r_x, dims.left_size());
  for_each_index(left.size(),
                 [&](size_t i) { left[i] = masked_matmul_left(party, x_hat[i], left[i]); });
  matmul(left, w_hat, share, dims);

  const Words r_w = unpacked(key.r_w, dims.right_size());
  Words mask_product = words_for_overwrite(dims.out_size());
  matmul(x_hat, r_w, mask_product, dims);
  const Words c = unpacked(key.c, dims.out_size());
  const Ring ring{key.n};
  for_each_index(share.size(), [&](size_t i) {
    share[i] = masked_matmul_share(ring, share[i], mask_product[i], c[i]);
  });
}

void Backend::gap_shift(const GapShiftStep& step, const GapShiftKey& key,
                        std::span<const uint64_t> x_hat, std::span<const uint8_t> carry_hat,
                        std::span<uint64_t> share) {
  check_gap_shift_arguments(step, key, x_hat, carry_hat, share, "gap_shift");
  const int n = step.ring.n;
  for_each_block(x_hat.size(), [&](size_t first, size_t size) {
    uint64_t mask[kBlockElements], msb[kBlockElements], correction[kBlockElements];
    unpack_block(key.carry_mask.bytes, n, first, {mask, size});
    unpack_block(key.r_msb.bytes, step.f, first, {msb, size});
    unpack_block(key.correction.bytes, n, first, {correction, size});
    for (size_t k = 0; k < size; ++k) {
      const size_t i = first + k;
      share[i] = gap_shift_share(step, x_hat[i], packed_bit(carry_hat.data(), i), mask[k], msb[k],
                                 correction[k]);
    }
  });
}

uint64_t Backend::dpf_compare_offsets(int party, const DpfKeyRecord& keys,
                                      std::span<const uint64_t> x_hat, const DpfOffsetQuery& query,
                                      std::span<uint8_t> out) {
  check_dpf_offset_query(keys.params, keys.count, x_hat.size(), query, out.size(),
                         "dpf_compare_offsets");
  const Words points = dpf_offset_points(x_hat, query, keys.params.n);
  const DpfKeyBatch batch = deserialize(keys);
  if (query.offsets.size() > 1)
    return dpf_compare_points(party, batch, points, query.offsets.size(), out);
  dpf_compare_eval(party, batch, points, out);
  return keys.count * (2 * static_cast<uint64_t>(keys.params.levels()) + 1);
}

void Backend::dpf_full_domain_dot(int party, const DpfKeyRecord& keys,
                                  std::span<const uint64_t> terms,
                                  std::span<const uint64_t> offsets, std::span<uint64_t> dots,
                                  std::span<uint64_t> ones) {
  dpf_full_domain_dot(party, deserialize(keys), terms, offsets, dots, ones);
}

Backend& cpu_backend() {
  static CpuBackend backend;
  return backend;
}

Backend& backend() { return current_backend != nullptr ? *current_backend : cpu_backend(); }

BackendScope::BackendScope(Backend& backend) : previous_(current_backend) {
  current_backend = &backend;
}

BackendScope::~BackendScope() { current_backend = previous_; }

}  // namespace fss
